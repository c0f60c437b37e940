"""A force's FOI address has no side doors (issue 24, section 4): the address page, the admin
(its form and the list's inline edit) and update_forces all change it through one service that
writes who, when, from and to; a bounce and its correction are on the same trail."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from requests_app.models import Force, ForceAddressChange
from requests_app.services.forces import (
    force_clear_address_failing,
    force_mark_address_failing,
    force_set_foi_email,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def kent(db) -> Force:
    force = Force.objects.get(name="Kent Police")
    Force.objects.filter(pk=force.pk).update(foi_email="foi@kent.police.uk")
    force.refresh_from_db()
    return force


def _trail(force: Force) -> list[tuple]:
    return list(
        ForceAddressChange.objects.filter(force=force)
        .order_by("changed_at", "pk")
        .values_list("kind", "via", "changed_by__username", "from_email", "to_email")
    )


def test_the_address_page_writes_the_trail(kent, staff_client):
    response = staff_client.post(
        reverse("force_address", args=[kent.pk]), {"foi_email": "freedom@kent.police.uk"}
    )
    assert response.status_code == 302
    assert _trail(kent) == [("set", "page", "sam", "foi@kent.police.uk", "freedom@kent.police.uk")]
    page = staff_client.get(reverse("force_detail", args=[kent.pk])).content.decode()
    assert 'id="address-history"' in page and "freedom@kent.police.uk" in page


def test_the_admin_form_and_the_lists_inline_edit_write_the_trail(kent, admin_user, client):
    client.force_login(admin_user)
    change_url = reverse("admin:requests_app_force_change", args=[kent.pk])
    form = client.get(change_url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        {
            "foi_email": "admin-set@kent.police.uk",
            "aliases-TOTAL_FORMS": "0",
            "aliases-INITIAL_FORMS": "0",
            "aliases-MIN_NUM_FORMS": "0",
            "aliases-MAX_NUM_FORMS": "1000",
        }
    )
    data["active"] = "on"
    response = client.post(change_url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    kent.refresh_from_db()
    assert kent.foi_email == "admin-set@kent.police.uk"

    changelist = reverse("admin:requests_app_force_changelist")
    forces = list(Force.objects.order_by("name"))
    rows = {
        "form-TOTAL_FORMS": str(len(forces)),
        "form-INITIAL_FORMS": str(len(forces)),
        "_save": "Save",
    }
    for i, force in enumerate(forces):
        rows[f"form-{i}-id"] = str(force.pk)
        rows[f"form-{i}-foi_email"] = (
            "inline@kent.police.uk" if force.pk == kent.pk else force.foi_email
        )
        if force.active:
            rows[f"form-{i}-active"] = "on"
    response = client.post(changelist, rows)
    assert response.status_code == 302
    assert _trail(kent) == [
        ("set", "admin", "ada", "foi@kent.police.uk", "admin-set@kent.police.uk"),
        ("set", "admin", "ada", "admin-set@kent.police.uk", "inline@kent.police.uk"),
    ]


def test_update_forces_writes_the_trail_with_who_ran_it(kent, staff, tmp_path):
    csv = tmp_path / "addresses.csv"
    csv.write_text("force,foi_email\nKent,file@kent.police.uk\n")
    call_command("update_forces", str(csv), "--user", "sam", stdout=io.StringIO())
    (row,) = ForceAddressChange.objects.filter(force=kent)
    assert (row.kind, row.via, row.changed_by, row.from_email, row.to_email) == (
        "set",
        "command",
        staff,
        "foi@kent.police.uk",
        "file@kent.police.uk",
    )
    assert "addresses.csv, line 2" in row.note
    with pytest.raises(CommandError, match="--user: there is no user 'nobody'"):
        call_command("update_forces", str(csv), "--user", "nobody", stdout=io.StringIO())


def test_setting_the_same_address_writes_nothing(kent, staff):
    force_set_foi_email(force_id=kent.pk, actor=staff, foi_email="foi@kent.police.uk", via="page")
    assert _trail(kent) == []


def test_a_new_address_clears_the_bounce_and_says_so(kent, staff):
    force_mark_address_failing(force_id=kent.pk, reason="550 User unknown", actor=None, via="mail")
    force_set_foi_email(force_id=kent.pk, actor=staff, foi_email="new@kent.police.uk", via="page")
    kent.refresh_from_db()
    assert kent.email_failing_since is None and kent.email_failure == ""
    assert [row[0] for row in _trail(kent)] == ["failing", "set"]


def test_clearing_a_failing_address_is_on_the_trail(kent, staff):
    assert not force_clear_address_failing(force_id=kent.pk, actor=staff, via="message")
    force_mark_address_failing(force_id=kent.pk, reason="550", actor=None, via="mail")
    assert force_clear_address_failing(force_id=kent.pk, actor=staff, via="message", note="x")
    assert [(row[0], row[2]) for row in _trail(kent)] == [("failing", None), ("cleared", "sam")]


def test_only_the_service_writes_the_trail_the_admin_reads_it(admin_user, client, kent):
    client.force_login(admin_user)
    assert client.get(reverse("admin:requests_app_forceaddresschange_add")).status_code == 403


# Mail in changes a request or a force only through the services, each change on a trail -----


def test_mail_in_changes_requests_and_forces_through_the_services_with_events(sent_kent):
    from requests_app.models import RequestEvent
    from requests_app.services.mail_in import message_receive
    from tests.requests_app import mail_corpus as corpus
    from tests.requests_app import real_mail

    message_receive(
        raw=corpus.token_reply(sent_kent, subject="RE: answer - our ref 004567/26"),
        source="stdin",
    )
    kinds = list(
        RequestEvent.objects.filter(request=sent_kent)
        .order_by("created_at", "pk")
        .values_list("kind", flat=True)
    )
    assert kinds[-3:] == ["email_received", "new_reply", "force_reference"]
    (bounce,) = [f for f in real_mail.forms() if f.name == "bounce_postfix_dsn"]
    message_receive(raw=real_mail.fill(bounce, sent_kent), source="stdin")
    (row,) = ForceAddressChange.objects.filter(force=sent_kent.force)
    assert (row.kind, row.via, row.changed_by) == ("failing", "mail", None)
    assert "User unknown" in row.note


def test_mail_in_has_no_bare_update_of_a_request_or_a_force():
    """The rule, read off the module: changes go through services/lifecycle.py and forces.py."""
    import re
    from pathlib import Path

    source = (Path(__file__).parents[2] / "requests_app/services/mail_in.py").read_text()
    bare = re.findall(r"(?:FoiRequest|Force)\.objects\.filter\([^)]*\)\s*\.update\(", source)
    assert bare == []
