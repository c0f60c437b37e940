"""The demo the run command loads: people, the NSPCC 2017 campaign, a live 2026 campaign, a
draft campaign that has not been sent, so a newcomer can send it and drop replies in, and a
campaign to the 22 councils of Wales (from the council list in demo_data/).

The NSPCC campaign replays the 1 June 2017 release (requests sent 1 March 2017); figures for it
are added by figures_app (foi_tracker/demo.py passes them in as `extend`) and are illustrative, not the real
per-force returns. It was run again a year later (2016/17 asked again, 2017/18 added; sent
1 March 2018), so the two form a series in which forces revised some 2016/17 figures. The 2026 campaign is placed relative to today so that some requests are
overdue, some due soon and some answered whenever the demo is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import transaction

from requests_app.body_lists import read_bodies
from requests_app.calendars import calendar_for
from requests_app.models import Campaign, ForceList
from requests_app.models.forces import BodyKind, Country
from requests_app.periods import PeriodSpec
from requests_app.roles import REVIEWER, STAFF, grant
from requests_app.services import lifecycle as life
from requests_app.services.bodies import bodies_import
from requests_app.services.campaigns import campaign_create
from requests_app.services.people import profile_for
from requests_app.services.series import campaign_run_again, series_get_or_create

NSPCC_SLUG = "nspcc-online-child-sex-offences-2017"
NSPCC_NEXT_SLUG = "nspcc-online-child-sex-offences-2018"
SERIES_SLUG = "nspcc-online-child-sex-offences"
LIVE_SLUG = "sexual-communication-with-a-child-2026"
DRAFT_SLUG = "indecent-images-shared-online-draft"
COUNCILS_SLUG = "children-looked-after-wales-2025"
# The council list shipped with the demo (issue 30): the 22 Welsh unitary authorities with their
# GSS codes, loaded by the same import as `import_bodies`.
WELSH_COUNCILS_CSV = Path(__file__).resolve().parent / "demo_data" / "welsh_councils.csv"

# (username, password, roles, superuser)
DEMO_USERS = [
    ("demo", "demo-password", (STAFF, REVIEWER), True),
    ("sam", "sam-password", (STAFF,), False),
    ("riley", "riley-password", (STAFF, REVIEWER), False),
]

NSPCC_TEXT = """Dear {force_name},

Under {act}, please tell me:

1. How many sexual offences against children under 18 recorded by your force in each of {periods} carried the Home Office online ("cyber") flag?
2. For each of those offences, the offence type and the age of the victim.

Financial years, 1 April to 31 March. If some figures are withheld because they are small, please say "fewer than 5" rather than leaving the cell blank.

Thank you."""

LIVE_TEXT = """Dear {force_name},

Under {act}, please tell me how many offences of sexual communication with a child (Sexual Offences Act 2003 s.15A, or the Scottish equivalent) your force recorded in each of {periods}, by the age of the child where recorded.

Thank you."""


def refuse_unless_demo_site(what: str) -> None:
    """The demo commands publish passwords and write made-up mail: only on the local demo site
    (FOI_DEMO=true, as ./run.sh sets it) or a developer's DEBUG=true, never on a deployment."""
    if not (settings.FOI_DEMO or settings.DEBUG):
        raise CommandError(
            f"Refusing: {what}. It runs only on the local demo site (FOI_DEMO=true, as "
            "./run.sh sets it), never on a real deployment."
        )


DRAFT_TEXT = """Dear {force_name},

Under {act}, please tell me how many offences of taking, making, distributing or sharing an indecent image of a child your force recorded in each of {periods} where the image was shared online (the Home Office online flag, or your force's equivalent).

If a figure is withheld because it is small, please say "fewer than 5" rather than leaving it blank.

Thank you."""


def _working_days_before(day: date, count: int, law: str = "foia") -> date:
    cal = calendar_for(law)
    while count > 0:
        day -= timedelta(days=1)
        if cal.is_working_day(day):
            count -= 1
    return day


