"""Screening flags beside attachment links (request page, timeline), from the screenings the
page read with its files (selectors.with_files, screenings_of): no query of their own."""

from django import template

register = template.Library()


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
