"""The reminders job as an independent checker drives it: load_campaign, update_forces,
send_reminders --date with the file email backend, and count the files that arrive."""

import json
from datetime import date, datetime
from email import message_from_bytes
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from requests_app.deadlines import WorkingCalendar
from requests_app.models import Force
from requests_app.selectors.reminder_chasers import chaser_dates

LONDON = ZoneInfo("Europe/London")
FORCES = ["Kent Police", "Essex Police", "Police Scotland"]


def write_csv(tmp_path, text: str):
    path = tmp_path / "forces.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def mail_files(folder):
    return sorted(folder.glob("*.log")) if folder.exists() else []


def messages(folder) -> list:
    """Every message in the mail folder (a file may hold several if one connection sent them)."""
    found = []
    for path in mail_files(folder):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                found.append(message_from_bytes(chunk))
    return found


def test_update_forces_sets_addresses_by_any_name(db, tmp_path, capsys):
    path = write_csv(
        tmp_path,
        "force,foi_email\nKent,foi@kent.example.org\nDevon & Cornwall,foi@dc.example.org\n"
        "E23000001,foi@met.example.org\n",
    )
    call_command("update_forces", path)
    assert "changed 3" in capsys.readouterr().out
    assert Force.objects.get(name="Kent Police").foi_email == "foi@kent.example.org"
    assert Force.objects.get(name="Devon and Cornwall Police").foi_email == "foi@dc.example.org"
    assert Force.objects.get(name="Metropolitan Police Service").foi_email == "foi@met.example.org"


def test_update_forces_reports_every_error_by_line_and_writes_nothing(db, tmp_path):
    path = write_csv(
        tmp_path,
        "force,foi_email\nKent,foi@kent.example.org\nKnet Polise,foi@x.example.org\n"
        "Essex,not-an-address\nKent Police,again@kent.example.org\n",
    )
    with pytest.raises(CommandError) as error:
        call_command("update_forces", path)
    message = str(error.value)
    assert "nothing written, 3 errors:" in message
    assert "line 3: Unknown force 'Knet Polise'. Closest: Kent Police" in message
    assert "line 4: 'not-an-address' is not an email address." in message
    assert "line 5: Kent Police is already on line 2." in message
    assert Force.objects.get(name="Kent Police").foi_email == ""


def test_update_forces_needs_both_columns(db, tmp_path):
    path = write_csv(tmp_path, "name,email\nKent,foi@kent.example.org\n")
    with pytest.raises(CommandError, match="line 1: missing column 'force', 'foi_email'"):
        call_command("update_forces", path)


@pytest.fixture
def loaded_campaign(db, staff, tmp_path, time_machine):
    """What a checker does: a campaign JSON with sent_on and chasers on, then FOI addresses."""
    time_machine.move_to(datetime(2026, 10, 1, 9, 0, tzinfo=LONDON), tick=False)
    definition = {
        "slug": "checker",
        "title": "Checker campaign",
        "request_text": "Dear {force_name}, how many offences in {periods}?",
        "owner": staff.username,
        "forces": FORCES,
        "periods": [{"label": "2024/25", "start": "2024-04-01", "end": "2025-03-31"}],
        "sent_on": "2026-10-01",
        "chase_forces": True,
        "chase_again_after": 10,
    }
    path = tmp_path / "campaign.json"
    path.write_text(json.dumps(definition))
    call_command("load_campaign", str(path))
    call_command(
        "update_forces",
        write_csv(
            tmp_path,
            "force,foi_email\n"
            + "".join(f"{name},foi@{i}.example.org\n" for i, name in enumerate(FORCES)),
        ),
    )


def test_the_file_backend_gets_one_file_per_email(
    loaded_campaign, settings, tmp_path, time_machine
):
    mail_dir = tmp_path / "mail"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(mail_dir)
    cal = WorkingCalendar("foia")
    due = cal.add_working_days(date(2026, 10, 1), 20)
    first, second = chaser_dates(due, 10, cal)
    assert (due, first, second) == (date(2026, 10, 29), date(2026, 10, 30), date(2026, 11, 13))

    def send(day: date) -> list:
        time_machine.move_to(datetime(day.year, day.month, day.day, 7, tzinfo=LONDON), tick=False)
        before = len(messages(mail_dir))
        call_command("send_reminders", "--date", day.isoformat())
        return messages(mail_dir)[before:]

    # Due soon: one digest to the owner, nothing to the forces.
    assert [m["X-FOI-Tracker-Kind"] for m in send(date(2026, 10, 27))] == ["digest"]
    # The day after the due date: a chaser to each force (Scotland's due date is the same here),
    # and the digest.
    arrived = send(first)
    assert sorted(m["To"] for m in arrived if m["X-FOI-Tracker-Kind"] == "chaser_1") == [
        "foi@0.example.org",
        "foi@1.example.org",
        "foi@2.example.org",
    ]
    assert len(arrived) == 4
    assert send(first) == []
    assert sorted(m["X-FOI-Tracker-Kind"] for m in send(second)) == ["chaser_2"] * 3 + ["digest"]
    # St Andrew's Day (Mon 30 Nov 2026) is not a working day under FOIA or FOISA.
    assert send(date(2026, 11, 30)) == []
    assert [m["X-FOI-Tracker-Kind"] for m in send(date(2026, 12, 1))] == ["digest"]
    # One file per email, as a checker counting files expects.
    assert len(mail_files(mail_dir)) == len(messages(mail_dir)) == 1 + 4 + 4 + 1


def test_a_dry_run_writes_no_files(loaded_campaign, settings, tmp_path, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    call_command("send_reminders", "--date", "2026-10-30", "--dry-run")
    assert "First chaser (answer): 3" in capsys.readouterr().out
    assert mail_files(tmp_path / "mail") == []
