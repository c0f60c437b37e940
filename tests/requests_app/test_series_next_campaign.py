"""Running a campaign again for the next period (issue 14, section 1)."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from figures_app.models import Metric
from figures_app.services.metrics import DimensionSpec, MetricSpec, metric_save
from foi_tracker.campaign_json import load_campaign
from foi_tracker.series import campaign_run_again_with_metrics
from requests_app.campaign_json import CampaignJsonError
from requests_app.models import Campaign, Force, ForceAlias, ForceList, Series
from requests_app.periods import PeriodSpec, next_period
from requests_app.services.campaigns import campaign_create
from requests_app.services.errors import ServiceError
from requests_app.services.series import next_periods
from requests_app.workflow import Status
from tests.factories import UserFactory


@pytest.mark.parametrize(
    "label, start, end, expected",
    [
        (
            "2016/17",
            date(2016, 4, 1),
            date(2017, 3, 31),
            ("2017/18", date(2017, 4, 1), date(2018, 3, 31)),
        ),
        (
            "2015/16",
            date(2015, 4, 1),
            date(2016, 3, 31),
            ("2016/17", date(2016, 4, 1), date(2017, 3, 31)),
        ),
        (
            "1999/00",
            date(1999, 4, 1),
            date(2000, 3, 31),
            ("2000/01", date(2000, 4, 1), date(2001, 3, 31)),
        ),
        (
            "2023",
            date(2023, 1, 1),
            date(2023, 12, 31),
            ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ),
        (
            "2024 Q4",
            date(2024, 10, 1),
            date(2024, 12, 31),
            ("2025 Q1", date(2025, 1, 1), date(2025, 3, 31)),
        ),
        (
            "2023 Q4",
            date(2023, 10, 1),
            date(2023, 12, 31),
            ("2024 Q1", date(2024, 1, 1), date(2024, 3, 31)),
        ),
        (
            "2024 Q1",
            date(2024, 1, 1),
            date(2024, 3, 31),
            ("2024 Q2", date(2024, 4, 1), date(2024, 6, 30)),
        ),
        (
            "2024/25 Q4",
            date(2025, 1, 1),
            date(2025, 3, 31),
            ("2025/26 Q1", date(2025, 4, 1), date(2025, 6, 30)),
        ),
        (
            "2024/25 Q1",
            date(2024, 4, 1),
            date(2024, 6, 30),
            ("2024/25 Q2", date(2024, 7, 1), date(2024, 9, 30)),
        ),
        (
            "Jan 2024",
            date(2024, 1, 1),
            date(2024, 1, 31),
            ("Feb 2024", date(2024, 2, 1), date(2024, 2, 29)),
        ),
    ],
)
def test_it_derives_the_next_period(label, start, end, expected):
    following = next_period(label, start, end)
    assert (following.label, following.start, following.end) == expected


def test_it_slides_the_periods_on_by_one_and_keeps_the_earlier_ones_as_they_were():
    periods = [
        PeriodSpec("2016-17 (restated)", date(2016, 4, 1), date(2017, 3, 31)),
        PeriodSpec("2015/16", date(2015, 4, 1), date(2016, 3, 31)),
    ]
    assert next_periods(periods) == [
        PeriodSpec("2016-17 (restated)", date(2016, 4, 1), date(2017, 3, 31)),
        PeriodSpec("2017/18", date(2017, 4, 1), date(2018, 3, 31)),
    ]


@pytest.fixture
def merged(db):
    """Northshire Police merged into Durham Constabulary: inactive, and Durham lists its name
    as a former name (the registry's way of saying so)."""
    old = Force.objects.create(
        name="Northshire Police",
        short_name="Northshire",
        slug="northshire-police",
        region="North East",
        country="england",
        active=False,
    )
    durham = Force.objects.get(name="Durham Constabulary")
    ForceAlias.objects.create(force=durham, name="Northshire Police", is_former_name=True)
    return old, durham


@pytest.fixture
def source(db, staff, merged):
    old, durham = merged
    forces = [Force.objects.get(name=n) for n in ("Kent Police", "Essex Police")] + [old, durham]
    campaign = campaign_create(
        actor=staff,
        owner=staff,
        slug="nspcc-2017",
        title="Online child sex offences 2017",
        request_text="Dear {force_name}, under {act}, how many offences in {periods}?",
        forces=forces,
        periods=[
            PeriodSpec("2015/16", date(2015, 4, 1), date(2016, 3, 31)),
            PeriodSpec("2016/17", date(2016, 4, 1), date(2017, 3, 31)),
        ],
        sent_on=date(2017, 3, 1),
        chase_forces=True,
        rounding_rule="down",
        suppressed_lower=0,
        suppressed_upper=9,
    )
    metric_save(
        campaign=campaign,
        spec=MetricSpec(
            "online-offences",
            "Online-flagged offences",
            "offences",
            "Home Office online flag.",
            (
                DimensionSpec("victim_age", "Victim age", None),
                DimensionSpec("offence", "Offence", ("rape", "sexual assault", "other")),
            ),
        ),
    )
    return campaign


@pytest.mark.parametrize(
    "text, slug, expected",
    [
        (
            "Online offences 2015/16 and 2016/17 (NSPCC 2017)",
            False,
            "Online offences 2016/17 and 2017/18 (NSPCC 2017)",
        ),
        ("online-offences-2015-16-and-2016-17", True, "online-offences-2016-17-and-2017-18"),
        ("Online offences 2016/17", False, "Online offences 2017/18"),
        ("nspcc-2017", True, "nspcc-2018"),  # no label: the last year moves on
        ("Online offences", False, "Online offences (2017/18)"),
        ("online-offences", True, "online-offences-2017-18"),
    ],
)
def test_the_next_name_moves_every_period_it_names(text, slug, expected):
    from requests_app.series_names import next_name

    assert next_name(text, ["2015/16", "2016/17"], ["2016/17", "2017/18"], 1, slug=slug) == expected


@pytest.mark.parametrize(
    "title, cut, expected",
    [
        ("Online offences 2015/16 and 2016/17", 80, "online-offences-2015-16-and-2016-17"),
        ("Sexual offences 2016 / 17", 80, "sexual-offences-2016-17"),
        ("Either/or, 2017", 80, "eitheror-2017"),  # only a slash between digits becomes "-"
        ("A" * 30 + " 2015/16", 31, "a" * 30),  # cut where it fits, no trailing "-"
    ],
)
def test_a_slug_from_a_title_keeps_its_periods_readable(title, cut, expected):
    from requests_app.series_names import readable_slug

    assert readable_slug(title, cut) == expected


def test_it_creates_the_next_campaign_in_a_new_series(source, staff, merged):
    old, durham = merged
    result = campaign_run_again_with_metrics(campaign_id=source.pk, actor=staff)
    new = result.campaign
    assert new.slug == "nspcc-2018"
    assert new.title == "Online child sex offences 2018"
    assert [(p.label, p.start, p.end) for p in new.periods.all()] == [
        ("2016/17", date(2016, 4, 1), date(2017, 3, 31)),
        ("2017/18", date(2017, 4, 1), date(2018, 3, 31)),
    ]
    assert sorted(new.requests.values_list("force__name", flat=True)) == [
        "Durham Constabulary",
        "Essex Police",
        "Kent Police",
    ]
    assert set(new.requests.values_list("status", flat=True)) == {Status.DRAFT}
    assert result.followed == [(old, durham)]
    assert new.request_text == source.request_text
    assert (new.chase_forces, new.rounding_rule, new.suppressed_lower, new.suppressed_upper) == (
        True,
        "down",
        0,
        9,
    )
    source.refresh_from_db()
    assert source.series == new.series == Series.objects.get(slug="nspcc")
    assert new.series.title == "Online child sex offences"
    metric = Metric.objects.get(campaign=new)
    assert (metric.slug, metric.label, metric.notes) == (
        "online-offences",
        "Online-flagged offences",
        "Home Office online flag.",
    )
    dims = {d.slug: d for d in metric.dimensions.all()}
    assert dims["victim_age"].inferred and not dims["victim_age"].categories.exists()
    assert list(dims["offence"].categories.values_list("value", flat=True)) == [
        "rape",
        "sexual assault",
        "other",
    ]


def test_running_again_twice_keeps_one_series_and_finds_a_free_slug(source, staff):
    first = campaign_run_again_with_metrics(campaign_id=source.pk, actor=staff).campaign
    second = campaign_run_again_with_metrics(campaign_id=first.pk, actor=staff).campaign
    assert second.slug == "nspcc-2019"
    assert [p.label for p in second.periods.all()] == ["2017/18", "2018/19"]
    assert Series.objects.count() == 1
    assert set(Campaign.objects.values_list("series__slug", flat=True)) == {"nspcc"}
    again = campaign_run_again_with_metrics(campaign_id=first.pk, actor=staff).campaign
    assert again.slug == "nspcc-2019-2"


def test_it_asks_the_force_list_as_it_is_now(db, staff):
    force_list = ForceList.objects.create(name="Two", slug="two")
    kent, essex, surrey = (
        Force.objects.get(name=n) for n in ("Kent Police", "Essex Police", "Surrey Police")
    )
    force_list.forces.set([kent, essex])
    campaign = campaign_create(
        actor=staff,
        slug="quarterly",
        title="Quarterly",
        request_text="Dear {force_name}",
        forces=[kent, essex],
        force_list=force_list,
        periods=[PeriodSpec("2024 Q4", date(2024, 10, 1), date(2024, 12, 31))],
    )
    force_list.forces.set([kent, surrey])
    new = campaign_run_again_with_metrics(campaign_id=campaign.pk, actor=staff).campaign
    assert new.slug == "quarterly-2025-q1"
    assert [p.label for p in new.periods.all()] == ["2025 Q1"]
    assert sorted(new.requests.values_list("force__name", flat=True)) == [
        "Kent Police",
        "Surrey Police",
    ]


def test_a_taken_slug_is_refused_and_nothing_is_written(source, staff):
    before = Campaign.objects.count()
    with pytest.raises(ServiceError, match="already exists"):
        campaign_run_again_with_metrics(campaign_id=source.pk, actor=staff, slug="nspcc-2017")
    assert Campaign.objects.count() == before
    assert not Series.objects.exists()


def test_the_command_creates_it_and_says_what_it_followed(source):
    out = StringIO()
    call_command("next_campaign", "nspcc-2017", "--slug", "nspcc-next", stdout=out)
    text = out.getvalue()
    assert "Northshire Police is now asked as Durham Constabulary." in text
    assert "Created campaign 'nspcc-next' in series 'nspcc': 3 requests not yet sent" in text
    assert "2016/17, 2017/18" in text
    assert Campaign.objects.get(slug="nspcc-next").series.slug == "nspcc"


def test_the_command_names_what_is_wrong(source):
    with pytest.raises(CommandError, match="No campaign 'nope'"):
        call_command("next_campaign", "nope")
    with pytest.raises(CommandError, match="--slug: Use lower-case"):
        call_command("next_campaign", "nspcc-2017", "--slug", "Bad Slug")
    UserFactory(username="nobody")
    with pytest.raises(CommandError, match="does not have the staff role"):
        call_command("next_campaign", "nspcc-2017", "--user", "nobody")


def _json(**extra):
    return json.dumps(
        {
            "slug": "published-2016",
            "title": "Online offences 2016",
            "request_text": "Dear {force_name}",
            "forces": ["Kent", "Essex"],
            "periods": [{"label": "2014/15", "start": "2014-04-01", "end": "2015-03-31"}],
        }
        | extra
    )


def test_load_campaign_puts_campaigns_naming_a_series_in_it(db):
    campaign, _ = load_campaign(_json(series="online-offences"))
    assert campaign.series.slug == "online-offences"
    assert campaign.series.title == "Online offences"
    other, _ = load_campaign(_json(slug="published-2017", series="online-offences"))
    assert other.series == campaign.series
    assert Series.objects.count() == 1


def test_load_campaign_names_a_bad_series_with_its_line(db):
    with pytest.raises(CampaignJsonError, match=r"'series' \(line 1\): expected a series slug"):
        load_campaign(_json(series="Not A Slug"))
    assert not Campaign.objects.exists()


def test_staff_run_it_again_from_the_web(source, staff_client):
    page = staff_client.get(f"/campaigns/{source.slug}/")
    assert b"Run again for the next period" in page.content
    page = staff_client.get(f"/campaigns/{source.slug}/run-again/")
    assert page.status_code == 200
    assert b"Northshire Police is now asked as <strong>Durham Constabulary</strong>" in page.content
    assert b'value="nspcc-2018"' in page.content
    response = staff_client.post(
        f"/campaigns/{source.slug}/run-again/", {"slug": "nspcc-2018", "title": "Next"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/campaigns/nspcc-2018/"
    assert Campaign.objects.get(slug="nspcc-2018").title == "Next"


def test_a_bad_slug_on_the_web_is_shown_on_the_form(source, staff_client):
    response = staff_client.post(
        f"/campaigns/{source.slug}/run-again/", {"slug": "nspcc-2017", "title": "Next"}
    )
    assert response.status_code == 400
    assert b"already exists" in response.content


def test_reviewers_who_are_not_staff_cannot_run_it_again(source, client):
    only_reviewer = UserFactory(username="rev", roles=["reviewer"])
    client.force_login(only_reviewer)
    assert client.get(f"/campaigns/{source.slug}/run-again/").status_code == 403
    assert (
        client.post(f"/campaigns/{source.slug}/run-again/", {"slug": "x", "title": "y"}).status_code
        == 403
    )
    assert Campaign.objects.count() == 1
