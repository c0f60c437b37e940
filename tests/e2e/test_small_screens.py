"""Every page of the app, with the demo loaded, fits a 390 px phone: wide tables scroll inside
their card, never the page. At desktop width the same tables show whole, as before.

The pages come from the URLconf, so a page added later is checked the day it is added; a URL
whose parameters this test cannot fill fails here until SAMPLES learns how.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from foi_tracker.demo import demo_load_with_figures
from requests_app.demo import LIVE_SLUG, NSPCC_SLUG
from tests.e2e.conftest import log_in_on, page_in
from tests.test_permissions import named_urls

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 1000}

# Named URLs that are not pages a person reads: logging out, and files or JSON for programs.
# (POST-only actions answer a GET with 405 and are passed over by the walk itself.)
NOT_PAGES = {
    "logout",
    "healthz",  # JSON for load balancers (issue 29)
    "attachment_download",
    "campaign_requests_csv",
    "campaign_requests_xlsx",
    "campaign_answering_csv",
    "figures_totals_csv",
    "figures_export_csv",
    "figures_export_xlsx",
    "figures_import_status",
    "figures_import_template_csv",
    "figures_import_template_xlsx",
    "api_campaigns",
    "api_campaign_requests",
    "api_request_messages",
    "api_inbox",
    "figures_totals_api",
    "figures_series_csv",
    "figures_series_xlsx",
    "figures_series_json",
    "figures_series_api",
    "release_download",
    "release_chart",
    "release_api",
}

# Pages whose tables must still show whole (no inner scroll bar) on a desktop screen.
DESKTOP_PAGES = [
    "dashboard",
    "campaign_list",
    "campaign_detail",
    "campaign_answering",
    "figures_campaign_totals",
    "request_detail",
    "figures_request",
    "figures_review_queue",
    "force_list",
    "force_detail",
]


def page_names() -> list[tuple[str, dict]]:
    return [(n, c) for n, c in named_urls() if n not in NOT_PAGES]


@pytest.fixture
def demo():
    """The demo site, plus one web upload awaiting confirmation (the import preview page)."""
    from figures_app.models import Figure, FigureImport
    from requests_app.models import Campaign, ForceList

    users, _ = demo_load_with_figures(today=timezone.localdate())
    nspcc = Campaign.objects.get(slug=NSPCC_SLUG)
    figure = Figure.objects.filter(request__campaign=nspcc).select_related("request").first()
    foi = figure.request
    batch = FigureImport.objects.create(
        campaign=nspcc,
        filename="kent.csv",
        uploaded_by=users["sam"],
        data=b"force,period,metric,value\nKent,2016/17,online-child-sex-offences,361\n",
    )
    own_list = ForceList.objects.create(name="Mine", slug="mine", owner=users["sam"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    from requests_app.services.attachments import attachment_add
    from requests_app.services.mail_in import message_receive

    wide = ",".join(f"Column {n}" for n in range(30)) + "\n" + ",".join("1234" for _ in range(30))
    returned = attachment_add(
        request_id=foi.pk,
        actor=users["sam"],
        upload=SimpleUploadedFile("kent.csv", f"Age,2016/17\nUnder 10,12\n{wide}\n".encode()),
    )

    long_subject = "A very long subject line from a force " * 4
    message = message_receive(
        raw=(
            f"From: press@somewhere.example\r\nSubject: {long_subject}\r\n\r\n" + "word " * 400
        ).encode(),
        source="stdin",
    ).message
    live_request = Campaign.objects.get(slug=LIVE_SLUG).requests.order_by("pk").first()
    # A quarantined spreadsheet (hidden sheet of names): its page with the note to the force.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from requests_app.services.attachments import attachment_add
    from tests.requests_app.screening_corpus import psni_like_xlsx

    quarantined = attachment_add(
        request_id=foi.pk,
        actor=users["sam"],
        upload=SimpleUploadedFile(
            "a-very-long-file-name-from-the-force-reply.xlsx", psni_like_xlsx()
        ),
    )
    # Replies nobody has recorded: the campaign page's badges and count, the dashboard's card.
    flagged = nspcc.requests.order_by("force__name").values_list("pk", flat=True)[:2]
    nspcc.requests.filter(pk__in=list(flagged)).update(new_reply_at=timezone.now())
    # A series: the NSPCC campaign run again for the next period (issue 14).
    from foi_tracker.series import campaign_run_again_with_metrics

    series = campaign_run_again_with_metrics(campaign_id=nspcc.pk, actor=users["sam"]).series
    by_name = {"slug": NSPCC_SLUG, "action": "record_response", "uidb64": "MQ", "token": "x-y"}
    by_view = {
        "request_detail": {"pk": foi.pk},
        "request_note": {"pk": foi.pk},
        "request_reply_seen": {"pk": foi.pk},
        "message_detail": {"pk": message.pk},
        "message_place": {"pk": message.pk},
        "message_not_foi": {"pk": message.pk},
        "message_kind": {"pk": message.pk},
        "request_action": {"pk": live_request.pk},
        "request_send": {"pk": live_request.pk},
        "force_address": {"pk": foi.force_id},
        "force_detail": {"pk": foi.force_id},
        "force_list_edit": {"pk": own_list.pk},
        "figures_request": {"pk": foi.pk},
        "figures_request_save": {"pk": foi.pk},
        "figures_approve": {"pk": foi.pk},
        "figures_send_back": {"pk": foi.pk},
        "figures_resubmit": {"pk": foi.pk},
        "figures_figure_edit": {"pk": figure.pk},
        "figures_cells": {"pk": returned.pk},
        "figures_import_preview": {"slug": NSPCC_SLUG, "pk": batch.pk},
        "figures_import_confirm": {"slug": NSPCC_SLUG, "pk": batch.pk},
        "figures_series": {"slug": series.slug},
        "attachment_detail": {"pk": quarantined.pk},
        "attachment_open": {"pk": quarantined.pk},
        "attachment_delete": {"pk": quarantined.pk},
        "attachment_force_told": {"pk": quarantined.pk},
        "attachment_email_force": {"pk": quarantined.pk},
        "figures_figure_source": {
            "pk": Figure.objects.filter(attachment__isnull=False).values_list("pk", flat=True)[0]
        },
    }
    from figures_app.services.releases import ReleaseSpec, release_publish

    release = "nspcc-2017"
    release_publish(
        campaign=nspcc,
        actor=users["riley"],
        slug=release,
        spec=ReleaseSpec(
            title="Online child sex offences recorded by police, 2016/17",
            caveats={"E23000024": ["Norfolk could not flag online offences before 2016/17"]},
            include_answering=True,
            methodology="Every force in England and Wales was asked the same question.",
        ),
    )
    by_view.update(
        {
            "release_public": {"slug": release},
            "release_preview": {"slug": release},
            "release_version": {"slug": release, "number": 1},
            "release_force": {"slug": release, "code": "E23000032"},
            "release_version_force": {"slug": release, "number": 1, "code": "E23000032"},
        }
    )
    return {"by_name": by_name, "by_view": by_view}


def url_for(name: str, converters, samples) -> str:
    kwargs = {}
    for key in converters:
        value = samples["by_view"].get(name, {}).get(key, samples["by_name"].get(key))
        if value is None:
            pytest.fail(f"URL '{name}' takes '{key}': add a sample for it to this test.")
        kwargs[key] = value
    return reverse(name, kwargs=kwargs)


def overflow(page) -> int:
    """How far the page itself is wider than the window (0 when nothing sticks out)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def widest_offenders(page) -> list[str]:
    """What sticks out past the window's right edge, to say why a page fails."""
    return page.evaluate(
        """() => {
          const limit = document.documentElement.clientWidth;
          const out = [];
          for (const el of document.body.querySelectorAll('*')) {
            const box = el.getBoundingClientRect();
            if (box.right > limit + 1 && el.children.length === 0) {
              out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} right=${Math.round(box.right)}`);
            }
          }
          return out.slice(0, 5);
        }"""
    )


