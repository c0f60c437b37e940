from django.contrib import admin, messages
from django.db import transaction

from requests_app.models import (
    Campaign,
    FoiRequest,
    Force,
    ForceAddressChange,
    ForceAlias,
    ForceList,
    InboundMessage,
    NonWorkingDay,
    Period,
    RequestAttachment,
    RequestEvent,
    Series,
    StaffProfile,
)
from requests_app.services.data_versions import (
    campaigns_data_changed,
    forces_data_changed,
    requests_data_changed,
)
from requests_app.services.deadlines import deadlines_refresh_all
from requests_app.services.forces import force_set_foi_email
from requests_app.text import plural


class DataVersionAdmin(admin.ModelAdmin):
    """An edit here skips the services, so it raises the data version of the campaigns it
    touches itself (issue 28: their cached totals are read afresh). save_related runs after
    the object and its inlines are saved, in the admin's transaction, for the change form and
    the list's inline edits alike."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self.data_changed(form.instance)

    def delete_model(self, request, obj):
        with transaction.atomic():
            campaign_ids = self.campaigns_of([obj.pk])
            super().delete_model(request, obj)
            campaigns_data_changed(campaign_ids=campaign_ids)

    def delete_queryset(self, request, queryset):
        # The campaigns are noted first and raised after the delete, in one transaction: the
        # deadline counts are taken without the deleted rows, and no reader sees the new
        # version with the old rows.
        with transaction.atomic():
            campaign_ids = self.campaigns_of(list(queryset.values_list("pk", flat=True)))
            super().delete_queryset(request, queryset)
            campaigns_data_changed(campaign_ids=campaign_ids)

    def data_changed(self, obj) -> None:
        raise NotImplementedError

    def campaigns_of(self, pks: list) -> set[int]:
        raise NotImplementedError


class ForceAliasInline(admin.TabularInline):
    model = ForceAlias
    extra = 1


@admin.register(Force)
class ForceAdmin(DataVersionAdmin):
    list_display = [
        "name",
        "short_name",
        "kind",
        "ons_code",
        "region",
        "country",
        "law",
        "foi_email",
        "active",
    ]
    list_filter = ["kind", "law", "country", "region", "active"]
    search_fields = ["name", "short_name", "ons_code", "aliases__name", "foi_email"]
    list_editable = ["foi_email", "active"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ForceAliasInline]

    def data_changed(self, obj) -> None:
        # A law changed puts the body's requests on the other calendar.
        deadlines_refresh_all(force_ids=[obj.pk])
        forces_data_changed(force_ids=[obj.pk])

    def campaigns_of(self, pks: list) -> set[int]:
        return set(
            FoiRequest.objects.filter(force_id__in=pks).values_list("campaign_id", flat=True)
        )

    def save_model(self, request, obj, form, change):
        """The FOI address changes through its service (its audit row), here as everywhere;
        the list's inline edit comes through here too."""
        new_email = obj.foi_email
        if "foi_email" in form.changed_data:
            obj.foi_email = Force.objects.get(pk=obj.pk).foi_email if change else ""
        super().save_model(request, obj, form, change)
        if obj.foi_email != new_email:
            force_set_foi_email(
                force_id=obj.pk,
                actor=request.user,
                foi_email=new_email,
                via=ForceAddressChange.Via.ADMIN,
            )
            obj.refresh_from_db()


@admin.register(ForceAddressChange)
class ForceAddressChangeAdmin(admin.ModelAdmin):
    """Read only: the trail is written by services/forces.py alone."""

    list_display = ["changed_at", "force", "kind", "from_email", "to_email", "changed_by", "via"]
    list_filter = ["kind", "via"]
    search_fields = ["force__name", "from_email", "to_email"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ForceAlias)
class ForceAliasAdmin(admin.ModelAdmin):
    list_display = ["name", "force", "is_former_name"]
    list_filter = ["is_former_name"]
    search_fields = ["name", "force__name"]


