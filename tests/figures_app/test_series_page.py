"""The series page, its files, the API and a force's series lines (issue 14, section 3)."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from requests_app.models import Force
from tests.factories import UserFactory
from tests.figures_app.series_samples import build_series, import_year

API = "/api/series/online-offences/totals/"


@pytest.fixture
def built(reviewer, tmp_path):
    return build_series(reviewer, tmp_path)


@pytest.fixture
def reader(client, reviewer):
    client.force_login(reviewer)
    return client


def test_the_api_gives_the_fields_the_issue_lists(built, reader):
    body = reader.get(API + "?metric=offences").json()
    assert body["series"] == "online-offences" and body["as"] == "latest"
    assert body["periods"] == [
        {
            "period": "2015/16",
            "total": 133,
            "total_lower": 134,
            "total_upper": 137,
            "forces_reporting": 4,
            "forces_asked": 4,
            "per_day": pytest.approx(133 / 366),
            "no_rate": "",
        },
        {
            "period": "2016/17",
            "total": 460,
            "total_lower": 460,
            "total_upper": 460,
            "forces_reporting": 4,
            "forces_asked": 4,
            "per_day": pytest.approx(460 / 365),
            "no_rate": "",
        },
        {
            "period": "2017/18",
            "total": 503,
            "total_lower": 503,
            "total_upper": 503,
            "forces_reporting": 4,
            "forces_asked": 4,
            "per_day": pytest.approx(503 / 365),
            "no_rate": "",
        },
        {
            "period": "2018/19",
            "total": 472,
            "total_lower": 472,
            "total_upper": 472,
            "forces_reporting": 3,
            "forces_asked": 4,
            "per_day": pytest.approx(472 / 365),
            "no_rate": "",
        },
    ]
    forces = {f["force"]: f for f in body["forces"]}
    assert forces["Kent Police"]["values"] == {
        "2015/16": 63,
        "2016/17": 370,
        "2017/18": 400,
        "2018/19": 420,
    }
    assert forces["Surrey Police"]["values"]["2015/16"] is None  # "<5": no exact figure
    assert forces["Essex Police"]["values"]["2018/19"] is None
    assert [r["period"] for r in forces["Kent Police"]["revisions"]] == ["2016/17"]
    assert body["revisions"] == [
        {
            "force": "Durham Constabulary",
            "period": "2017/18",
            "category": "",
            "first": 40,
            "latest": 42,
            "campaigns": [
                {
                    "campaign": "online-offences-2018",
                    "value": 40,
                    "reported_on": body["revisions"][0]["campaigns"][0]["reported_on"],
                    "published": False,
                },
                {
                    "campaign": "online-offences-2019",
                    "value": 42,
                    "reported_on": body["revisions"][0]["campaigns"][1]["reported_on"],
                    "published": False,
                },
            ],
        },
        {
            "force": "Kent Police",
            "period": "2016/17",
            "category": "",
            "first": 361,
            "latest": 370,
            "campaigns": [
                {
                    "campaign": "online-offences-2017",
                    "value": 361,
                    "reported_on": body["revisions"][1]["campaigns"][0]["reported_on"],
                    "published": False,
                },
                {
                    "campaign": "online-offences-2018",
                    "value": 370,
                    "reported_on": body["revisions"][1]["campaigns"][1]["reported_on"],
                    "published": False,
                },
            ],
        },
    ]
    assert any(
        "2 figures revised when asked again: +11 in total (2 up, 0 down)" in h
        for h in body["headlines"]
    )


def test_the_api_as_first_reported(built, reader):
    body = reader.get(API + "?metric=offences&as=first").json()
    assert body["as"] == "first"
    assert [(p["total"], p["total_upper"]) for p in body["periods"]] == [
        (133, 137),
        (448, 452),
        (501, 501),
        (472, 472),
    ]
    assert len(body["revisions"]) == 2


def test_the_api_answers_errors_in_json(built, client, reader):
    assert reader.get(API + "?metric=nope").status_code == 404
    assert reader.get(API + "?as=sideways").status_code == 400
    assert reader.get("/api/series/nope/totals/").json() == {"error": "No series 'nope'."}
    assert reader.get(API).json()["metric"] == "offences"  # the only metric may be left out
    client.logout()
    response = client.get(API)
    assert response.status_code == 401 and response.json()["error"]
    client.force_login(UserFactory(username="olly"))
    response = client.get(API)
    assert response.status_code == 403 and response.json()["error"]


def test_the_page_shows_totals_revisions_and_like_for_like(built, reader):
    page = reader.get("/series/online-offences/").content.decode()
    assert (
        "Police recorded 472 online-flagged offences in 2018/19, from 3 of 4 forces asked." in page
    )
    assert page.count("revised-marker") == 2
    assert "Northshire Police counted with Durham Constabulary" in page
    assert "361" in page and "370" in page
    chosen = reader.get("/series/online-offences/?from=2015/16&to=2018/19").content.decode()
    assert "2015/16 → 2018/19" in chosen and "93 → 472" in chosen
    first = reader.get("/series/online-offences/?as=first").content.decode()
    assert "448" in first


def test_the_campaign_page_links_to_its_series(built, reader):
    page = reader.get("/campaigns/online-offences-2018/").content.decode()
    assert 'href="/series/online-offences/"' in page
    listing = reader.get("/series/").content.decode()
    assert "Online child sex offences" in listing


def test_csv_and_xlsx_keep_numbers_as_numbers(built, reader):
    text = reader.get("/series/online-offences/series.csv?metric=offences").content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    kent = {r["period"]: r for r in rows if r["force"] == "Kent Police"}
    assert kent["2016/17"]["value"] == "370" and kent["2016/17"]["revised"] == "yes"
    assert kent["2016/17"]["campaign"] == "online-offences-2018"
    surrey = {r["period"]: r for r in rows if r["force"] == "Surrey Police"}
    assert (
        surrey["2015/16"]["value"],
        surrey["2015/16"]["status"],
        surrey["2015/16"]["upper"],
    ) == ("", "suppressed", "4")
    book = load_workbook(io.BytesIO(reader.get("/series/online-offences/series.xlsx").content))
    figures = list(book["figures"].iter_rows(values_only=True))
    header = figures[0]
    kent_row = next(r for r in figures if r[0] == "Kent Police" and r[2] == "2016/17")
    assert kent_row[header.index("value")] == 370
    totals = list(book["totals"].iter_rows(values_only=True))
    assert totals[1][3] == 133
    body = reader.get("/series/online-offences/series.json").json()
    assert body["periods"][0]["total"] == 133


def test_a_force_page_shows_its_series_line(built, reader):
    kent = Force.objects.get(name="Kent Police")
    page = reader.get(f"/forces/{kent.pk}/").content.decode()
    assert "Year after year" in page and "revised-marker" in page
    durham = Force.objects.get(name="Durham Constabulary")
    page = reader.get(f"/forces/{durham.pk}/").content.decode()
    assert "with Northshire Police" in page


@pytest.mark.parametrize(
    "url", ["/series/online-offences/", API, "/series/online-offences/series.csv"]
)
def test_page_queries_do_not_grow_with_the_campaigns(reviewer, tmp_path, reader, url):
    from io import StringIO

    from django.core.management import call_command

    build_series(reviewer, tmp_path)
    with CaptureQueriesContext(connection) as three:
        assert reader.get(url).status_code == 200
    call_command("next_campaign", "online-offences-2019", stdout=StringIO())
    import_year("online-offences-2020", reviewer, tmp_path, rows=[("Kent", "2019/20", "430")])
    with CaptureQueriesContext(connection) as four:
        assert reader.get(url).status_code == 200
    assert len(four) == len(three)


def test_an_empty_series_says_so(db, reader):
    from requests_app.models import Series

    Series.objects.create(slug="empty", title="Empty")
    page = reader.get("/series/empty/")
    assert page.status_code == 200
    assert b"No campaign in this series asks for figures yet." in page.content


def test_basis_all_counts_figures_awaiting_review(built, reader, staff, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "kent-fix.csv"
    path.write_text("force,period,metric,value\nKent,2018/19,offences,425\n")
    call_command(
        "import_figures",
        "online-offences-2019",
        str(path),
        "--user",
        staff.username,
        stdout=StringIO(),
    )
    approved = reader.get(API).json()
    # Kent's 2019 answer waits for review again: only Surrey and Durham count in 2018/19.
    assert approved["periods"][-1] | {} == {
        "period": "2018/19",
        "total": 52,
        "total_lower": 52,
        "total_upper": 52,
        "forces_reporting": 2,
        "forces_asked": 4,
        "per_day": pytest.approx(52 / 365),
        "no_rate": "",
    }
    everything = reader.get(API + "?basis=all").json()
    assert everything["basis"] == "all"
    assert everything["periods"][-1]["total"] == 477
    assert reader.get(API + "?basis=maybe").status_code == 400
