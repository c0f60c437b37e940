"""Releases: what a campaign published, frozen, version by version, and the custom groupings of
forces (the charity's own areas) a release can total by beside the ONS police regions.

A version's payload is the exact JSON the public page, its downloads and the API show: figures,
totals, headlines, breakdown, caveats, press lines and regions as they stood when it was
published. Nothing public is recomputed from live figures, so a later correction never moves a
published release; it becomes the next version, with a changelog line.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class Release(models.Model):
    campaign = models.ForeignKey(
        "requests_app.Campaign",
        # A published release is a public record: the campaign cannot be deleted under it.
        on_delete=models.PROTECT,
        related_name="releases",
    )
    slug = models.SlugField(
        max_length=80, unique=True, help_text="The public address: /releases/<slug>/."
    )
    title = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("release_public", args=[self.slug])


class ReleaseVersion(models.Model):
    """One publication of a release. Immutable once written (no service updates it)."""

    # No index of its own: release_version_public_idx leads with it (tests/test_indexes.py).
    release = models.ForeignKey(
        Release, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    number = models.PositiveIntegerField(help_text="1 for the first publication, then 2, 3...")
    payload = models.JSONField(
        help_text="The frozen release: everything the public page, downloads and API show."
    )
    metrics = models.JSONField(default=list, help_text="Slugs of the metrics it covers.")
    periods = models.JSONField(default=list, help_text="Labels of the periods it covers.")
    methodology = models.TextField(blank=True, help_text="Markdown; shown sanitised.")
    caveats = models.JSONField(
        default=dict,
        blank=True,
        help_text="Per force: {force code: [caveat, ...]}; shown with that force's figures.",
    )
    include_answering = models.BooleanField(
        default=False, help_text="Show how each force answered (working days, on time or late)."
    )
    regions_grouping = models.CharField(
        max_length=120,
        blank=True,
        help_text="A custom grouping of the campaign's to total by, beside the ONS regions.",
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Never shown publicly.",
    )
    published_at = models.DateTimeField(
        default=timezone.now, help_text="When it was frozen (staff only)."
    )
    publish_at = models.DateTimeField(
        help_text="When it becomes public: the embargo. Equal to published_at when published now."
    )
    changelog = models.JSONField(
        default=list, blank=True, help_text="Lines: what changed since the previous version."
    )
    note = models.TextField(blank=True, help_text="Why this version was published (the reason).")

    class Meta:
        ordering = ["release", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["release", "number"], name="release_version_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="release_version_positive"),
        ]
        indexes = [
            # The public page: the latest version of a release past its embargo.
            models.Index(fields=["release", "publish_at"], name="release_version_public_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.release} v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("release_version", args=[self.release.slug, self.number])


class ForceGroup(models.Model):
    """A force's area in a campaign's own grouping (e.g. the charity's regions). One area per
    force per grouping, enforced here rather than in a form."""

    # No index of its own: force_group_one_area leads with it (tests/test_indexes.py).
    campaign = models.ForeignKey(
        "requests_app.Campaign",
        on_delete=models.CASCADE,
        related_name="force_groups",
        db_index=False,
    )
    grouping = models.CharField(max_length=120, help_text="e.g. 'NSPCC areas'.")
    area = models.CharField(max_length=120, help_text="e.g. 'London and the South East'.")
    force = models.ForeignKey("requests_app.Force", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["campaign", "grouping", "area", "force__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "grouping", "force"], name="force_group_one_area"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grouping}: {self.area} ({self.force})"