@admin.register(ForceList)
class ForceListAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "nation", "builtin", "owner"]
    list_filter = ["builtin"]
    search_fields = ["name"]
    filter_horizontal = ["forces"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(NonWorkingDay)
class NonWorkingDayAdmin(admin.ModelAdmin):
    """Adding or removing a day here moves every affected deadline at once."""

    list_display = ["date", "description", "applies_to"]
    list_filter = ["applies_to"]
    search_fields = ["description"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._refresh(request)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._refresh(request)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self._refresh(request)

    def _refresh(self, request):
        moved = deadlines_refresh_all()
        messages.info(request, f"Deadlines recalculated: {plural(moved, 'request')} moved.")


class PeriodInline(admin.TabularInline):
    model = Period
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(DataVersionAdmin):
    list_display = ["title", "slug", "owner", "created_at", "chase_forces"]
    list_filter = ["chase_forces", "rounding_rule", "owner"]
    search_fields = ["title", "slug", "request_text"]
    inlines = [PeriodInline]
    readonly_fields = ["created_at", "updated_at"]

    def data_changed(self, obj) -> None:
        campaigns_data_changed(campaign_ids=[obj.pk])

    def campaigns_of(self, pks: list) -> set[int]:
        return set(pks)


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "created_at"]
    search_fields = ["title", "slug"]
    readonly_fields = ["created_at"]


class RequestEventInline(admin.TabularInline):
    model = RequestEvent
    extra = 0
    can_delete = False
    readonly_fields = [
        "kind",
        "actor",
        "created_at",
        "happened_on",
        "from_status",
        "to_status",
        "note",
        "data",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(FoiRequest)
class FoiRequestAdmin(DataVersionAdmin):
    """Read-mostly: lifecycle changes go through the request page so the audit trail is kept."""

    list_display = [
        "campaign",
        "force",
        "status",
        "outcome",
        "sent_on",
        "due_on",
        "next_due_on",
        "force_reference",
    ]
    list_filter = ["status", "outcome", "force__law", "campaign"]
    search_fields = ["force__name", "campaign__title", "force_reference"]
    list_select_related = ["campaign", "force"]
    date_hierarchy = "sent_on"
    readonly_fields = [
        "status",
        "due_on",
        "next_due_on",
        "next_long_overdue_on",
        "reply_token",
        "sent_message_id",
        "created_at",
        "updated_at",
    ]
    inlines = [RequestEventInline]

    def get_readonly_fields(self, request, obj=None):
        # Moving a request to another campaign or body would leave the first one's cached
        # totals and counts behind; a request is made by its campaign and stays there.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "campaign", "force"] if obj is not None else fields

    def data_changed(self, obj) -> None:
        requests_data_changed(request_ids=[obj.pk])

    def campaigns_of(self, pks: list) -> set[int]:
        return set(FoiRequest.objects.filter(pk__in=pks).values_list("campaign_id", flat=True))


@admin.register(RequestEvent)
class RequestEventAdmin(admin.ModelAdmin):
    list_display = [
        "request",
        "kind",
        "from_status",
        "to_status",
        "actor",
        "happened_on",
        "created_at",
    ]
    list_filter = ["kind", "to_status"]
    search_fields = ["request__force__name", "request__campaign__title", "note"]
    list_select_related = ["request__force", "request__campaign", "actor"]


@admin.register(RequestAttachment)
class RequestAttachmentAdmin(admin.ModelAdmin):
    list_display = [
        "original_name",
        "request",
        "content_type",
        "size_bytes",
        "sha256",
        "uploaded_at",
    ]
    list_filter = ["content_type"]
    search_fields = ["original_name", "sha256", "request__force__name"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "receive_digest"]
    list_filter = ["receive_digest"]
    search_fields = ["user__username", "user__email"]


# Reminders (issue 4): the sent-log of digests and chasers. Read-only: rows are written by the
# daily job; the "failed" filter lists what the next run will retry.
from requests_app.models import SentReminder  # noqa: E402


@admin.register(SentReminder)
class SentReminderAdmin(admin.ModelAdmin):
    list_display = [
        "kind",
        "status",
        "to_email",
        "about_date",
        "run_on",
        "attempts",
        "sent_at",
        "request",
        "recipient",
    ]
    list_filter = ["status", "kind", "run_on"]
    search_fields = [
        "to_email",
        "subject",
        "request__force__name",
        "recipient__username",
        "last_error",
    ]
    list_select_related = ["request__force", "request__campaign", "recipient"]
    date_hierarchy = "about_date"
    readonly_fields = [f.name for f in SentReminder._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


from requests_app.models import SentRequest  # noqa: E402


@admin.register(SentRequest)
class SentRequestAdmin(admin.ModelAdmin):
    """The requests' sent-log, read-only: a failed or stale row is sent again by the next send."""

    list_display = ["request", "status", "to_email", "claimed_at", "sent_at", "attempts"]
    list_filter = ["status"]
    search_fields = ["to_email", "message_id", "request__force__name", "last_error"]
    list_select_related = ["request__force", "request__campaign"]
    readonly_fields = [f.name for f in SentRequest._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    """Every message received, read-only: filed, waiting in the Inbox, not FOI, or refused (why)."""

    list_display = ["received_at", "from_email", "subject", "kind", "status", "request"]
    list_filter = ["status", "kind", "source"]
    search_fields = ["from_email", "subject", "message_id", "raw_sha256", "notes"]
    list_select_related = ["request__force", "request__campaign"]
    readonly_fields = [f.name for f in InboundMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
