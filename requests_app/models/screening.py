"""What screening found in each stored attachment, who opened a quarantined one, and the audit
row left when a file's bytes are deleted (issue 13)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class AttachmentScreening(models.Model):
    """The findings of the one screening an attachment gets when it is stored."""

    attachment = models.OneToOneField(
        "requests_app.RequestAttachment", on_delete=models.CASCADE, related_name="screening"
    )
    screened_at = models.DateTimeField(auto_now_add=True)
    findings = models.JSONField(
        default=list,
        blank=True,
        help_text="One object per finding: kind, where, count, personal_data_risk "
        "(requests_app/screening/findings.py).",
    )
    quarantined = models.BooleanField(
        default=False,
        help_text="A finding can hold personal data: only a reviewer may open the file, after "
        "saying they understand, and it is kept out of every export.",
    )
    force_told_at = models.DateTimeField(
        null=True, blank=True, help_text="When someone recorded that the force was told."
    )
    force_told_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            # The digest and the dashboard list quarantined files still waiting for action.
            models.Index(
                fields=["screened_at"],
                condition=Q(quarantined=True),
                name="screening_quarantined_idx",
            )
        ]

    def __str__(self) -> str:
        return f"Screening of {self.attachment_id}"


class QuarantineOpening(models.Model):
    """A reviewer opened a quarantined file, having ticked that they understand why it is held."""

    attachment = models.ForeignKey(
        "requests_app.RequestAttachment", on_delete=models.CASCADE, related_name="openings"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.opened_by} opened {self.attachment_id}"


class AttachmentDeletion(models.Model):
    """The bytes of an attachment were deleted: who, when, why and what (by its SHA-256).

    The attachment row stays (with no file) so the timeline, and figures that cite the file,
    still say what arrived and what became of it."""

    attachment = models.OneToOneField(
        "requests_app.RequestAttachment", on_delete=models.CASCADE, related_name="deletion"
    )
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the deleted file.")
    size_bytes = models.PositiveBigIntegerField()
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="attachment_deletion_has_reason")
        ]

    def __str__(self) -> str:
        return f"{self.original_name} deleted"
