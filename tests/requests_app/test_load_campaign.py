"""`manage.py load_campaign FILE.json` and `manage.py foi_deadline` (issue 2, section 5)."""

import json
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from requests_app.models import Campaign, FoiRequest, NonWorkingDay, Period, RequestEvent
from requests_app.services.lifecycle import request_mark_sent

# Line numbers matter: the error tests below name them.
BASE = """{
  "slug": "nspcc-online",
  "title": "Online child sex offences",
  "request_text": "Dear {force_name}, how many offences in {periods}?",
  "owner": "sam",
  "forces": "england-and-wales",
  "periods": [
    {"label": "2015/16", "start": "2015-04-01", "end": "2016-03-31"},
    {"label": "2016/17", "start": "2016-04-01", "end": "2017-03-31"}
  ]
}"""


def load(tmp_path, text, *args):
    path = tmp_path / "campaign.json"
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("load_campaign", str(path), *args, stdout=out)
    return out.getvalue()


def counts():
    return (
        Campaign.objects.count(),
        FoiRequest.objects.count(),
        Period.objects.count(),
        RequestEvent.objects.count(),
    )


def test_it_creates_a_campaign_from_json(db, staff, tmp_path):
    out = load(tmp_path, BASE)
    assert "Created campaign 'nspcc-online' with 43 requests" in out
    campaign = Campaign.objects.get(slug="nspcc-online")
    assert campaign.title == "Online child sex offences"
    assert campaign.owner == staff
    assert campaign.force_list.slug == "england-and-wales"
    assert campaign.requests.count() == 43
    assert set(campaign.requests.values_list("status", flat=True)) == {"draft"}
    assert [(p.label, p.start, p.end) for p in campaign.periods.all()] == [
        ("2015/16", date(2015, 4, 1), date(2016, 3, 31)),
        ("2016/17", date(2016, 4, 1), date(2017, 3, 31)),
    ]


def test_it_accepts_a_list_of_loose_force_names(db, staff, tmp_path):
    text = BASE.replace(
        '"england-and-wales"', '["Kent", "Devon & Cornwall", "Met", "E23000030", "Police Scotland"]'
    )
    load(tmp_path, text)
    names = set(FoiRequest.objects.values_list("force__name", flat=True))
    assert names == {
        "Kent Police", "Devon and Cornwall Police", "Metropolitan Police Service",
        "Hampshire and Isle of Wight Constabulary", "Police Scotland",
    }  # fmt: skip
    assert Campaign.objects.get().force_list is None


@pytest.mark.parametrize("list_slug, size", [("uk-territorial", 45), ("all", 48)])
def test_it_accepts_each_builtin_list(db, staff, tmp_path, list_slug, size):
    load(tmp_path, BASE.replace("england-and-wales", list_slug))
    assert FoiRequest.objects.count() == size


def test_it_records_every_request_sent_with_due_dates(db, staff, tmp_path):
    text = BASE.replace(
        '"forces": "england-and-wales",', '"forces": "uk-territorial",\n  "sent_on": "2024-07-26",'
    )
    load(tmp_path, text)
    requests = FoiRequest.objects.all()
    assert requests.count() == 45
    assert set(requests.values_list("status", "sent_on", "received_on")) == {
        ("sent", date(2024, 7, 26), date(2024, 7, 26))
    }
    # FOIA skips Scotland's 5 Aug and England's 26 Aug; FOISA only the first.
    assert set(
        requests.exclude(force__name="Police Scotland").values_list("due_on", flat=True)
    ) == {date(2024, 8, 27)}
    assert requests.get(force__name="Police Scotland").due_on == date(2024, 8, 26)
    assert requests.get(force__name="Police Scotland").next_due_on == date(2024, 8, 26)
    assert RequestEvent.objects.filter(kind="mark_sent").count() == 45


def test_it_updates_a_campaign_with_update(db, staff, tmp_path):
    load(tmp_path, BASE)
    kent = FoiRequest.objects.get(force__name="Kent Police")
    request_mark_sent(request_id=kent.pk, actor=staff, sent_on=date(2024, 6, 3))
    text = (
        BASE.replace("Online child sex offences", "Online offences, restated")
        .replace('"england-and-wales"', '["Kent", "Met", "Police Scotland"]')
        .replace('"2015/16", "start": "2015-04-01", "end": "2016-03-31"',
                 '"2017/18", "start": "2017-04-01", "end": "2018-03-31"')
    )  # fmt: skip
    out = load(tmp_path, text, "--update")
    assert "Updated campaign 'nspcc-online' with 3 requests" in out
    campaign = Campaign.objects.get()
    assert campaign.title == "Online offences, restated"
    assert set(campaign.requests.values_list("force__name", "status")) == {
        ("Kent Police", "sent"), ("Metropolitan Police Service", "draft"),
        ("Police Scotland", "draft"),
    }  # fmt: skip
    assert [p.label for p in campaign.periods.all()] == ["2017/18", "2016/17"]
    kent.refresh_from_db()
    assert kent.due_on == date(2024, 7, 1)


