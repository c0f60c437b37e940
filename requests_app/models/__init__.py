from requests_app.models.campaigns import (
    Campaign,
    CampaignDataVersion,
    CampaignDeadlineCounts,
    NeedsYouVersion,
    Period,
)
from requests_app.models.forces import (
    Force,
    ForceAddressChange,
    ForceAlias,
    ForceList,
    NonWorkingDay,
)
from requests_app.models.mail import InboundMessage, MailCheck
from requests_app.models.outbox import SentRequest
from requests_app.models.people import StaffProfile
from requests_app.models.reminders import SentReminder
from requests_app.models.requests import FoiRequest, RequestAttachment, RequestEvent
from requests_app.models.screening import (
    AttachmentDeletion,
    AttachmentScreening,
    QuarantineOpening,
)
from requests_app.models.series import Series

__all__ = [
    "AttachmentDeletion",
    "AttachmentScreening",
    "Campaign",
    "CampaignDataVersion",
    "CampaignDeadlineCounts",
    "FoiRequest",
    "InboundMessage",
    "MailCheck",
    "Force",
    "ForceAddressChange",
    "ForceAlias",
    "ForceList",
    "NeedsYouVersion",
    "NonWorkingDay",
    "Period",
    "QuarantineOpening",
    "RequestAttachment",
    "RequestEvent",
    "SentReminder",
    "SentRequest",
    "Series",
    "StaffProfile",
]
