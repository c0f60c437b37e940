"""Reads for a request's figures and for review: the figures and their history, the review
queue and figures sent back. The figures of a queue page and the warnings a reviewer should see
(breakdowns that do not add up, jumps between periods) are in review_figures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from figures_app.models import (
    Figure,
    FigureChange,
    FigureReview,
    ReviewEvent,
    ReviewState,
)
from figures_app.selectors.review_figures import FIGURE_ORDER
from requests_app.models import FoiRequest
from requests_app.selectors.data_versions import data_version_of

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


FIGURE_RELATED = (
    "metric",
    "period",
    "category__dimension",
    "attachment",
    "entered_by",
    "updated_by",
)


def request_figures(foi: FoiRequest) -> list[Figure]:
    return list(foi.figures.select_related(*FIGURE_RELATED).order_by(*FIGURE_ORDER))


def request_history_and_reviews(
    foi: FoiRequest, *, limit: int = 30, reviews_limit: int = 50
) -> tuple[list[FigureChange], list[ReviewEvent]]:
    """The request's latest figure changes and review events, newest first, in one query (a
    UNION ALL of the two, each with its own limit), for display only: the rows are unsaved
    instances carrying what the request's figures section shows, each actor with its username
    alone."""
    history = (
        FigureChange.objects.filter(request=foi)
        .order_by("-created_at", "-pk")
        .annotate(part=Value(0), who=F("actor__username"), text=Value(""))
        .values_list(
            "part",
            "pk",
            "created_at",
            "who",
            "action",
            "cell",
            "old_display",
            "new_display",
            "source",
            "text",
        )[:limit]
    )
    blank = Value("")
    reviews = (
        ReviewEvent.objects.filter(request=foi)
        .order_by("-created_at", "-pk")
        .annotate(part=Value(1), who=F("actor__username"), b1=blank, b2=blank, b3=blank, b4=blank)
        .values_list(
            "part", "pk", "created_at", "who", "action", "b1", "b2", "b3", "b4", "comment"
        )[:reviews_limit]
    )
    sql_h, params_h = history.query.sql_with_params()
    sql_r, params_r = reviews.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM ({sql_h}) h UNION ALL SELECT * FROM ({sql_r}) r",
            [*params_h, *params_r],
        )
        rows = cursor.fetchall()
    column = FigureChange._meta.get_field("created_at").get_col("h")
    converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
    User = get_user_model()
    changes, events = [], []
    for part, pk, created_at, who, action, cell, old, new, source, text in rows:
        for convert in converters:  # SQLite hands back text; PostgreSQL an aware datetime
            created_at = convert(created_at, column, connection)
        actor = User(username=who) if who else None
        if part == 0:
            change = FigureChange(
                pk=pk,
                created_at=created_at,
                action=action,
                cell=cell,
                old_display=old,
                new_display=new,
                source=source,
            )
            change.actor = actor
            changes.append(change)
        else:
            event = ReviewEvent(pk=pk, created_at=created_at, action=action, comment=text)
            event.actor = actor
            events.append(event)
    key = lambda row: (row.created_at, row.pk)  # noqa: E731 - the models' own order
    return sorted(changes, key=key, reverse=True), sorted(events, key=key, reverse=True)


@dataclass
class ReviewStanding:
    """A request's review (None before any), whether `user` made some of its figures (per
    made_by_among), and the version of its figures: which state of them a page shows, the id
    of their latest change (every change, removals included, writes a FigureChange), 0 before
    any. An approval posts the version the reviewer saw, and the service refuses if the figures
    have changed since."""

    review: FigureReview | None
    made_by_user: bool
    version: int


def review_standing(user: AbstractBaseUser, request_id: int) -> ReviewStanding:
    """What the request's figures section says of its review, in one query (instead of three):
    the review with who submitted and reviewed it, made_by_among and the figures' version."""
    latest = FigureChange.objects.filter(request=OuterRef("pk")).order_by("-pk").values("pk")[:1]
    made = (
        Value(False)
        if settings.FIGURES_ALLOW_SELF_APPROVAL
        else ExpressionWrapper(_made_by(user, OuterRef("pk")), output_field=BooleanField())
    )
    foi = (
        FoiRequest.objects.filter(pk=request_id)
        .select_related("figure_review__reviewed_by", "figure_review__submitted_by")
        .annotate(made_by_user=made, version=Coalesce(Subquery(latest), 0))
        .get()
    )
    try:
        review = foi.figure_review
    except FigureReview.DoesNotExist:
        review = None
    return ReviewStanding(review=review, made_by_user=bool(foi.made_by_user), version=foi.version)