SCREENSHOTS = {"dashboard", "figures_campaign_totals", "campaign_detail", "force_detail"}


def visit_every_page(page, live_server, samples, shots: str) -> tuple[list[str], list[str]]:
    visited, too_wide = [], []
    for name, converters in page_names():
        url = url_for(name, converters, samples)
        probe = page.request.get(f"{live_server.url}{url}")  # with the page's cookies
        if probe.status == 405:
            continue  # a POST-only action, not a page
        assert probe.status in (200, 403), f"{url} gave {probe.status}"
        assert "text/html" in probe.headers.get("content-type", ""), url
        page.goto(f"{live_server.url}{url}")
        visited.append(name)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide.append(f"{name} {url}: {width}px; {widest_offenders(page)}")
        if name in SCREENSHOTS:
            page.screenshot(path=f"/tmp/screens-{shots}-{name}.png", full_page=True)
    return visited, too_wide


@pytest.fixture
def phone(browser):
    yield from page_in(browser, **PHONE)


@pytest.mark.parametrize(
    "username,password", [("sam", "sam-password"), ("riley", "riley-password")]
)
def test_it_fits_every_page_on_a_390px_phone(phone, live_server, demo, username, password):
    log_in_on(phone, live_server.url, username, password)
    visited, too_wide = visit_every_page(phone, live_server, demo, shots=f"390-{username}")
    # The walk reached the app's pages, not a login form or an error in their place.
    assert {
        "dashboard",
        "campaign_list",
        "campaign_new",
        "campaign_detail",
        "campaign_edit",
        "campaign_answering",
        "request_detail",
        "figures_campaign_totals",
        "figures_request",
        "figures_metrics",
        "figures_import_preview",
        "force_list",
        "profile",
    } <= set(visited)
    assert too_wide == [], "\n".join(too_wide)


def test_it_keeps_desktop_tables_whole(page, live_server, demo):
    log_in_on(page, live_server.url, "riley", "riley-password")
    converters = dict(page_names())
    for name in DESKTOP_PAGES:
        url = url_for(name, converters[name], demo)
        page.goto(f"{live_server.url}{url}")
        assert overflow(page) == 0, url
        # Each table scroller shows its table whole: no inner scroll bar at this width.
        clipped = page.evaluate(
            """() => [...document.querySelectorAll('.table-responsive')]
                 .filter(el => el.scrollWidth > el.clientWidth + 1)
                 .map(el => el.querySelector('table')?.id || el.className)"""
        )
        assert clipped == [], f"{url}: {clipped}"
        if name in SCREENSHOTS:
            page.screenshot(path=f"/tmp/screens-desktop-{name}.png", full_page=True)
