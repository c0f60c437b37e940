"""Demo figures (foi_tracker/demo.py adds them to the demo campaigns). ILLUSTRATIVE: the
per-force numbers are invented; only the national totals and the age facts reproduce the NSPCC release of 1 June 2017:
5,653 offences from 38 forces in 2016/17, 3,903 from 39 in 2015/16, Kent 63 -> 361, and where
age was recorded 13 the most common victim age (257), 97 aged ten and under, youngest three.
"""

from __future__ import annotations

import io
from datetime import date

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from figures_app.categories import CategoryIndex
from figures_app.cell_mapping import METRICS, PERIODS, BlockSpec, propose
from figures_app.cells import read_sheets
from figures_app.models import Kind
from figures_app.readers import Row
from figures_app.services.cell_mapping import figures_from_cells
from figures_app.services.figures import figures_apply
from figures_app.services.imports import build_cells
from figures_app.services.metrics import DimensionSpec, MetricSpec, metric_save
from figures_app.services.review import (
    _approve,  # demo approves as riley, bypassing the UI only
    figures_send_back,
)
from requests_app.models import Campaign, FoiRequest
from requests_app.roles import REVIEWER, STAFF, grant
from requests_app.services.attachments import attachment_add
from requests_app.workflow import ANSWERED_STATES, Outcome

NSPCC_SLUG = "nspcc-online-child-sex-offences-2017"
NSPCC_NEXT_SLUG = "nspcc-online-child-sex-offences-2018"
LIVE_SLUG = "sexual-communication-with-a-child-2026"
NSPCC_METRIC = "online-child-sex-offences"
LIVE_METRIC = "sexual-communication-with-a-child"
LIVE_LABEL = "Sexual communication with a child offences"
DRAFT_SLUG = "indecent-images-shared-online-draft"
DRAFT_METRIC = "indecent-images-shared-online"
COUNCILS_SLUG = "children-looked-after-wales-2025"
COUNCILS_METRIC = "children-starting-care"
# Rough populations of the Welsh councils (thousands), for spreading an invented national total.
COUNCIL_WEIGHTS = {
    "Isle of Anglesey": 69, "Gwynedd": 117, "Conwy": 114, "Denbighshire": 96, "Flintshire": 155,
    "Wrexham": 135, "Ceredigion": 71, "Pembrokeshire": 123, "Carmarthenshire": 187,
    "Swansea": 238, "Neath Port Talbot": 142, "Bridgend": 145, "Vale of Glamorgan": 131,
    "Cardiff": 362, "Rhondda Cynon Taf": 237, "Caerphilly": 175, "Blaenau Gwent": 67,
    "Torfaen": 92, "Monmouthshire": 93, "Newport": 159, "Powys": 133, "Merthyr Tydfil": 58,
}  # fmt: skip
ILLUSTRATIVE = (
    "Illustrative: per-force figures are invented for the demo. Only the national totals "
    "(5,653 from 38 forces in 2016/17; 3,903 from 39 in 2015/16), Kent (63 -> 361) and the age "
    "facts match the NSPCC release of 1 June 2017."
)