def review_queue(*, campaign_id: int | None = None) -> QuerySet[FigureReview]:
    """Pending reviews (of one campaign's requests, given `campaign_id`), oldest first, with
    what a reviewer needs to pick one (constant queries).

    The counts are subqueries, not a join and GROUP BY over every pending request's figures:
    counting the queue (the paginator) then reads the reviews alone (figure_review_queue_idx),
    and the figures are read only for the page shown."""
    figures = Figure.objects.filter(request=OuterRef("request")).order_by().values("request")
    pending = FigureReview.objects.filter(state=ReviewState.PENDING)
    if campaign_id is not None:
        pending = pending.filter(request__campaign_id=campaign_id)
    return (
        pending.select_related("request__force", "request__campaign", "submitted_by")
        .annotate(
            n_figures=Coalesce(Subquery(figures.annotate(n=Count("pk")).values("n")), 0),
            last_change=Subquery(figures.annotate(last=Max("updated_at")).values("last")),
        )
        .order_by("submitted_at", "pk")
    )


def review_queue_page(
    user: AbstractBaseUser, *, campaign_id: int | None = None
) -> QuerySet[FigureReview]:
    """review_queue with, per review, the version of its figures (as ReviewStanding's), its
    campaign's data version (the cached figure blocks are keyed on both: review_blocks.py) and
    whether `user` made some of them (made_by_among): read with the page instead of one query
    each."""
    latest = (
        FigureChange.objects.filter(request=OuterRef("request")).order_by("-pk").values("pk")[:1]
    )
    qs = review_queue(campaign_id=campaign_id).annotate(
        version=Coalesce(Subquery(latest), 0),
        campaign_version=data_version_of("request__campaign"),
    )
    if settings.FIGURES_ALLOW_SELF_APPROVAL:
        return qs.annotate(made_by_user=Value(False))
    return qs.annotate(
        made_by_user=ExpressionWrapper(
            _made_by(user, OuterRef("request")), output_field=BooleanField()
        )
    )


@dataclass
class QueueCampaign:
    """A campaign with reviews pending: what the queue's campaign filter offers."""

    id: int
    title: str
    slug: str
    pending: int


@dataclass
class QueueCounts:
    """How many reviews are pending in all, how many figure sets sent back are the user's to
    correct (see sent_back_to), and the campaigns with reviews pending, by title."""

    pending: int
    sent_back_to_user: int
    campaigns: list[QueueCampaign]

    def campaign(self, campaign_id: int | None) -> QueueCampaign | None:
        return next((c for c in self.campaigns if c.id == campaign_id), None)


def queue_campaigns() -> list[QueueCampaign]:
    """The campaigns with reviews pending, by title, with how many: the campaign filter's
    choices and the queue's counts (one GROUP BY; review_blocks.cached_queue_campaigns keeps it
    in the cache, as at a thousand campaigns it was a third of the page)."""
    rows = (
        FigureReview.objects.filter(state=ReviewState.PENDING)
        .values("request__campaign_id", "request__campaign__title", "request__campaign__slug")
        .annotate(pending=Count("pk"))
        .order_by("request__campaign__title", "request__campaign_id")
    )
    return [
        QueueCampaign(
            id=r["request__campaign_id"],
            title=r["request__campaign__title"],
            slug=r["request__campaign__slug"],
            pending=r["pending"],
        )
        for r in rows
    ]


