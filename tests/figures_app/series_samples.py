"""A three-year series built the way people build one: the first year from a campaign file, the
next two with `next_campaign`, figures imported from tidy files (issue 14's test case).

- Kent revises 2016/17: 361 first, 370 the next year.
- Northshire Police (a made-up force) merges into Durham after the first year: inactive, its
  name a former name of Durham's; Durham restates 2016/17 for both (25 + 12 = 37, no revision).
- Durham revises 2017/18: 40, then 42.
- Essex stops answering in the third year.
- Surrey's 2016/17 is "<5" the first year and 3 the next (disclosed, not a revision).

Hand-computed (latest approved, the default):
  2015/16: 63 + 40 + 30 (Durham 20 + Northshire 10) = 133, upper 137 (Surrey "<5"), 4 of 4
  2016/17: 370 + 50 + 3 + 37 = 460 (exact), 4 of 4
  2017/18: 400 + 55 (Essex, from the second year) + 6 + 42 = 503, 4 of 4
  2018/19: 420 + 7 + 45 = 472, 3 of 4 (Essex did not answer)
As first reported:
  2016/17: 361 + 50 + 37 = 448, upper 452 (Surrey "<5"); 2017/18: 400 + 55 + 6 + 40 = 501
Revisions: Kent 2016/17 +9, Durham 2017/18 +2: 2 figures, +11 in total; 1 cell disclosed.
Like for like 2017/18 -> 2018/19: Kent, Surrey, Durham: 448 -> 472 (+5.357%).
"""

import json
from datetime import date
from io import StringIO

from django.core.management import call_command

from requests_app.models import Campaign, Force, ForceAlias
from requests_app.services.campaigns import campaign_update

FIRST_YEAR = {
    "slug": "online-offences-2017",
    "title": "Online child sex offences 2017",
    "request_text": "Dear {force_name}, under {act}, how many offences in {periods}?",
    "forces": ["Kent", "Essex", "Surrey", "Durham", "Northshire"],
    "periods": [
        {"label": "2015/16", "start": "2015-04-01", "end": "2016-03-31"},
        {"label": "2016/17", "start": "2016-04-01", "end": "2017-03-31"},
    ],
    "sent_on": "2017-03-01",
    "series": "online-offences",
    "metrics": [
        {"slug": "offences", "label": "Online-flagged offences", "dimensions": ["victim_age"]}
    ],
}

FIGURES = {
    "online-offences-2017": [
        ("Kent", "2015/16", "63"),
        ("Essex", "2015/16", "40"),
        ("Surrey", "2015/16", "<5"),
        ("Durham", "2015/16", "20"),
        ("Northshire", "2015/16", "10"),
        ("Kent", "2016/17", "361"),
        ("Essex", "2016/17", "50"),
        ("Surrey", "2016/17", "<5"),
        ("Durham", "2016/17", "25"),
        ("Northshire", "2016/17", "12"),
    ],
    "online-offences-2018": [
        ("Kent", "2016/17", "370"),
        ("Essex", "2016/17", "50"),
        ("Surrey", "2016/17", "3"),
        ("Durham", "2016/17", "37"),
        ("Kent", "2017/18", "400"),
        ("Essex", "2017/18", "55"),
        ("Surrey", "2017/18", "6"),
        ("Durham", "2017/18", "40"),
    ],
    "online-offences-2019": [
        ("Kent", "2017/18", "400"),
        ("Surrey", "2017/18", "6"),
        ("Durham", "2017/18", "42"),
        ("Kent", "2018/19", "420"),
        ("Surrey", "2018/19", "7"),
        ("Durham", "2018/19", "45"),
    ],
}


def make_northshire() -> Force:
    return Force.objects.create(
        name="Northshire Police",
        short_name="Northshire",
        slug="northshire-police",
        region="North East",
        country="england",
    )


def merge_northshire_into_durham() -> None:
    Force.objects.filter(name="Northshire Police").update(active=False)
    ForceAlias.objects.create(
        force=Force.objects.get(name="Durham Constabulary"),
        name="Northshire Police",
        is_former_name=True,
    )


def import_year(slug: str, reviewer, tmp_path, rows=None) -> None:
    path = tmp_path / f"{slug}.csv"
    lines = ["force,period,metric,value"] + [
        f"{force},{period},offences,{value}" for force, period, value in rows or FIGURES[slug]
    ]
    path.write_text("\n".join(lines) + "\n")
    call_command(
        "import_figures",
        slug,
        str(path),
        "--user",
        reviewer.username,
        "--approve",
        stdout=StringIO(),
    )


def build_series(reviewer, tmp_path) -> list[Campaign]:
    """The three campaigns, oldest first, every figure approved."""
    make_northshire()
    first = tmp_path / "first.json"
    first.write_text(json.dumps(FIRST_YEAR))
    call_command("load_campaign", str(first), stdout=StringIO())
    import_year("online-offences-2017", reviewer, tmp_path)
    merge_northshire_into_durham()
    call_command("next_campaign", "online-offences-2017", stdout=StringIO())
    second = Campaign.objects.get(slug="online-offences-2018")
    campaign_update(campaign_id=second.pk, actor=reviewer, sent_on=date(2018, 3, 1))
    import_year("online-offences-2018", reviewer, tmp_path)
    call_command("next_campaign", "online-offences-2018", stdout=StringIO())
    third = Campaign.objects.get(slug="online-offences-2019")
    campaign_update(campaign_id=third.pk, actor=reviewer, sent_on=date(2019, 3, 1))
    import_year("online-offences-2019", reviewer, tmp_path)
    return [Campaign.objects.get(slug="online-offences-2017"), second, third]