def test_it_updates_only_the_keys_given(db, staff, tmp_path):
    load(tmp_path, BASE)
    out = load(tmp_path, '{"slug": "nspcc-online", "sent_on": "2024-12-20"}', "--update")
    assert "Updated" in out
    assert set(FoiRequest.objects.values_list("status", "due_on")) == {("sent", date(2025, 1, 23))}
    assert Campaign.objects.get().title == "Online child sex offences"


def future():
    return (timezone.localdate() + timedelta(days=3)).isoformat()


# (how to break BASE, words the message must contain)
ERRORS = [
    ("bad-json", lambda t: t.replace('offences",\n', 'offences",,\n', 1), ["JSON", "line 3"]),
    ("not-an-object", lambda t: "[1, 2]", ["object"]),
    ("unknown-key", lambda t: t.replace('"owner"', '"colour": "red",\n  "owner"'),
     ["'colour'", "line 5"]),
    ("unknown-key-later", lambda t: t.replace('  ]\n}', '  ],\n  "metricz": []\n}'),
     ["'metricz'", "line 11"]),
    ("unknown-force", lambda t: t.replace('"england-and-wales"', '["Kent", "Devon and Cornwal"]'),
     ["'forces'", "line 6", "item 2", "Devon and Cornwal", "Devon and Cornwall Police"]),
    ("unknown-list", lambda t: t.replace("england-and-wales", "scotland-only"),
     ["'forces'", "line 6", "scotland-only"]),
    ("same-force-twice", lambda t: t.replace('"england-and-wales"', '["Kent", "Kent Police"]'),
     ["'forces'", "item 2", "Kent Police"]),
    ("bad-period-date", lambda t: t.replace('"start": "2016-04-01"', '"start": "2016-04-31"'),
     ["'periods'", "line 7", "item 2", "start", "2016-04-31"]),
    ("period-date-not-text", lambda t: t.replace('"end": "2017-03-31"', '"end": 20170331'),
     ["'periods'", "item 2", "end"]),
    ("end-before-start", lambda t: t.replace('"end": "2016-03-31"', '"end": "2015-03-31"'),
     ["'periods'", "line 7", "item 1", "before"]),
    ("duplicate-period", lambda t: t.replace('"label": "2016/17"', '"label": "2015/16"'),
     ["'periods'", "line 7", "'2015/16'", "twice"]),
    ("period-unknown-key", lambda t: t.replace('"label": "2016/17"', '"label": "2016/17", "lbl": 1'),
     ["'periods'", "item 2", "'lbl'"]),
    ("bad-sent-on", lambda t: t.replace('"owner": "sam",', '"owner": "sam",\n  "sent_on": "2024-02-30",'),
     ["'sent_on'", "line 6", "2024-02-30"]),
    ("future-sent-on", lambda t: t.replace('"owner": "sam",', f'"owner": "sam",\n  "sent_on": "{future()}",'),
     ["sent_on", "future"]),
    ("unknown-owner", lambda t: t.replace('"owner": "sam"', '"owner": "nobody"'),
     ["'owner'", "line 5", "nobody"]),
    ("missing-title", lambda t: t.replace('  "title": "Online child sex offences",\n', ""),
     ["Missing key 'title'"]),
    ("missing-periods", lambda t: t.replace(',\n  "periods": [\n    {"label": "2015/16", "start": "2015-04-01", "end": "2016-03-31"},\n    {"label": "2016/17", "start": "2016-04-01", "end": "2017-03-31"}\n  ]', ""),
     ["Missing key 'periods'"]),
    ("bad-slug", lambda t: t.replace('"nspcc-online"', '"NSPCC Online!"'), ["'slug'", "line 2"]),
    ("empty-title", lambda t: t.replace('"Online child sex offences"', '"  "'), ["'title'", "line 3"]),
    ("unknown-placeholder", lambda t: t.replace("{force_name}", "{force}"),
     ["request_text", "{force}"]),
]  # fmt: skip


