"""A series: the same campaign run year after year (issue 14). Campaigns naming the same series
form it; "Run again for the next period" adds the next one."""

from django.db import models


class Series(models.Model):
    slug = models.SlugField(
        max_length=80, unique=True, help_text="Identifies the series in addresses and files."
    )
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "slug"]
        verbose_name_plural = "series"

    def __str__(self) -> str:
        return self.title