def queue_counts(user: AbstractBaseUser, campaigns: list[QueueCampaign]) -> QueueCounts:
    """The queue's counts: `campaigns` (queue_campaigns, perhaps from the cache) and how many
    figure sets sent back are `user`'s to correct (sent_back_to; a few rows, read each time)."""
    return QueueCounts(
        pending=sum(c.pending for c in campaigns),
        sent_back_to_user=sent_back_to(user).order_by().count(),
        campaigns=campaigns,
    )


def sent_back() -> QuerySet[FigureReview]:
    return (
        FigureReview.objects.filter(state=ReviewState.SENT_BACK)
        .select_related("request__force", "request__campaign", "reviewed_by")
        .order_by("reviewed_at")
    )


def sent_back_list(limit: int) -> list[dict]:
    """The queue's "Sent back for correction" list, oldest first: request_id, comment,
    campaign_title, force_name and reviewer of each, read as values: as model objects it was
    five a row, for up to 200 rows under every page of the queue."""
    return list(
        FigureReview.objects.filter(state=ReviewState.SENT_BACK)
        .order_by("reviewed_at")
        .values(
            "request_id",
            "comment",
            campaign_title=F("request__campaign__title"),
            force_name=F("request__force__name"),
            reviewer=F("reviewed_by__username"),
        )[:limit]
    )


def makers_changes(user: AbstractBaseUser) -> QuerySet[FigureChange]:
    """The history rows that make `user` a maker of a request's figures (filter by request
    outside): every change they made to a figure still present, and every change, deletion
    included, since the request's last approval. Read from the history, not the current rows,
    so that emptying someone else's cell, or changing a value that the enterer then touches
    again, still counts (maker-checker: the checker must not have made any of what they check).
    """
    last_approval = (
        ReviewEvent.objects.filter(request=OuterRef("request"), action=ReviewEvent.Action.APPROVED)
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )
    return (
        FigureChange.objects.filter(actor=user)
        .annotate(last_approved_at=Subquery(last_approval))
        .filter(
            Q(figure__isnull=False)
            | Q(last_approved_at__isnull=True)
            | Q(created_at__gt=F("last_approved_at"))
        )
    )


def _made_by(user: AbstractBaseUser, request_ref) -> Q:
    """Requests (as `request_ref`, an id or OuterRef) whose figures `user` made, per
    makers_changes, or whose current figures name them as enterer or last editor."""
    return Exists(makers_changes(user).filter(request=request_ref)) | Exists(
        Figure.objects.filter(request=request_ref).filter(Q(entered_by=user) | Q(updated_by=user))
    )


def made_by_among(user: AbstractBaseUser, request_ids: Iterable[int]) -> set[int]:
    """The requests among `request_ids` whose figures `user` may not approve because they made
    some of them (none when the team allows self-approval, FIGURES_ALLOW_SELF_APPROVAL, for
    one-person teams). One query however many requests."""
    if settings.FIGURES_ALLOW_SELF_APPROVAL:
        return set()
    return set(
        FoiRequest.objects.filter(pk__in=list(request_ids))
        .filter(_made_by(user, OuterRef("pk")))
        .values_list("pk", flat=True)
    )


def is_maker(user: AbstractBaseUser, request_id: int) -> bool:
    """True when `user` may not approve this request's figures (see made_by_among)."""
    return request_id in made_by_among(user, [request_id])


def sent_back_to(user: AbstractBaseUser) -> QuerySet[FigureReview]:
    """Figures sent back whose correction falls to `user`: they submitted them for review, or
    entered or last changed one of them. Oldest first."""
    theirs = Figure.objects.filter(request=OuterRef("request")).filter(
        Q(entered_by=user) | Q(updated_by=user)
    )
    return sent_back().filter(Q(submitted_by=user) | Exists(theirs))


def reviews_awaiting(user: AbstractBaseUser) -> QuerySet[FigureReview]:
    """Pending reviews this user may approve (not the ones they made, per is_maker)."""
    qs = review_queue()
    if not settings.FIGURES_ALLOW_SELF_APPROVAL:
        qs = qs.exclude(_made_by(user, OuterRef("request")))
    return qs