@pytest.mark.parametrize("breaker, words", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_it_writes_nothing_and_names_the_key_on_error(db, staff, tmp_path, breaker, words):
    before = counts()
    with pytest.raises(CommandError) as exc:
        load(tmp_path, breaker(BASE))
    message = str(exc.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert "campaign.json" in message
    assert counts() == before


def test_it_refuses_an_existing_slug_without_update(db, staff, tmp_path):
    load(tmp_path, BASE)
    before = counts()
    with pytest.raises(CommandError) as exc:
        load(tmp_path, BASE.replace("Online child sex offences", "Changed"))
    assert "nspcc-online" in str(exc.value) and "--update" in str(exc.value)
    assert counts() == before
    assert Campaign.objects.get().title == "Online child sex offences"


def test_it_writes_nothing_when_an_update_would_drop_a_sent_request(db, staff, tmp_path):
    load(tmp_path, BASE)
    kent = FoiRequest.objects.get(force__name="Kent Police")
    request_mark_sent(request_id=kent.pk, actor=staff, sent_on=date(2024, 6, 3))
    before = counts()
    text = BASE.replace('"england-and-wales"', '["Met"]').replace(
        "Online child sex offences", "Changed"
    )
    with pytest.raises(CommandError) as exc:
        load(tmp_path, text, "--update")
    assert "'forces'" in str(exc.value) and "Kent Police" in str(exc.value)
    assert counts() == before
    assert Campaign.objects.get().title == "Online child sex offences"


def test_it_reports_a_missing_file_and_an_unknown_user(db, staff, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("load_campaign", str(tmp_path / "nope.json"))
    with pytest.raises(CommandError, match="nobody"):
        load(tmp_path, BASE, "--user", "nobody")
    assert counts()[0] == 0


def test_it_reads_a_file_written_with_a_byte_order_mark(db, staff, tmp_path):
    path = tmp_path / "bom.json"
    path.write_text(BASE, encoding="utf-8-sig")
    call_command("load_campaign", str(path), stdout=StringIO())
    assert Campaign.objects.count() == 1


def test_it_accepts_json_as_another_program_writes_it(db, staff, tmp_path):
    data = json.loads(BASE)
    data["forces"] = ["W15000004", "Gwent", "north wales police", "South Wales"]
    load(tmp_path, json.dumps(data))
    assert FoiRequest.objects.count() == 4


# --- foi_deadline ----------------------------------------------------------------------------------


def deadline(*args):
    out = StringIO()
    call_command("foi_deadline", *args, stdout=out)
    return out.getvalue().splitlines()


def test_it_prints_the_due_date_last_and_the_skipped_days_before(db):
    lines = deadline("2024-12-20")
    assert lines[-1] == "2025-01-23"
    skipped = [line.split()[0] for line in lines[:-1]]
    assert skipped == [
        "2024-12-21", "2024-12-22", "2024-12-25", "2024-12-26", "2024-12-28", "2024-12-29",
        "2025-01-01", "2025-01-02", "2025-01-04", "2025-01-05", "2025-01-11", "2025-01-12",
        "2025-01-18", "2025-01-19",
    ]  # fmt: skip
    assert "Christmas" in lines[2] and "Boxing" in lines[3]


@pytest.mark.parametrize(
    "args, due",
    [
        (["2025-03-14"], "2025-04-14"),
        (["2025-03-14", "--law", "foia"], "2025-04-14"),
        (["2025-03-14", "--law", "foisa"], "2025-04-11"),
        (["2024-07-26", "--law", "foisa"], "2024-08-26"),
        (["2024-06-01"], "2024-06-28"),
        (["2022-09-16"], "2022-10-17"),
    ],
)
def test_it_prints_the_due_date_by_law(db, args, due):
    lines = deadline(*args)
    assert lines[-1] == due
    if "foisa" in args and args[0] == "2025-03-14":
        assert not any(line.startswith("2025-03-17") for line in lines)


def test_it_skips_a_day_added_by_hand(db):
    NonWorkingDay.objects.create(date=date(2024, 6, 10), applies_to="all", description="Proclaimed")
    lines = deadline("2024-06-03")
    assert lines[-1] == "2024-07-02"
    assert any(line.startswith("2024-06-10") and "Proclaimed" in line for line in lines)
    NonWorkingDay.objects.create(date=date(2024, 6, 11), applies_to="foisa", description="Scots")
    assert deadline("2024-06-03")[-1] == "2024-07-02"
    assert deadline("2024-06-03", "--law", "foisa")[-1] == "2024-07-03"


@pytest.mark.parametrize("bad", ["2024-13-01", "20/12/2024", "tomorrow", "2023-02-29"])
def test_it_refuses_a_bad_date_naming_the_argument(db, bad):
    with pytest.raises(CommandError) as exc:
        deadline(bad)
    assert "received_on" in str(exc.value) and bad in str(exc.value)


def test_it_says_there_is_nothing_to_update_for_an_unknown_slug(db, tmp_path):
    path = tmp_path / "update.json"
    path.write_text('{"slug": "no-such-campaign", "title": "New title"}')
    with pytest.raises(CommandError, match="No campaign with slug 'no-such-campaign' to update"):
        call_command("load_campaign", str(path), "--update")


def test_it_reserves_the_slug_new(db, tmp_path):
    path = tmp_path / "new.json"
    path.write_text(
        '{"slug": "new", "title": "T", "request_text": "Hi", "forces": ["Kent"],'
        ' "periods": [{"label": "2016/17", "start": "2016-04-01", "end": "2017-03-31"}]}'
    )
    with pytest.raises(CommandError, match="'new' is reserved"):
        call_command("load_campaign", str(path))
