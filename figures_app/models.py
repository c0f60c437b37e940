"""Metrics a campaign asks for, the figures each force returned, their review and history.

A figure is one cell: (request, metric, period, category combination). The combination is kept
as a normalised key string ("" for the total, else category ids in dimension order joined by
".") so that one plain UniqueConstraint enforces "one figure per cell" on SQLite and PostgreSQL.

(Over 400 lines on purpose: the whole figures schema, seven short models with their constraints,
reads best in one file, as requests_app's models would if they were not a package.)
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from figures_app.bound_words import bounds_text

UNKNOWN = "unknown"


class Metric(models.Model):
    # No index of its own: metric_slug_unique leads with it (tests/test_indexes.py).
    campaign = models.ForeignKey(
        "requests_app.Campaign",
        on_delete=models.CASCADE,
        related_name="metrics",
        db_index=False,
    )
    slug = models.SlugField(max_length=80, help_text="Identifies the metric in files and the API.")
    label = models.CharField(
        max_length=200, help_text="Plural noun phrase, e.g. 'Online-flagged child sex offences'."
    )
    unit = models.CharField(max_length=60, default="offences", help_text="What is counted.")
    notes = models.TextField(blank=True, help_text="Definitions and caveats shown with totals.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["campaign", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "slug"], name="metric_slug_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class Dimension(models.Model):
    """A breakdown of a metric, e.g. victim_age, with ordered categories."""

    # No index of its own: dimension_slug_unique leads with it (tests/test_indexes.py).
    metric = models.ForeignKey(
        Metric, on_delete=models.CASCADE, related_name="dimensions", db_index=False
    )
    slug = models.SlugField(
        max_length=60, help_text="Column name in tidy files, e.g. 'victim_age'."
    )
    label = models.CharField(max_length=120)
    inferred = models.BooleanField(
        default=False,
        help_text="Categories are taken from the data: whole numbers in numeric order, then "
        "'unknown'. Otherwise only the listed categories are accepted.",
    )
    position = models.PositiveSmallIntegerField(default=0)
    # Numeric breakdowns (ages): forces answer in ranges of their own ("0-10", "under 13",
    # "16 and over"). An open-ended range ends at `maximum` (17 for under-18s); `bands` are the
    # ranges the campaign reports in, as written ("0-10", "11-12", ...), empty to report the
    # categories as given.
    maximum = models.PositiveIntegerField(
        null=True, blank=True, help_text="Where an open-ended range ends, e.g. 17 for under-18s."
    )
    bands = models.JSONField(
        default=list, blank=True, help_text="The ranges totals are reported in, as written."
    )

    class Meta:
        ordering = ["metric", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["metric", "slug"], name="dimension_slug_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class Category(models.Model):
    # No index of its own: category_value_unique leads with it (tests/test_indexes.py).
    dimension = models.ForeignKey(
        Dimension, on_delete=models.CASCADE, related_name="categories", db_index=False
    )
    value = models.CharField(
        max_length=60, help_text="As written in tidy files, e.g. '13' or 'rape'."
    )
    label = models.CharField(max_length=120, blank=True)
    numeric_value = models.IntegerField(
        null=True,
        blank=True,
        help_text="Set for numeric categories (ages) so they sort as numbers.",
    )
    is_unknown = models.BooleanField(
        default=False, help_text="'Unknown' / not recorded: never the modal or lowest category."
    )
    # The numbers a numeric category covers: low = high = n for a single value n (numeric_value
    # is n too), low..high for a range (numeric_value empty: a range is never a single age), an
    # empty high for an open-ended range (up to the dimension's maximum). Empty for unknown and
    # for categories that are words.
    low = models.IntegerField(null=True, blank=True)
    high = models.IntegerField(null=True, blank=True)
    position = models.PositiveIntegerField(
        default=0, help_text="Order within the dimension (ties broken by numeric value)."
    )

    class Meta:
        ordering = ["dimension", "position", "numeric_value", "value"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["dimension", "value"], name="category_value_unique"),
            models.CheckConstraint(
                condition=models.Q(high__isnull=True)
                | models.Q(low__isnull=False, low__lte=models.F("high")),
                name="category_low_not_above_high",
            ),
        ]

    def __str__(self) -> str:
        return self.label or self.value


class Kind(models.TextChoices):
    REPORTED = "reported", "Reported"
    SUPPRESSED = "suppressed", "Suppressed (small number)"
    NOT_HELD = "not_held", "Not held"
    REFUSED = "refused", "Refused"
    NOT_PROVIDED = "not_provided", "Not provided"


class FigureSource(models.TextChoices):
    """Where a figure came from: the force's answer to our request, or what was published
    (an earlier year never tracked here, loaded from a release: issue 14)."""

    FORCE = "force", "The force's answer"
    PUBLISHED = "published", "Published"


# Kinds that make a force count as "reporting" for a period.
REPORTING_KINDS = (Kind.REPORTED, Kind.SUPPRESSED)


def describe_figure(state: dict | None) -> str:
    """A figure in words, from its state (Figure.state() or a history row's old/new):
    '1,234', '<5 (1–4)', 'not held', 'refused (foia:s12)'. '' for no figure. A suppressed figure's
    bounds are written by the one rule (bound_words.py), as on every page."""
    if state is None:
        return ""
    kind = state["kind"]
    if kind == Kind.REPORTED:
        return f"{state['value']:,}"
    if kind == Kind.SUPPRESSED:
        return f"{state['raw_text'] or '*'} ({bounds_text(state['lower'], state['upper'])})"
    text = Kind(kind).label.lower()
    return f"{text} ({state['exemption']})" if state.get("exemption") else text


class Figure(models.Model):
    # No index of their own for request and metric: figure_one_per_cell leads with the request,
    # and both indexes below with the metric (tests/test_indexes.py). Each index is one more
    # write for every row an import inserts.
    request = models.ForeignKey(
        "requests_app.FoiRequest",
        on_delete=models.CASCADE,
        related_name="figures",
        db_index=False,
    )
    metric = models.ForeignKey(
        Metric, on_delete=models.CASCADE, related_name="figures", db_index=False
    )
    # PROTECT: a period with figures cannot be dropped from a campaign (campaign_update says so).
    period = models.ForeignKey(
        "requests_app.Period", on_delete=models.PROTECT, related_name="figures"
    )
    category_key = models.CharField(
        max_length=120,
        blank=True,
        default="",
        help_text="Normalised category combination: '' for the total, else category ids in "
        "dimension order joined by '.'.",
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="figures",
        help_text="Set when the combination is a single category (a one-way breakdown).",
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.REPORTED)
    value = models.PositiveIntegerField(null=True, blank=True, help_text="Reported figures only.")
    lower = models.PositiveIntegerField(
        null=True, blank=True, help_text="Suppressed figures: the smallest value it can be."
    )
    upper = models.PositiveIntegerField(
        null=True, blank=True, help_text="Suppressed figures: the largest value it can be."
    )
    raw_text = models.CharField(
        max_length=200, blank=True, help_text="The figure as the force wrote it ('<5', '*', '12')."
    )
    # Null, not "", so that adding the column is an ALTER TABLE on SQLite, not a rebuild that
    # would drop the has_figures triggers (figures_app migration 0010).
    category_label = models.CharField(
        max_length=120,
        null=True,
        blank=True,
        help_text="The category as the force wrote it ('ten and under'), where it differs.",
    )
    exemption = models.CharField(
        max_length=30,
        blank=True,
        help_text="Refused figures: the exemption cited, e.g. 'foia:s12'.",
    )
    note = models.TextField(blank=True)
    attachment = models.ForeignKey(
        "requests_app.RequestAttachment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="figures",
        help_text="The file the figure came from.",
    )
    location = models.CharField(
        max_length=200, blank=True, help_text="Where in the file: sheet and cell, or page."
    )
    source = models.CharField(
        max_length=10,
        choices=FigureSource.choices,
        default=FigureSource.FORCE,
        # Also a database default: the bulk import writes figures with SQL of its own.
        db_default=FigureSource.FORCE,
        help_text="The force's answer, or loaded from what was published (shown as such).",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["request", "metric", "period", "category_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "metric", "period", "category_key"], name="figure_one_per_cell"
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="figure_kind_valid"),
            models.CheckConstraint(
                condition=Q(source__in=FigureSource.values), name="figure_source_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind=Kind.REPORTED,
                        value__isnull=False,
                        value__gte=0,
                        lower__isnull=True,
                        upper__isnull=True,
                    )
                    | Q(
                        kind=Kind.SUPPRESSED,
                        value__isnull=True,
                        lower__isnull=False,
                        upper__gte=F("lower"),
                    )
                    | Q(
                        kind__in=[Kind.NOT_HELD, Kind.REFUSED, Kind.NOT_PROVIDED],
                        value__isnull=True,
                        lower__isnull=True,
                        upper__isnull=True,
                    )
                ),
                name="figure_value_matches_kind",
            ),
        ]
        indexes = [
            # Totals: GROUP BY period over one metric's total (or one-way breakdown) figures.
            models.Index(
                fields=["metric", "period", "category_key"], name="figure_metric_period_idx"
            ),
            # Totals (selectors/totals.py read_figure_sums and the breakdown): one metric's
            # figures grouped by request and period, and restricted to the requests that count.
            models.Index(fields=["metric", "request", "period"], name="figure_metric_request_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.metric.slug} {self.period} {describe_figure(self.state())}"

    def state(self) -> dict:
        """What a history row records about the figure."""
        return {
            "kind": self.kind,
            "value": self.value,
            "lower": self.lower,
            "upper": self.upper,
            "raw_text": self.raw_text,
            "exemption": self.exemption,
            "note": self.note,
            "attachment": self.attachment_id,
            "location": self.location,
        }


class ReviewState(models.TextChoices):
    PENDING = "pending", "Awaiting review"
    APPROVED = "approved", "Approved"
    SENT_BACK = "sent_back", "Sent back"


class FigureReview(models.Model):
    """Maker-checker state of one request's figures."""

    request = models.OneToOneField(
        "requests_app.FoiRequest", on_delete=models.CASCADE, related_name="figure_review"
    )
    state = models.CharField(
        max_length=10, choices=ReviewState.choices, default=ReviewState.PENDING
    )
    comment = models.TextField(blank=True, help_text="Why the figures were sent back.")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ReviewState.values), name="figure_review_state_valid"
            ),
        ]
        indexes = [
            # Review queue and digest: pending reviews, oldest first.
            models.Index(fields=["state", "submitted_at"], name="figure_review_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.request}: {self.get_state_display()}"


class FigureChange(models.Model):
    """One change to one figure: who, when, old -> new. Kept when the figure is deleted."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        CHANGED = "changed", "Changed"
        DELETED = "deleted", "Deleted"

    figure = models.ForeignKey(
        Figure, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    # No index of its own: both indexes below lead with it (tests/test_indexes.py).
    request = models.ForeignKey(
        "requests_app.FoiRequest",
        on_delete=models.CASCADE,
        related_name="figure_changes",
        db_index=False,
    )
    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey("requests_app.Period", on_delete=models.CASCADE, related_name="+")
    category_key = models.CharField(max_length=120, blank=True, default="")
    cell = models.CharField(max_length=300, help_text="Readable name of the cell at the time.")
    action = models.CharField(max_length=10, choices=Action.choices)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)
    old_display = models.CharField(max_length=200, blank=True)
    new_display = models.CharField(max_length=200, blank=True)
    source = models.CharField(
        max_length=300, blank=True, help_text="Entry grid, or the import file and line."
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["request", "created_at"], name="figure_change_request_idx"),
            # The version of a request's figures (its latest change's id), per review queue row.
            models.Index(fields=["request", "id"], name="figure_change_version_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.cell}: {self.old_display or '-'} -> {self.new_display or '-'}"


class ReviewEvent(models.Model):
    """Submitted for review, approved, sent back: the review's own timeline."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", "Submitted for review"
        APPROVED = "approved", "Approved"
        SENT_BACK = "sent_back", "Sent back"

    request = models.ForeignKey(
        "requests_app.FoiRequest", on_delete=models.CASCADE, related_name="figure_review_events"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    comment = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.request})"


class ImportState(models.TextChoices):
    STAGED = "staged", "Waiting to be checked"
    CHECKING = "checking", "Checking"
    CHECKED = "checked", "Checked, waiting for confirm"
    FAILED = "failed", "Not imported"
    APPLYING = "applying", "Importing"
    APPLIED = "applied", "Imported"


# The one table of moves a web upload makes (services/imports.py holds every move). A check or
# apply that stalls (its worker died) is re-queued from the same state, so no row for that.
IMPORT_TRANSITIONS = {
    ImportState.STAGED: {ImportState.CHECKING},
    ImportState.CHECKING: {ImportState.CHECKED, ImportState.FAILED, ImportState.STAGED},
    ImportState.CHECKED: {ImportState.APPLYING},
    ImportState.APPLYING: {ImportState.APPLIED, ImportState.FAILED},
}
IMPORT_WORKING = (ImportState.STAGED, ImportState.CHECKING, ImportState.APPLYING)


class FigureImport(models.Model):
    """A web upload: staged, checked once by a worker (the preview shows the stored result),
    applied by a worker on confirm, kept as a record afterwards."""

    campaign = models.ForeignKey(
        "requests_app.Campaign", on_delete=models.CASCADE, related_name="figure_imports"
    )
    filename = models.CharField(max_length=255)
    data = models.BinaryField(help_text="The file as uploaded: read by the check and the apply.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=ImportState.choices, default=ImportState.STAGED)
    rows_checked = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(
        null=True, blank=True, help_text="Rows in the file, once it has been read."
    )
    result = models.JSONField(
        default=dict,
        blank=True,
        help_text="The check's plan: rows, created, changed, unchanged, deleted, warnings and "
        "the changed lines the preview lists; after the apply also what was written.",
    )
    errors = models.JSONField(
        default=list, blank=True, help_text="Why the check or the apply failed, by line."
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Check claims (the claim token), then apply re-queues."
    )
    progress_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Last sign of life (queued, claimed, rows checked): a working batch silent for "
        "FIGURE_IMPORT_STALE_MINUTES is re-queued.",
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    approve = models.BooleanField(default=False, help_text="Approve the figures as they import.")
    applied_at = models.DateTimeField(null=True, blank=True)
    summary = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ImportState.values), name="figure_import_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def working(self) -> bool:
        return self.state in IMPORT_WORKING


from figures_app.models_cells import CellTemplate  # noqa: E402,F401  (registered with the app)

# Releases live in their own module (imported here so that Django finds the models).
from figures_app.models_releases import ForceGroup, Release, ReleaseVersion  # noqa: E402, F401