def _users() -> dict:
    User = get_user_model()
    users = {}
    for username, password, roles, superuser in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org"}
        )
        if created:
            user.set_password(password)
            user.is_superuser = user.is_staff = superuser
            user.save()
            grant(user, *roles)
            profile_for(user)
        users[username] = user
    return users


def _nspcc(users: dict, today: date) -> Campaign:
    sam = users["sam"]
    forces = list(ForceList.objects.get(slug="england-and-wales").forces.all())
    campaign = campaign_create(
        actor=sam,
        owner=users["demo"],
        slug=NSPCC_SLUG,
        title="Online child sex offences 2015/16 and 2016/17 (NSPCC 2017, illustrative)",
        request_text=NSPCC_TEXT,
        forces=forces,
        force_list=ForceList.objects.get(slug="england-and-wales"),
        periods=[
            PeriodSpec("2015/16", date(2015, 4, 1), date(2016, 3, 31)),
            PeriodSpec("2016/17", date(2016, 4, 1), date(2017, 3, 31)),
        ],
        notes=(
            "Replays the NSPCC release of 1 June 2017: 5,653 offences from 38 forces in 2016/17, "
            "3,903 from 39 in 2015/16. Per-force figures are illustrative, not the forces' returns."
        ),
        rounding_rule="down",
        sent_on=date(2017, 3, 1),
    )
    series = series_get_or_create(
        slug=SERIES_SLUG, title="Online child sex offences (NSPCC, illustrative)"
    )
    Campaign.objects.filter(pk=campaign.pk).update(series=series)
    special = {
        "Cumbria Constabulary": ("not_held", []),
        "Lancashire Constabulary": ("refused", ["foia:s12"]),
        "Gwent Police": ("part", []),
        "Dorset Police": ("part", []),
        "Suffolk Constabulary": ("part", []),
    }
    requests = campaign.requests.select_related("force").order_by("force__name")
    for i, foi in enumerate(requests):
        name = foi.force.name
        if name == "Wiltshire Police":
            life.request_acknowledge(
                request_id=foi.pk,
                actor=sam,
                acknowledged_on=date(2017, 3, 3),
                force_reference="FOI/2017/0311",
            )
            continue
        outcome, exemptions = special.get(name, ("full", []))
        answered = calendar_for("foia").add_working_days(date(2017, 3, 17), 1 + i % 16)
        life.request_acknowledge(
            request_id=foi.pk,
            actor=sam,
            acknowledged_on=date(2017, 3, 2),
            force_reference=f"FOI-{2017}-{1000 + i}",
        )
        life.request_record_response(
            request_id=foi.pk,
            actor=sam,
            outcome=outcome,
            answered_on=answered,
            exemptions=exemptions,
        )
    return campaign


def _nspcc_next(users: dict, today: date, *, copy_more=None) -> Campaign | None:
    """The NSPCC campaign run again a year on (as "Run again for the next period" does): the
    same forces and letter, 2016/17 asked again and 2017/18 added, sent 1 March 2018. Everyone
    answered except Cumbria (not held) and Lancashire (refused again)."""
    source = Campaign.objects.filter(slug=NSPCC_SLUG).first()
    if source is None:
        return None
    sam = users["sam"]
    campaign = campaign_run_again(
        campaign_id=source.pk,
        actor=sam,
        slug=NSPCC_NEXT_SLUG,
        title="Online child sex offences 2016/17 and 2017/18 (NSPCC 2018, illustrative)",
        copy_more=copy_more,
    ).campaign
    outcomes = {
        "Cumbria Constabulary": ("not_held", []),
        "Lancashire Constabulary": ("refused", ["foia:s12"]),
        "Dorset Police": ("part", []),
        "Suffolk Constabulary": ("part", []),
    }
    calendar = calendar_for("foia")
    requests = campaign.requests.select_related("force").order_by("force__name")
    for i, foi in enumerate(requests):
        life.request_mark_sent(request_id=foi.pk, actor=sam, sent_on=date(2018, 3, 1))
        life.request_acknowledge(
            request_id=foi.pk,
            actor=sam,
            acknowledged_on=date(2018, 3, 2),
            force_reference=f"FOI-2018-{2000 + i}",
        )
        outcome, exemptions = outcomes.get(foi.force.name, ("full", []))
        life.request_record_response(
            request_id=foi.pk,
            actor=sam,
            outcome=outcome,
            answered_on=calendar.add_working_days(date(2018, 3, 16), 1 + i % 14),
            exemptions=exemptions,
        )
    return campaign


