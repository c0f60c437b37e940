"""Maker-checker: figures wait for review after any change, and a reviewer who did not enter
them approves them or sends them back. Each action writes a ReviewEvent in its transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from figures_app.models import Figure, FigureReview, ReviewEvent, ReviewState
from figures_app.selectors.review import is_maker, made_by_among
from figures_app.selectors.review_figures import figures_and_warnings
from requests_app.models import FoiRequest
from requests_app.roles import can_edit, can_review
from requests_app.services.data_versions import requests_data_changed
from requests_app.services.errors import ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


def mark_pending(
    *, request_ids: Iterable[int], actor: AbstractBaseUser | None, comment: str
) -> None:
    """Put requests' figures back in the review queue (inside the caller's transaction)."""
    ids = sorted(set(request_ids))
    if not ids:
        return
    now = timezone.now()
    reviews = {
        r.request_id: r for r in FigureReview.objects.select_for_update().filter(request_id__in=ids)
    }
    new, changed = [], []
    for request_id in ids:
        review = reviews.get(request_id)
        if review is None:
            new.append(
                FigureReview(
                    request_id=request_id,
                    state=ReviewState.PENDING,
                    submitted_by=actor,
                    submitted_at=now,
                )
            )
            continue
        review.state, review.submitted_by, review.submitted_at = ReviewState.PENDING, actor, now
        changed.append(review)
    FigureReview.objects.bulk_create(new)
    FigureReview.objects.bulk_update(changed, ["state", "submitted_by", "submitted_at"])
    # Every figure write and every review comes through here or _approve: the campaigns'
    # cached totals are read afresh after (issue 28).
    requests_data_changed(request_ids=ids)
    ReviewEvent.objects.bulk_create(
        ReviewEvent(
            request_id=rid, action=ReviewEvent.Action.SUBMITTED, actor=actor, comment=comment
        )
        for rid in ids
    )


def _approve(request_ids: Iterable[int], actor: AbstractBaseUser, comment: str) -> None:
    """Approve without the maker-checker check: for figures checked outside the tracker
    (import --approve by a reviewer, the demo). Inside the caller's transaction."""
    ids = sorted(set(request_ids))
    now = timezone.now()
    existing = {
        r.request_id: r for r in FigureReview.objects.select_for_update().filter(request_id__in=ids)
    }
    new = [
        FigureReview(request_id=rid, submitted_by=actor, submitted_at=now)
        for rid in ids
        if rid not in existing
    ]
    FigureReview.objects.bulk_create(new)
    FigureReview.objects.filter(request_id__in=ids).update(
        state=ReviewState.APPROVED, reviewed_by=actor, reviewed_at=now, comment=""
    )
    requests_data_changed(request_ids=ids)
    ReviewEvent.objects.bulk_create(
        ReviewEvent(
            request_id=rid, action=ReviewEvent.Action.APPROVED, actor=actor, comment=comment
        )
        for rid in ids
    )


def _lock_review(request_id: int) -> FigureReview:
    review = FigureReview.objects.select_for_update().filter(request_id=request_id).first()
    if review is None or not Figure.objects.filter(request_id=request_id).exists():
        raise ServiceError("This request has no figures to review.")
    return review


def _check_pending(review: FigureReview) -> None:
    if review.state != ReviewState.PENDING:
        raise ServiceError(
            f"These figures are {review.get_state_display().lower()}, not awaiting review."
        )


CHANGED_SINCE = "the figures changed since you opened them; look at them again."


def _unchecked_warnings(warnings: Sequence[str]) -> str:
    """What to say when figures with warnings are approved without the tick: the warnings."""
    what = "the warning" if len(warnings) == 1 else f"the {len(warnings)} warnings"
    return f"tick the box to say you have checked {what} first. " + " ".join(warnings)


@transaction.atomic
def figures_approve(
    *,
    request_id: int,
    actor: AbstractBaseUser,
    comment: str = "",
    warnings_checked: bool = False,
    seen_version: int | None = None,
) -> FigureReview:
    """A reviewer approves a request's figures. Not figures they made (selectors.review.is_maker:
    entered, changed or removed, read from the history), unless the team allows it; and, when
    the figures have warnings (a breakdown that does not add up, a jump between periods), only
    once the reviewer says they checked them (`warnings_checked`). The warnings are read again
    here, under the review's lock, not taken from the page the reviewer saw; and with
    `seen_version` (the version selectors.review.review_standing gave the page they saw)
    figures changed since are refused, so nobody approves what they did not look at."""
    if not can_review(actor):
        raise ServiceError("You need the reviewer role to approve figures.")
    review = _lock_review(request_id)
    _check_pending(review)
    if is_maker(actor, request_id):
        raise ServiceError(
            "You entered, changed or removed some of these figures; another reviewer must "
            "approve them."
        )
    found = figures_and_warnings([request_id]).get(request_id)
    if found and seen_version is not None and found.version != seen_version:
        raise ServiceError("Not approved: " + CHANGED_SINCE, "seen_version")
    if found and found.warnings and not warnings_checked:
        raise ServiceError("Not approved: " + _unchecked_warnings(found.warnings), "warnings")
    _approve([request_id], actor, comment)
    review.refresh_from_db()
    return review


