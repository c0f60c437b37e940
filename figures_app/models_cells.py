"""A force's layout, saved when figures are taken from its file, to read its next file."""

from django.conf import settings
from django.db import models


class CellTemplate(models.Model):
    """How one force lays out its answer to one metric's question: which sheet, what rows and
    columns hold, and the labels found there (figures_app.cell_mapping). Kept per campaign and
    force; a later campaign asking the same metric finds it by the force and the metric's slug."""

    # No index of its own: cell_template_one_per_layout leads with it (tests/test_indexes.py).
    campaign = models.ForeignKey(
        "requests_app.Campaign",
        on_delete=models.CASCADE,
        related_name="cell_templates",
        db_index=False,
    )
    force = models.ForeignKey(
        "requests_app.Force", on_delete=models.CASCADE, related_name="cell_templates"
    )
    metric_slugs = models.CharField(
        max_length=300, help_text="The metrics the layout holds, slugs joined by ','."
    )
    layout = models.JSONField(help_text="figures_app.cell_mapping.template_from")
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-saved_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "force", "metric_slugs"], name="cell_template_one_per_layout"
            )
        ]

    def __str__(self) -> str:
        return f"{self.force} {self.metric_slugs}"