def _example_addresses(forces) -> None:
    """Example FOI addresses (the reserved .example domain): what the demo sends is written to
    var/mail and can never reach a real force."""
    for force in forces:
        if not force.foi_email:
            force.foi_email = f"foi@{force.slug}.police.example"
            force.save(update_fields=["foi_email"])


def _live(users: dict, today: date) -> Campaign:
    sam = users["sam"]
    force_list = ForceList.objects.get(slug="uk-territorial")
    campaign = campaign_create(
        actor=sam,
        owner=users["sam"],  # sam runs it: the dashboard and the digest have work for sam
        slug=LIVE_SLUG,
        title="Sexual communication with a child, 2024/25 and 2025/26",
        request_text=LIVE_TEXT,
        forces=list(force_list.forces.all()),
        force_list=force_list,
        periods=[
            PeriodSpec("2024/25", date(2024, 4, 1), date(2025, 3, 31)),
            PeriodSpec("2025/26", date(2025, 4, 1), date(2026, 3, 31)),
        ],
        chase_forces=True,
    )
    requests = list(campaign.requests.select_related("force").order_by("force__name"))
    _example_addresses([foi.force for foi in requests])
    early = _working_days_before(today, 30)  # due 10 working days ago
    recent = _working_days_before(today, 17)  # due in about 3 working days
    for i, foi in enumerate(requests):
        law = foi.force.law
        sent = recent if (i % 3 == 2 or law == "foisa") else early
        life.request_mark_sent(request_id=foi.pk, actor=sam, sent_on=sent)
        if sent == recent:
            if i % 2:
                life.request_acknowledge(
                    request_id=foi.pk,
                    actor=sam,
                    acknowledged_on=sent + timedelta(days=1)
                    if sent + timedelta(days=1) <= today
                    else sent,
                )
            continue
        ack = _working_days_before(today, 28)
        life.request_acknowledge(
            request_id=foi.pk, actor=sam, acknowledged_on=ack, force_reference=f"2026-{4000 + i}"
        )
        if i % 3 == 0:
            answered = _working_days_before(today, 12 - i % 5)
            life.request_record_response(
                request_id=foi.pk, actor=sam, outcome="full", answered_on=answered
            )
        elif i == 1:
            life.request_clarification_requested(
                request_id=foi.pk, actor=sam, requested_on=_working_days_before(today, 25)
            )
        elif i == 4:
            life.request_pit_extension(
                request_id=foi.pk,
                actor=sam,
                notice_on=_working_days_before(today, 10),
                estimated_on=today + timedelta(days=14),
            )
        elif i == 7:
            life.request_record_response(
                request_id=foi.pk,
                actor=sam,
                outcome="refused",
                exemptions=["foia:s12"],
                answered_on=_working_days_before(today, 15),
            )
            life.request_review_requested(
                request_id=foi.pk, actor=sam, requested_on=_working_days_before(today, 8)
            )
        # Everyone else in this group is simply late.
    return campaign


