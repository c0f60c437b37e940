"""A campaign: one question asked of a set of forces about a set of periods."""

import re

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from requests_app.deadlines import FOIA, FOISA

# Placeholders a request text may use, filled per force.
PLACEHOLDERS = {
    "force_name": "the force's official name",
    "force_short_name": "the force's short name",
    "periods": "the periods asked about, e.g. '2015/16 and 2016/17'",
    "campaign_title": "the campaign title",
    "act": "the law the force answers under, e.g. 'the Freedom of Information Act 2000'",
}
# {act}: Police Scotland answers under FOISA 2002, every other force under FOIA 2000.
ACT_NAMES = {
    FOIA: "the Freedom of Information Act 2000",
    FOISA: "the Freedom of Information (Scotland) Act 2002",
}
# The letter a new campaign starts from.
DEFAULT_REQUEST_TEXT = """Dear {force_name},

Under {act}, please tell me, for each of {periods}:

1. ...

If some figures are withheld because they are small, please say "fewer than 5" rather than \
leaving the cell blank.

Thank you."""
PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")


class RoundingRule(models.TextChoices):
    HALF_UP = "half_up", "Round half up (44.5% -> 45%)"
    DOWN = "down", "Round down (44.8% -> 44%)"


class Campaign(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaigns",
    )
    request_text = models.TextField(
        help_text="The request as sent. Placeholders: "
        + ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    )
    notes = models.TextField(blank=True)
    force_list = models.ForeignKey(
        "requests_app.ForceList",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text="The list the forces were chosen from, if any.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    series = models.ForeignKey(
        "requests_app.Series",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaigns",
        help_text="The same question asked year after year (issue 14).",
    )
    # Chasers (reminders issue).
    chase_forces = models.BooleanField(
        default=False, help_text="Email forces politely when their answer is late."
    )
    chase_again_after = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1)],
        help_text="Working days after the first chaser before the second (and last).",
    )
    # Presentation of figures (figures issue).
    rounding_rule = models.CharField(
        max_length=10, choices=RoundingRule.choices, default=RoundingRule.HALF_UP
    )
    suppressed_lower = models.PositiveIntegerField(
        default=1, help_text="Lower bound for a cell a force suppressed with '*'."
    )
    suppressed_upper = models.PositiveIntegerField(
        default=4, help_text="Upper bound for a cell a force suppressed with '*'."
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rounding_rule__in=RoundingRule.values), name="campaign_rounding_valid"
            ),
            models.CheckConstraint(
                condition=Q(suppressed_upper__gte=F("suppressed_lower")),
                name="campaign_suppressed_bounds_ordered",
            ),
            models.CheckConstraint(
                condition=Q(chase_again_after__gte=1), name="campaign_chase_again_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("campaign_detail", args=[self.slug])

    def render_request_text(self, force, periods=None) -> str:
        """The request text as this force receives it; unknown placeholders are left as typed."""
        if periods is None:
            periods = list(self.periods.all())
        labels = [p.label for p in periods]
        period_text = (
            " and ".join([", ".join(labels[:-1]), labels[-1]])
            if len(labels) > 1
            else "".join(labels)
        )
        values = {
            "force_name": force.name,
            "force_short_name": force.short_name,
            "periods": period_text,
            "campaign_title": self.title,
            "act": ACT_NAMES.get(force.law, ACT_NAMES[FOIA]),
        }
        return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), self.request_text)


class Period(models.Model):
    """A period asked about, e.g. 2016/17 = 2016-04-01..2017-03-31 (both ends inclusive)."""

    # No index of its own: period_label_unique leads with it (tests/test_indexes.py).
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="periods", db_index=False
    )
    label = models.CharField(max_length=40)
    start = models.DateField()
    end = models.DateField(help_text="Last day of the period, inclusive.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["campaign", "position", "start"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "label"], name="period_label_unique"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="period_end_after_start"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def days(self) -> int:
        """Real number of days, both ends included (2015/16 has 366)."""
        return (self.end - self.start).days + 1


class CampaignDataVersion(models.Model):
    """A number the services raise, in the same transaction, whenever they write anything a
    campaign's totals are worked out from (its figures, reviews, requests, periods, metrics or
    settings; issue 28). Cached totals are keyed on it, so a reader that sees the new number
    also sees the new data, and a stale answer is never served under it.

    Its own table, not a column of Campaign: a campaign saved from a form writes every column
    it holds, and would put back an older number that a figure write had raised meanwhile."""

    campaign = models.OneToOneField(
        Campaign, primary_key=True, on_delete=models.CASCADE, related_name="data_version"
    )
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.version}"


class CampaignDeadlineCounts(models.Model):
    """A campaign's requests overdue (of which long overdue) and due soon, as counted on
    `counted_on` (issue 28): the dashboard reads these rows instead of counting every open
    request of every campaign on each load. Counted again in the transaction of every write to
    the campaign's requests (services/data_versions.py, with its data version), and for every
    campaign when the date moves (services/deadline_counts.py: the first dashboard of the day,
    or the beat job just after midnight)."""

    campaign = models.OneToOneField(
        Campaign, primary_key=True, on_delete=models.CASCADE, related_name="deadline_counts"
    )
    counted_on = models.DateField()
    overdue = models.PositiveIntegerField(default=0)
    long_overdue = models.PositiveIntegerField(default=0)
    due_soon = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            # The dashboard's cards: campaigns with something owed, the most overdue first.
            models.Index(
                F("overdue").desc(),
                F("due_soon").desc(),
                name="deadline_counts_shown_idx",
                condition=Q(overdue__gt=0) | Q(due_soon__gt=0),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(long_overdue__lte=F("overdue")),
                name="deadline_counts_long_within_overdue",
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} on {self.counted_on}: {self.overdue} overdue"


class NeedsYouVersion(models.Model):
    """One row: a number raised after every commit that can change what the dashboard's "Needs
    you" lists hold for anyone (a campaign's data, a new reply, a bounce, a quarantined file;
    services/needs_you_version.py). Each person's lists are cached under it
    (needs_you_cache.py). Raised after the commit, not in it, so that writers never queue on
    this one row for the length of their transactions; a reader that saw the old number with
    the new data stores an entry no one reads again."""

    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.version)