# Rough relative size of each force (invented weights for spreading the national totals).
WEIGHTS = {
    "Metropolitan Police Service": 130,
    "West Midlands Police": 40,
    "Greater Manchester Police": 38,
    "West Yorkshire Police": 32,
    "Thames Valley Police": 26,
    "Merseyside Police": 22,
    "Hampshire and Isle of Wight Constabulary": 24,
    "Kent Police": 24,
    "Essex Police": 22,
    "South Yorkshire Police": 20,
    "Devon and Cornwall Police": 22,
    "Northumbria Police": 21,
    "Sussex Police": 20,
    "Lancashire Constabulary": 21,
    "Avon and Somerset Constabulary": 20,
    "South Wales Police": 18,
    "Nottinghamshire Police": 15,
    "West Mercia Police": 16,
    "Hertfordshire Constabulary": 14,
    "Staffordshire Police": 14,
    "Leicestershire Police": 13,
    "Derbyshire Constabulary": 13,
    "Cheshire Constabulary": 13,
    "Humberside Police": 12,
    "Surrey Police": 13,
    "Norfolk Constabulary": 11,
    "Cambridgeshire Constabulary": 11,
    "Durham Constabulary": 9,
    "Cleveland Police": 9,
    "North Yorkshire Police": 10,
    "Northamptonshire Police": 9,
    "Lincolnshire Police": 8,
    "Suffolk Constabulary": 9,
    "Bedfordshire Police": 8,
    "Gwent Police": 9,
    "North Wales Police": 10,
    "Dorset Police": 9,
    "Dyfed-Powys Police": 8,
    "Wiltshire Police": 8,
    "Gloucestershire Constabulary": 8,
    "Warwickshire Police": 6,
    "Cumbria Constabulary": 8,
    "City of London Police": 2,
}
# National victim-age counts for 2016/17 where age was recorded (sum of ages 3..10 = 97).
AGES_2016 = {
    3: 2,
    4: 3,
    5: 5,
    6: 7,
    7: 9,
    8: 13,
    9: 21,
    10: 37,
    11: 70,
    12: 160,
    13: 257,
    14: 240,
    15: 210,
    16: 150,
    17: 90,
}
NOT_ANSWERING = {"Cumbria Constabulary": Kind.NOT_HELD, "Lancashire Constabulary": Kind.REFUSED}
ONLY_2016 = {"Gwent Police"}
ONLY_2015 = {"Dorset Police", "Suffolk Constabulary"}


