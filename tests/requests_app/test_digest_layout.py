"""The morning digest (issue 10, section 5): grouped by campaign, headings that say what the
items are, counted nouns that agree ("1 item", "1 working day")."""

from __future__ import annotations

from datetime import date

import pytest

from requests_app.selectors.reminder_digests import digest_by_campaign
from requests_app.text import plural

pytestmark = pytest.mark.django_db


def test_plural_agrees_with_its_count():
    assert plural(1, "force") == "1 force"
    assert plural(0, "force") == "0 forces"
    assert plural(1234, "figure") == "1,234 figures"
    assert plural(2, "reply", "replies") == "2 replies"
    assert plural(1, "reply", "replies") == "1 reply"


def _item(campaign: str, force: str) -> dict:
    return {"label": force, "url": "", "detail": "", "campaign": campaign, "campaign_url": ""}


def test_the_digest_groups_each_campaigns_items_under_it_in_section_order():
    sections = [
        {"title": "New replies", "items": [_item("Zebra crossings", "Kent Police")]},
        {
            "title": "Overdue",
            "items": [
                _item("Arson", "Essex Police"),
                _item("Zebra crossings", "Surrey Police"),
                {"label": "Something else", "url": "", "detail": ""},
            ],
        },
    ]
    blocks = digest_by_campaign(sections)
    assert [(b["title"], b["count"]) for b in blocks] == [
        ("Arson", 1),
        ("Zebra crossings", 2),
        ("Other", 1),
    ]
    zebra = blocks[1]
    assert [(s["title"], [i["label"] for i in s["items"]]) for s in zebra["sections"]] == [
        ("New replies", ["Kent Police"]),
        ("Overdue", ["Surrey Police"]),
    ]


def test_a_digest_email_names_each_campaign_once(campaign, staff, time_machine, settings):
    from django.core import mail

    from requests_app.models import Campaign
    from requests_app.services.lifecycle import request_mark_sent
    from requests_app.services.reminders import reminders_send_daily

    settings.SITE_URL = "https://foi.example.org"
    campaign.owner = staff
    campaign.save(update_fields=["owner"])
    for foi in campaign.requests.filter(force__name__in=["Kent Police", "Essex Police"]):
        request_mark_sent(request_id=foi.pk, actor=staff, sent_on=date(2026, 3, 2))
    time_machine.move_to("2026-04-07 07:00:00+01:00")
    reminders_send_daily(today=date(2026, 4, 7))
    (digest,) = [m for m in mail.outbox if m.extra_headers.get("X-FOI-Tracker-Kind") == "digest"]
    title = Campaign.objects.get(pk=campaign.pk).title
    assert digest.body.count(title) == 1
    assert f"== {title} (2) ==" in digest.body
    assert "Overdue (2)\n- Essex Police\n" in digest.body
    assert "2 items." in digest.body
    assert (
        f'<a href="https://foi.example.org/campaigns/{campaign.slug}/">'
        in (digest.alternatives[0][0])
    )


def test_the_digest_footer_names_the_profile_setting_by_its_label(
    campaign, staff, time_machine, settings
):
    from django.core import mail

    from requests_app.forms import ProfileForm
    from requests_app.services.lifecycle import request_mark_sent
    from requests_app.services.reminders import reminders_send_daily

    campaign.owner = staff
    campaign.save(update_fields=["owner"])
    foi = campaign.requests.get(force__name="Kent Police")
    request_mark_sent(request_id=foi.pk, actor=staff, sent_on=date(2026, 3, 2))
    time_machine.move_to("2026-04-07 07:00:00+01:00")
    reminders_send_daily(today=date(2026, 4, 7))
    (digest,) = [m for m in mail.outbox if m.extra_headers.get("X-FOI-Tracker-Kind") == "digest"]
    label = ProfileForm.base_fields["receive_digest"].label
    assert f'untick\n"{label}" in your profile' in digest.body
    assert f'untick "{label}" in your' in digest.alternatives[0][0]
