"""Screening flags beside attachment links (request page, timeline), one query per page."""

from django import template

from requests_app.models import AttachmentScreening

register = template.Library()


@register.simple_tag
def screenings_for_request(foi) -> dict:
    """attachment id -> its screening, for every attachment of the request."""
    return {
        s.attachment_id: s
        for s in AttachmentScreening.objects.filter(attachment__request_id=foi.pk)
    }


@register.inclusion_tag("requests_app/_attachment_flags.html")
def attachment_flags(attachment, screenings: dict) -> dict:
    screening = screenings.get(attachment.pk)
    findings = len(screening.findings) if screening else 0
    return {
        "attachment": attachment,
        "deleted": not attachment.file,
        "quarantined": bool(screening and screening.quarantined),
        "findings": findings,
        "screened": screening is not None,
    }