def _draft(users: dict, today: date) -> Campaign:
    """Not sent yet. The 45 territorial forces have example addresses; British Transport Police,
    the Civil Nuclear Constabulary and the Ministry of Defence Police are left without one, so the
    send preview shows how a force that cannot be emailed is named, with a link to set it."""
    everyone = ForceList.objects.get(slug="all")
    _example_addresses(ForceList.objects.get(slug="uk-territorial").forces.all())
    return campaign_create(
        actor=users["sam"],
        owner=users["sam"],
        slug=DRAFT_SLUG,
        title="Indecent images of children shared online, 2025/26 (draft, not sent)",
        request_text=DRAFT_TEXT,
        forces=list(everyone.forces.all()),
        force_list=everyone,
        periods=[PeriodSpec("2025/26", date(2025, 4, 1), date(2026, 3, 31))],
        notes=(
            "A draft to try sending: Send on this page shows each letter before anything goes. "
            "In the demo the emails are written to var/mail; replies dropped into var/inbox are "
            "filed within five minutes, or at once with Check for mail now on the Inbox page. "
            "Running manage.py demo_reply Kent writes a made-up reply from Kent Police there."
        ),
        chase_forces=True,
    )


COUNCILS_TEXT = """Dear {force_name},

Under {act}, please tell me how many children started to be looked after by the council in each of {periods} (1 April to 31 March).

Thank you."""


def _welsh_councils(users: dict, today: date) -> Campaign:
    """A campaign to every council in Wales (issue 30), from the council list shipped with the
    demo: sent 35 working days ago, so all are due; all but two have answered."""
    sam = users["sam"]
    rows = read_bodies(WELSH_COUNCILS_CSV.read_bytes(), WELSH_COUNCILS_CSV.name)
    report = bodies_import(rows, kind=BodyKind.COUNCIL, actor=None, source=WELSH_COUNCILS_CSV.name)
    if report.refused:
        raise CommandError(f"{WELSH_COUNCILS_CSV.name}: {report.summary()}")
    # The built-in "All councils in Wales" (migration 0023); computed on the spot if it is gone.
    welsh = ForceList.objects.filter(kind=BodyKind.COUNCIL, nation=Country.WALES).first()
    councils = list((welsh or ForceList(kind=BodyKind.COUNCIL, nation=Country.WALES)).members())
    campaign = campaign_create(
        actor=sam,
        owner=sam,
        slug=COUNCILS_SLUG,
        title="Children looked after by Welsh councils, 2023/24 and 2024/25",
        request_text=COUNCILS_TEXT,
        forces=councils,
        force_list=welsh,
        periods=[
            PeriodSpec("2023/24", date(2023, 4, 1), date(2024, 3, 31)),
            PeriodSpec("2024/25", date(2024, 4, 1), date(2025, 3, 31)),
        ],
        chase_forces=True,
    )
    sent = _working_days_before(today, 35)
    calendar = calendar_for("foia")
    requests = campaign.requests.select_related("force").order_by("force__name")
    for i, foi in enumerate(requests):
        life.request_mark_sent(request_id=foi.pk, actor=sam, sent_on=sent)
        if i in (3, 17):
            continue  # two councils have not answered: overdue
        life.request_record_response(
            request_id=foi.pk,
            actor=sam,
            outcome="full",
            answered_on=min(calendar.add_working_days(sent, 12 + i % 9), today),
        )
    return campaign


@transaction.atomic
def demo_load(
    *,
    today: date,
    copy_more: Callable[..., None] | None = None,
    extend: Callable[..., None] | None = None,
) -> tuple[dict, list[Campaign]]:
    """Create the demo users and campaigns; campaigns already present are left alone.

    Other apps' parts (foi_tracker/demo.py): `copy_more` as campaign_run_again takes it, for the
    campaign run again; extend(campaign, actor=, today=) after each campaign is made."""
    users = _users()
    made = []
    builders = (
        (NSPCC_SLUG, _nspcc),
        (NSPCC_NEXT_SLUG, partial(_nspcc_next, copy_more=copy_more)),  # after the one it runs again
        (LIVE_SLUG, _live),
        (DRAFT_SLUG, _draft),
        (COUNCILS_SLUG, _welsh_councils),
    )
    for slug, build in builders:
        if Campaign.objects.filter(slug=slug).exists():
            continue
        campaign = build(users, today)
        if campaign is None:
            continue
        if extend is not None:
            extend(campaign, actor=users["sam"], today=today)
        made.append(campaign)
    return users, made
