from django.contrib import admin

from figures_app.models import (
    Category,
    Dimension,
    Figure,
    FigureChange,
    FigureImport,
    FigureReview,
    Metric,
    ReviewEvent,
)
from figures_app.models_releases import ForceGroup, Release, ReleaseVersion


class DimensionInline(admin.TabularInline):
    model = Dimension
    extra = 0


@admin.register(Metric)
class MetricAdmin(admin.ModelAdmin):
    list_display = ["label", "slug", "campaign", "unit"]
    list_filter = ["campaign"]
    inlines = [DimensionInline]


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0


@admin.register(Dimension)
class DimensionAdmin(admin.ModelAdmin):
    list_display = ["label", "slug", "metric", "inferred"]
    inlines = [CategoryInline]


@admin.register(Figure)
class FigureAdmin(admin.ModelAdmin):
    """Read-only: figures change through the entry grid or an import, so history is kept."""

    list_display = ["request", "metric", "period", "category_key", "kind", "value", "raw_text"]
    list_filter = ["kind", "metric__campaign"]
    list_select_related = ["request__force", "request__campaign", "metric", "period"]
    search_fields = ["request__force__name"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(FigureChange)
class FigureChangeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "cell", "action", "old_display", "new_display", "source"]
    list_select_related = ["actor"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(FigureReview)
class FigureReviewAdmin(admin.ModelAdmin):
    list_display = ["request", "state", "submitted_by", "reviewed_by", "reviewed_at"]
    list_filter = ["state"]
    list_select_related = ["request__force", "request__campaign", "submitted_by", "reviewed_by"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReviewEvent)
class ReviewEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "request", "action", "actor", "comment"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FigureImport)
class FigureImportAdmin(admin.ModelAdmin):
    list_display = ["filename", "campaign", "state", "uploaded_by", "uploaded_at", "applied_at"]
    list_filter = ["state"]
    exclude = ["data"]

    def get_queryset(self, request):
        # Up to 20 MB a row: never load the files to list or edit the batches.
        return super().get_queryset(request).defer("data")


class ReleaseVersionInline(admin.TabularInline):
    """A published version is frozen: shown, never edited here (a correction is a new version,
    published from the totals page or with publish_release, so the changelog says why)."""

    model = ReleaseVersion
    extra = 0
    fields = ["number", "published_at", "publish_at", "published_by", "note"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "campaign", "created_by", "created_at"]
    list_select_related = ["campaign", "created_by"]
    search_fields = ["slug", "title"]
    readonly_fields = ["campaign", "slug", "title", "created_by", "created_at"]
    inlines = [ReleaseVersionInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ForceGroup)
class ForceGroupAdmin(admin.ModelAdmin):
    list_display = ["campaign", "grouping", "area", "force"]
    list_filter = ["grouping"]
    list_select_related = ["campaign", "force"]