@transaction.atomic
def figures_approve_many(
    *,
    request_ids: Sequence[int],
    actor: AbstractBaseUser,
    comment: str = "",
    warnings_checked: Iterable[int] = (),
    seen_versions: Mapping[int, int] | None = None,
) -> list[FigureReview]:
    """Approve several requests' figures at once (the review queue), all or nothing: the same
    checks as one approval, for each (a request with warnings only if it is among
    `warnings_checked`; with `seen_versions`, {request id: version seen}, none changed since);
    the error names every force that stops it."""
    ids = sorted(set(request_ids))
    if not ids:
        raise ServiceError("Tick at least one request to approve.", "request_ids")
    if not can_review(actor):
        raise ServiceError("You need the reviewer role to approve figures.")
    # Set-based: the same checks as _lock_review, _check_pending, is_maker and the warnings, in
    # a fixed number of queries whatever the number of ticked requests.
    fois = FoiRequest.objects.filter(pk__in=ids).select_related("force").order_by("pk")
    reviews = {
        r.request_id: r for r in FigureReview.objects.select_for_update().filter(request_id__in=ids)
    }
    with_figures = set(
        Figure.objects.filter(request_id__in=ids).values_list("request_id", flat=True).distinct()
    )
    made = made_by_among(actor, ids)
    checked = set(warnings_checked)
    read = figures_and_warnings(ids)
    problems, found = [], 0
    for foi in fois:
        found += 1
        review = reviews.get(foi.pk)
        if review is None or foi.pk not in with_figures:
            problem = "this request has no figures to review."
        elif review.state != ReviewState.PENDING:
            problem = (
                f"these figures are {review.get_state_display().lower()}, not awaiting review."
            )
        elif foi.pk in made:
            problem = "you entered, changed or removed some of its figures"
        elif seen_versions is not None and seen_versions.get(foi.pk) != read[foi.pk].version:
            problem = CHANGED_SINCE
        elif read[foi.pk].warnings and foi.pk not in checked:
            problem = _unchecked_warnings(read[foi.pk].warnings)
        else:
            continue
        problems.append(f"{foi.force.name}: {problem}")
    if found != len(ids):
        problems.append("some requests no longer exist")
    if problems:
        raise ServiceError("Nothing approved. " + "; ".join(problems))
    _approve(ids, actor, comment)
    return list(FigureReview.objects.filter(request_id__in=ids).order_by("request_id"))


@transaction.atomic
def figures_send_back(*, request_id: int, actor: AbstractBaseUser, comment: str) -> FigureReview:
    if not can_review(actor):
        raise ServiceError("You need the reviewer role to send figures back.")
    if not comment.strip():
        raise ServiceError("Say what needs correcting.", "comment")
    review = _lock_review(request_id)
    _check_pending(review)
    review.state, review.comment = ReviewState.SENT_BACK, comment.strip()
    review.reviewed_by, review.reviewed_at = actor, timezone.now()
    review.save(update_fields=["state", "comment", "reviewed_by", "reviewed_at"])
    requests_data_changed(request_ids=[request_id])
    ReviewEvent.objects.create(
        request_id=request_id,
        action=ReviewEvent.Action.SENT_BACK,
        actor=actor,
        comment=comment.strip(),
    )
    return review


@transaction.atomic
def figures_resubmit(*, request_id: int, actor: AbstractBaseUser) -> FigureReview:
    """Put sent-back figures back in the queue without changing them (e.g. the force confirmed)."""
    if not can_edit(actor):
        raise ServiceError("You need the staff role to resubmit figures.")
    review = _lock_review(request_id)
    if review.state != ReviewState.SENT_BACK:
        raise ServiceError("Only figures sent back can be resubmitted.")
    mark_pending(request_ids=[request_id], actor=actor, comment="Resubmitted without changes.")
    review.refresh_from_db()
    return review
