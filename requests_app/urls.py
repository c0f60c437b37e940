from django.urls import path, register_converter

from requests_app.views import (
    answering,
    api,
    attachments,
    campaigns,
    forces,
    inbox,
    requests,
    search,
    sending,
    tools,
)
from requests_app.workflow import Action


class ActionConverter:
    """Only the lifecycle's own action names match; anything else is a 404."""

    regex = "|".join(sorted(Action.values, key=len, reverse=True))

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


register_converter(ActionConverter, "action")

urlpatterns = [
    path("campaigns/", campaigns.campaign_list, name="campaign_list"),
    path("campaigns/<slug:slug>/preview/", campaigns.campaign_preview, name="campaign_preview"),
    path(
        "campaigns/<slug:slug>/mark-sent/",
        campaigns.campaign_bulk_mark_sent,
        name="campaign_bulk_mark_sent",
    ),
    path("campaigns/<slug:slug>/send/", sending.campaign_send, name="campaign_send"),
    path(
        "campaigns/<slug:slug>/requests.csv",
        campaigns.campaign_requests_csv,
        name="campaign_requests_csv",
    ),
    path(
        "campaigns/<slug:slug>/requests.xlsx",
        campaigns.campaign_requests_xlsx,
        name="campaign_requests_xlsx",
    ),
    path(
        "campaigns/<slug:slug>/answering/",
        answering.campaign_answering_page,
        name="campaign_answering",
    ),
    path(
        "campaigns/<slug:slug>/answering.csv",
        answering.campaign_answering_csv,
        name="campaign_answering_csv",
    ),
    path("requests/<int:pk>/send/", sending.request_send_page, name="request_send"),
    path("requests/<int:pk>/reply-seen/", requests.request_reply_seen, name="request_reply_seen"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/check/", inbox.inbox_check, name="inbox_check"),
    path("inbox/<int:pk>/", inbox.message_detail, name="message_detail"),
    path("inbox/<int:pk>/place/", inbox.message_place, name="message_place"),
    path("inbox/<int:pk>/not-foi/", inbox.message_not_foi, name="message_not_foi"),
    path("inbox/<int:pk>/kind/", inbox.message_kind, name="message_kind"),
    path("attachments/<int:pk>/", attachments.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/details/", attachments.attachment_detail, name="attachment_detail"),
    path("attachments/<int:pk>/open/", attachments.attachment_open, name="attachment_open"),
    path("attachments/<int:pk>/delete/", attachments.attachment_delete, name="attachment_delete"),
    path(
        "attachments/<int:pk>/force-told/",
        attachments.attachment_force_told,
        name="attachment_force_told",
    ),
    path(
        "attachments/<int:pk>/email-force/",
        attachments.attachment_email_force,
        name="attachment_email_force",
    ),
    path("forces/", forces.force_list, name="force_list"),
    path("forces/<int:pk>/address/", sending.force_address, name="force_address"),
    path("forces/import/", forces.bodies_import_page, name="bodies_import"),
    path("forces/lists/new/", forces.force_list_new, name="force_list_new"),
    path("forces/lists/<int:pk>/edit/", forces.force_list_edit, name="force_list_edit"),
    path("search/", search.search, name="search"),
    path("deadline/", tools.deadline_calculator, name="deadline_calculator"),
    path("profile/", tools.profile, name="profile"),
    path("api/campaigns/", api.campaigns, name="api_campaigns"),
    path(
        "api/campaigns/<slug:slug>/requests/",
        api.campaign_requests_json,
        name="api_campaign_requests",
    ),
    path(
        "api/campaigns/<slug:slug>/requests/<str:force_code>/messages/",
        api.request_messages_json,
        name="api_request_messages",
    ),
    path("api/inbox/", api.inbox_json, name="api_inbox"),
]