def allocate(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split `total` in proportion to weights, exactly (largest remainder)."""
    whole = sum(weights.values())
    shares = {k: total * w / whole for k, w in weights.items()}
    out = {k: int(v) for k, v in shares.items()}
    left = total - sum(out.values())
    for k in sorted(shares, key=lambda k: (-(shares[k] - out[k]), k))[:left]:
        out[k] += 1
    return out


def nspcc_figures(force_names: list[str]) -> dict[str, dict]:
    """force -> {"2015/16": total|kind, "2016/17": total|kind, "ages": {age: n, "unknown": n}}."""
    names = [n for n in force_names if n in WEIGHTS]
    rep16 = [
        n
        for n in names
        if n not in NOT_ANSWERING and n not in ONLY_2015 and n != "Wiltshire Police"
    ]
    rep15 = [
        n
        for n in names
        if n not in NOT_ANSWERING and n not in ONLY_2016 and n != "Wiltshire Police"
    ]
    # Vary growth by force so the changes are not all alike (deterministic).
    w16 = {
        n: WEIGHTS[n] * (1 + ((i * 7) % 5 - 2) * 0.06)
        for i, n in enumerate(rep16)
        if n != "Kent Police"
    }
    w15 = {
        n: WEIGHTS[n] * (1 + ((i * 3) % 5 - 2) * 0.06)
        for i, n in enumerate(rep15)
        if n != "Kent Police"
    }
    t16 = allocate(5653 - 361, w16) | {"Kent Police": 361}
    t15 = allocate(3903 - 63, w15) | {"Kent Police": 63}
    # Ages: each force gets the floor of its share of each age; the remainders go round the
    # largest forces, so every force's ages add up to no more than its total.
    national = sum(t16.values())
    ages: dict[str, dict] = {n: {} for n in t16}
    big = sorted(t16, key=lambda n: (-t16[n], n))[:12]
    turn = 0
    for age, count in AGES_2016.items():
        given = 0
        for n in t16:
            share = int(count * t16[n] / national)
            ages[n][age] = share
            given += share
        for _ in range(count - given):
            ages[big[turn % len(big)]][age] += 1
            turn += 1
    out: dict[str, dict] = {}
    for n in names:
        entry: dict = {}
        if n in NOT_ANSWERING:
            entry["2015/16"] = entry["2016/17"] = NOT_ANSWERING[n]
        elif n == "Wiltshire Police":
            continue
        else:
            entry["2015/16"] = t15.get(n, Kind.NOT_PROVIDED)
            entry["2016/17"] = t16.get(n, Kind.NOT_PROVIDED)
            if n in t16:
                recorded = {a: v for a, v in ages[n].items() if v}
                unknown = t16[n] - sum(recorded.values())
                assert unknown >= 0, n
                entry["ages"] = recorded | {"unknown": unknown}
        out[n] = entry
    return out


def _users(actor):
    User = get_user_model()
    riley = User.objects.filter(username="riley").first()
    if riley is None:
        riley = User.objects.create_user("riley", "riley@example.org")
        grant(riley, STAFF, REVIEWER)
    return actor, riley


def _enter(campaign: Campaign, actor, rows: list[dict], source: str):
    columns = sorted({k for r in rows for k in r})
    cells, index = build_cells(
        campaign=campaign,
        columns=columns,
        rows=[Row(i, r) for i, r in enumerate(rows, start=2)],
        source=source,
    )
    return figures_apply(campaign=campaign, actor=actor, cells=cells, index=index, summary=source)


def _nspcc(campaign: Campaign, actor) -> None:
    sam, riley = _users(actor)
    metric_save(
        campaign=campaign,
        spec=MetricSpec(
            slug=NSPCC_METRIC,
            label="Online-flagged child sex offences",
            unit="offences",
            notes=ILLUSTRATIVE,
            dimensions=(DimensionSpec("victim_age", "Victim age", None),),
        ),
    )
    figures = nspcc_figures([foi.force.name for foi in campaign.requests.select_related("force")])
    rows = []
    for force, entry in figures.items():
        for period in ("2015/16", "2016/17"):
            value = entry[period]
            if isinstance(value, int):
                rows.append(
                    {"force": force, "period": period, "metric": NSPCC_METRIC, "value": value}
                )
            else:
                note = {
                    Kind.NOT_HELD: "The force does not record the online flag in a retrievable way.",
                    Kind.REFUSED: "Refused under s.12: over the cost limit.",
                    Kind.NOT_PROVIDED: "Answered in part: figures for this year only on a different system.",
                }[value]
                rows.append(
                    {
                        "force": force,
                        "period": period,
                        "metric": NSPCC_METRIC,
                        "value": "",
                        "status": value,
                        "note": note,
                    }
                )
        for age, n in entry.get("ages", {}).items():
            rows.append(
                {
                    "force": force,
                    "period": "2016/17",
                    "metric": NSPCC_METRIC,
                    "victim_age": age,
                    "value": n,
                }
            )
    for row in rows:
        row.setdefault("status", "")
        row.setdefault("note", "")
        row.setdefault("victim_age", "")
    result = _enter(campaign, sam, rows, "demo figures (illustrative)")
    _approve(result.requests, riley, comment="Checked against the force's letter (demo).")


# The 2018 campaign asked for 2016/17 again: these forces gave a different number the second time
# (Kent as in the release changelog example: 361 corrected to 316).
REVISED_2016 = {"Kent Police": 316, "Northumbria Police": 212}


def _nspcc_next(campaign: Campaign, actor) -> None:
    """2016/17 as answered again (two revisions) and an invented 2017/18; approved. The metric
    and its victim-age dimension were copied from the 2017 campaign when it was run again."""
    sam, riley = _users(actor)
    names = [foi.force.name for foi in campaign.requests.select_related("force")]
    earlier = nspcc_figures(names)
    fill = allocate(600, {n: WEIGHTS[n] for n in names if n in WEIGHTS})  # forces new to 2016/17
    rows = []
    for i, name in enumerate(sorted(n for n in names if n in WEIGHTS)):
        entry = earlier.get(name, {})
        if name in NOT_ANSWERING:
            values = {"2016/17": NOT_ANSWERING[name], "2017/18": NOT_ANSWERING[name]}
        else:
            last = entry.get("2016/17")
            then = REVISED_2016.get(name, last) if isinstance(last, int) else Kind.NOT_PROVIDED
            base = then if isinstance(then, int) else fill[name] * 9
            values = {"2016/17": then, "2017/18": round(base * (1.1 + ((i * 5) % 7 - 3) * 0.04))}
        for period, value in values.items():
            row = {"force": name, "period": period, "metric": NSPCC_METRIC}
            if isinstance(value, int):
                row |= {"value": value, "status": "", "note": ""}
            else:
                note = {
                    Kind.NOT_HELD: "The force does not record the online flag retrievably.",
                    Kind.REFUSED: "Refused under s.12: over the cost limit.",
                    Kind.NOT_PROVIDED: "Answered in part: 2016/17 is on a retired system.",
                }[value]
                row |= {"value": "", "status": value, "note": note}
            rows.append(row | {"victim_age": ""})
    result = _enter(campaign, sam, rows, "demo figures (illustrative)")
    _approve(result.requests, riley, comment="Checked against the force's letter (demo).")


def _live(campaign: Campaign, actor, today: date) -> None:
    sam, riley = _users(actor)
    metric_save(
        campaign=campaign,
        spec=MetricSpec(
            slug=LIVE_METRIC,
            label=LIVE_LABEL,
            unit="offences",
            notes="Illustrative demo figures. s.15A Sexual Offences Act 2003 (from 3 April 2017); "
            "Police Scotland records offences under Scots law, so its figures are not comparable.",
            dimensions=(),
        ),
    )
    answered = [
        foi
        for foi in campaign.requests.select_related("force").order_by("force__name")
        if foi.status in ANSWERED_STATES
    ]
    rows = []
    # Two answers arrived as files (issue 13): one whose figures are taken from its cells (each
    # citing its cell), one that hides a sheet of names (quarantined on arrival).
    with_figures = [f for f in answered if f.outcome != Outcome.REFUSED and f.force.law != "foisa"]
    from_file = with_figures[0] if with_figures else None
    leaked = with_figures[1] if len(with_figures) > 1 else None
    for i, foi in enumerate(answered):
        name = foi.force.name
        if foi is from_file:
            weight = WEIGHTS.get(name, 6)
            first = int(weight * 7263 / sum(WEIGHTS.values()))
            _figures_from_file(foi, sam, first, int(first * 1.1))
            continue
        if foi.outcome == Outcome.REFUSED:
            for period in ("2024/25", "2025/26"):
                rows.append(
                    {
                        "force": name,
                        "period": period,
                        "metric": LIVE_METRIC,
                        "value": "",
                        "status": Kind.REFUSED,
                        "note": "s.12 cost limit.",
                    }
                )
            continue
        if foi.force.law == "foisa":
            for period in ("2024/25", "2025/26"):
                rows.append(
                    {
                        "force": name,
                        "period": period,
                        "metric": LIVE_METRIC,
                        "value": "",
                        "status": Kind.NOT_PROVIDED,
                        "note": "Not comparable: Scots law.",
                    }
                )
            continue
        weight = WEIGHTS.get(name, 6)
        first = int(weight * 7263 / sum(WEIGHTS.values()))
        second = int(first * (1 + ((i * 5) % 7 - 2) * 0.05))
        rows.append(
            {
                "force": name,
                "period": "2024/25",
                "metric": LIVE_METRIC,
                "value": first if first >= 5 else "<5",
                "status": "",
                "note": "",
            }
        )
        rows.append(
            {
                "force": name,
                "period": "2025/26",
                "metric": LIVE_METRIC,
                "value": second if second >= 5 else "*",
                "status": "",
                "note": "",
            }
        )
    if leaked is not None:
        attachment_add(
            request_id=leaked.pk,
            actor=sam,
            upload=SimpleUploadedFile(
                f"{_file_stem(leaked)}-foi-reply.xlsx",
                _leaky_workbook(*(r["value"] for r in rows if r["force"] == leaked.force.name)),
            ),
        )
    if not rows:
        return
    result = _enter(campaign, sam, rows, "demo figures (illustrative)")
    # One set sent back, to show the other state of the review.
    first = sorted(result.requests)[0]
    figures_send_back(
        request_id=first,
        actor=riley,
        comment="Row totals do not match the letter; please check page 2.",
    )


def _file_stem(foi: FoiRequest) -> str:
    return foi.force.name.split()[0].lower()


def _reply_workbook(force: str, first: int, second: int) -> bytes:
    """A force's answer as forces send them: title rows, a header, the figures, a footnote."""
    book = Workbook()
    sheet = book.active
    sheet.title = "FOI response"
    sheet.append([f"{force}: Freedom of Information response"])
    sheet.append(["Recorded offences of sexual communication with a child (s.15A SOA 2003)"])
    sheet.append([])
    sheet.append(["", "2024/25", "2025/26"])
    sheet.append([LIVE_LABEL, first, second])
    sheet.append([])
    sheet.append(["Figures are from the crime recording system and may change."])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _leaky_workbook(first, second) -> bytes:
    """A summary anyone may see (the figures the demo enters for the force), and a hidden sheet
    of (invented) named people: the PSNI case the screening exists for."""
    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    summary.append(["", "2024/25", "2025/26"])
    summary.append([LIVE_LABEL, first, second])
    hidden = book.create_sheet("Data")
    hidden.sheet_state = "hidden"
    hidden.append(["Crime ref", "Officer", "Victim initials", "Date of birth"])
    for n in range(1, 41):
        hidden.append([f"CR/{n:05d}/25", f"PC Example {n}", "A.B.", f"20{n % 10:02d}-01-01"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _figures_from_file(foi: FoiRequest, sam, first: int, second: int) -> None:
    """Attach the force's workbook and take its figures from the cells B5:C5 (metrics by row,
    periods by column), as a person does on the file's page; the layout is kept."""
    campaign = foi.campaign
    name = f"{_file_stem(foi)}-foi-reply.xlsx"
    data = _reply_workbook(foi.force.name, first, second)
    attachment = attachment_add(request_id=foi.pk, actor=sam, upload=SimpleUploadedFile(name, data))
    (sheet,) = read_sheets(name, data)
    spec = BlockSpec(sheet=sheet.name, block="B5:C5", rows_are=METRICS, columns_are=PERIODS)
    index = CategoryIndex(campaign)
    proposal = propose(
        sheet,
        spec,
        metrics=list(campaign.metrics.all()),
        periods=list(campaign.periods.all()),
        index=index,
        bounds=(campaign.suppressed_lower, campaign.suppressed_upper),
    )
    figures_from_cells(
        foi=foi,
        attachment=attachment,
        actor=sam,
        spec=spec,
        proposal=proposal,
        index=index,
        keep_layout=True,
    )


def _draft(campaign: Campaign) -> None:
    """The metric only: the draft has not been sent, so no force has answered."""
    metric_save(
        campaign=campaign,
        spec=MetricSpec(
            slug=DRAFT_METRIC,
            label="Indecent image offences, shared online",
            unit="offences",
            notes="Protection of Children Act 1978 s.1 and Criminal Justice Act 1988 s.160 "
            "offences with the online flag.",
            dimensions=(),
        ),
    )


def _councils(campaign: Campaign, actor) -> None:
    """The Welsh councils' answers (invented figures, about 2,300 a year), approved, so
    the totals and headlines speak of councils: "recorded by 20 of 22 Welsh councils"."""
    sam, riley = _users(actor)
    metric_save(
        campaign=campaign,
        spec=MetricSpec(
            slug=COUNCILS_METRIC,
            label="Children who started to be looked after",
            unit="children",
            notes="Illustrative: per-council figures are invented for the demo.",
            dimensions=(),
        ),
    )
    answered = [
        foi.force.name
        for foi in campaign.requests.select_related("force")
        if foi.status in ANSWERED_STATES
    ]
    weights = {name: COUNCIL_WEIGHTS.get(name, 100) for name in answered}
    rows = [
        {"force": name, "period": period, "metric": COUNCILS_METRIC, "value": value}
        for period, total in (("2023/24", 2390), ("2024/25", 2270))
        for name, value in allocate(total, weights).items()
    ]
    if rows:
        result = _enter(campaign, sam, rows, "demo figures (illustrative)")
        _approve(result.requests, riley, comment="Checked against the council's letter (demo).")


def demo_extension(campaign: Campaign, *, actor, today: date) -> None:
    if campaign.slug == NSPCC_SLUG:
        _nspcc(campaign, actor)
    elif campaign.slug == NSPCC_NEXT_SLUG:
        _nspcc_next(campaign, actor)
    elif campaign.slug == LIVE_SLUG:
        _live(campaign, actor, today)
    elif campaign.slug == DRAFT_SLUG:
        _draft(campaign)
    elif campaign.slug == COUNCILS_SLUG:
        _councils(campaign, actor)
