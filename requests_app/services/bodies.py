"""Importing a list of public bodies into the registry (issue 30): the `import_bodies` command
and the staff page both call `bodies_import`.

Each row is matched to a body already known by its code, then by its name, short name or one of
its other names (within the kind being imported: "Kent" the council is not Kent Police). Every
row is planned first; if any is refused nothing is written, and the report says which line and
why. Otherwise the creates and updates are written in one transaction. A second run of the same
file finds every body as it is and writes nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify

from requests_app.body_lists import BodyRow
from requests_app.force_names import normalise
from requests_app.models import Force, ForceAlias
from requests_app.models.forces import AddressChangeVia, BodyKind, Country, Law, law_for_nation
from requests_app.services.data_versions import forces_data_changed
from requests_app.services.deadlines import deadlines_refresh_all
from requests_app.services.forces import force_set_foi_email

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

CREATED, UPDATED, UNCHANGED, DUPLICATE, REFUSED = (
    "created",
    "updated",
    "unchanged",
    "duplicate",
    "refused",
)
_CODE = re.compile(r"^[A-Z0-9]{1,9}$")
# A GSS code's first letter is its nation (E06000001, W06000001, S12000033, N09000001).
_CODE_NATIONS = {
    "E": Country.ENGLAND,
    "W": Country.WALES,
    "S": Country.SCOTLAND,
    "N": Country.NORTHERN_IRELAND,
}
_NATION_WORDS = {
    "england": Country.ENGLAND,
    "english": Country.ENGLAND,
    "e": Country.ENGLAND,
    "wales": Country.WALES,
    "welsh": Country.WALES,
    "cymru": Country.WALES,
    "w": Country.WALES,
    "scotland": Country.SCOTLAND,
    "scottish": Country.SCOTLAND,
    "s": Country.SCOTLAND,
    "northern ireland": Country.NORTHERN_IRELAND,
    "ni": Country.NORTHERN_IRELAND,
    "n": Country.NORTHERN_IRELAND,
    "uk": Country.UK_WIDE,
    "uk wide": Country.UK_WIDE,
    "united kingdom": Country.UK_WIDE,
}
# Words a list adds or drops without naming another body ("Cardiff Council", "Cardiff").
_FILLER = {"council", "the"}


@dataclass
class BodyLine:
    line: int
    outcome: str
    name: str
    detail: str = ""


@dataclass
class BodiesReport:
    kind: str
    lines: list[BodyLine] = field(default_factory=list)
    written: bool = False

    @property
    def counts(self) -> Counter:
        return Counter(line.outcome for line in self.lines)

    @property
    def refused(self) -> list[BodyLine]:
        return [line for line in self.lines if line.outcome == REFUSED]

    def summary(self) -> str:
        counts = self.counts
        text = ", ".join(
            f"{counts[o]} {o}" for o in (CREATED, UPDATED, UNCHANGED, DUPLICATE, REFUSED)
        )
        if self.refused:
            return f"{text}. Nothing was written: put the refused lines right and import again."
        return f"{text}." if self.written else f"{text} (nothing written)."


@dataclass
class _Plan:
    row: BodyRow
    body: Force | None
    fields: dict
    email: str | None = None  # a new FOI address to set, with its audit row
    aliases: list[tuple[str, bool]] = field(default_factory=list)  # (name, is_former_name)
    changes: list[str] = field(default_factory=list)


def _key(name: str) -> str:
    return " ".join(w for w in normalise(name).split() if w not in _FILLER)


class _Registry:
    """The registry read once (two queries): bodies by code, and this kind's by name."""

    def __init__(self, kind: str) -> None:
        bodies = list(Force.objects.prefetch_related("aliases"))
        self.by_code = {b.ons_code.upper(): b for b in bodies if b.ons_code}
        self.names = {b.name.lower(): b for b in bodies}
        self.slugs = {b.slug for b in bodies}
        self.by_key: dict[str, set[int]] = {}
        self.bodies = {b.pk: b for b in bodies}
        for body in bodies:
            if body.kind != kind:
                continue
            for name in (body.name, body.short_name, *(a.name for a in body.aliases.all())):
                if _key(name):
                    self.by_key.setdefault(_key(name), set()).add(body.pk)

    def by_name(self, names: list[str]) -> list[Force]:
        for name in names:
            found = self.by_key.get(_key(name))
            if found:
                return [self.bodies[pk] for pk in sorted(found)]
        return []

    def free_slug(self, name: str, kind: str) -> str:
        base = slugify(name)[:70] or "body"
        slug = base if base not in self.slugs else f"{base}-{kind}"
        n = 2
        while slug in self.slugs:
            slug, n = f"{base}-{kind}-{n}", n + 1
        self.slugs.add(slug)
        return slug


class _Refused(ValueError):
    pass


def _nation(row: BodyRow, code: str, default: str, body: Force | None) -> str:
    if row.nation:
        nation = _NATION_WORDS.get(" ".join(normalise(row.nation).split()))
        if nation is None:
            raise _Refused(
                f"nation '{row.nation}' is not one of England, Wales, Scotland, Northern Ireland."
            )
        return nation
    if code[:1] in _CODE_NATIONS and len(code) == 9:
        return _CODE_NATIONS[code[0]]
    if default:
        return default
    if body is not None:
        return body.country
    raise _Refused("no nation: give a nation (or country) column, a GSS code or --nation.")


def _law(row: BodyRow, nation: str) -> str:
    if not row.law:
        return law_for_nation(nation)
    law = row.law.strip().lower()
    if law not in Law.values:
        raise _Refused(f"law '{row.law}' is neither FOIA nor FOISA.")
    return law


def _checked(row: BodyRow) -> tuple[str, str]:
    """(code, email) of a row, or _Refused."""
    if not row.name:
        raise _Refused("no name.")
    if len(row.name) > 120:
        raise _Refused("the name is longer than 120 characters.")
    code = re.sub(r"\s+", "", row.code).upper()
    if code and not _CODE.match(code):
        raise _Refused(f"code '{row.code}' is not a code (up to 9 letters and digits).")
    email = row.email.strip()
    if email.lower().startswith("mailto:"):
        email = email[7:]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise _Refused(f"'{row.email}' is not an email address.") from None
    if any(len(a) > 120 for a in row.aliases):
        raise _Refused("another name is longer than 120 characters.")
    return code, email


def _match(row: BodyRow, code: str, kind: str, registry: _Registry) -> Force | None:
    body = registry.by_code.get(code) if code else None
    if body is not None and body.kind != kind:
        raise _Refused(
            f"code {code} is {body.name}'s, a {body.get_kind_display().lower()}, not a "
            f"{BodyKind(kind).label.lower()}."
        )
    if body is not None:
        return body
    found = registry.by_name([row.name, *row.aliases])
    if len(found) > 1:
        raise _Refused(f"'{row.name}' could be {' or '.join(b.name for b in found)}.")
    body = found[0] if found else None
    if body is not None and code and body.ons_code and body.ons_code.upper() != code:
        raise _Refused(f"'{row.name}' is {body.name}, whose code is {body.ons_code}, not {code}.")
    if body is None and row.name.lower() in registry.names:
        other = registry.names[row.name.lower()]
        raise _Refused(
            f"a {other.get_kind_display().lower()} is already called {other.name}; give this "
            "one its full name."
        )
    return body


def _plan_new(row, *, code, email, nation, law, kind, registry) -> _Plan:
    fields = {
        "name": row.name,
        "short_name": (row.short_name or row.name)[:60],
        "slug": registry.free_slug(row.name, kind),
        "ons_code": code,
        "kind": kind,
        "country": nation,
        "law": law,
        "region": Country(nation).label,
    }
    registry.names[row.name.lower()] = Force(**fields)
    return _Plan(row, None, fields, email or None, [(a, False) for a in row.aliases])


def _plan_update(row, body: Force, *, code, email, nation, law, registry) -> _Plan:
    plan = _Plan(row, body, {})
    by_code = bool(code) and body.ons_code.upper() == code
    aliases = list(row.aliases)
    if row.name != body.name and not by_code:
        # Matched by a name, loosely: the list's spelling is another name, not a rename.
        aliases.insert(0, row.name)
    elif row.name != body.name:
        # Matched by code under another name: the list's name is the body's name now.
        if row.name.lower() in registry.names and registry.names[row.name.lower()] != body:
            raise _Refused(f"another body is already called {row.name}.")
        plan.fields["name"] = row.name
        plan.aliases.append((body.name, True))
        plan.changes.append(f"renamed from {body.name}")
    if code and not body.ons_code:
        plan.fields["ons_code"] = code
        plan.changes.append(f"code {code}")
    if nation != body.country:
        plan.fields["country"] = nation
        plan.changes.append(f"nation {Country(nation).label}")
        # An imported body's region is its nation (_plan_new): keep it so, for the groupings.
        if body.region == Country(body.country).label:
            plan.fields["region"] = Country(nation).label
    if law != body.law:
        plan.fields["law"] = law
        plan.changes.append(f"law {Law(law).label}")
    if email and email != body.foi_email:
        plan.email = email
        plan.changes.append(f"FOI address {email}")
    known = {normalise(n) for n in (body.name, body.short_name, *plan.fields.values())}
    known |= {normalise(a.name) for a in body.aliases.all()}
    for alias in aliases:
        if normalise(alias) not in known:
            plan.aliases.append((alias, False))
            plan.changes.append(f"also known as {alias}")
            known.add(normalise(alias))
    return plan


def _signature(row: BodyRow) -> tuple:
    return (row.name.lower(), row.code.upper(), row.nation.lower(), row.email.lower())


def _plan_row(row, *, kind, nation_default, registry, seen) -> _Plan | BodyLine:
    code, email = _checked(row)
    for key in filter(None, [f"code:{code}" if code else "", f"name:{_key(row.name)}"]):
        if key in seen:
            first, signature = seen[key]
            if signature == _signature(row):
                return BodyLine(row.line, DUPLICATE, row.name, f"the same as line {first}")
            raise _Refused(f"line {first} already gives this {key.split(':')[0]}.")
    for key in filter(None, [f"code:{code}" if code else "", f"name:{_key(row.name)}"]):
        seen[key] = (row.line, _signature(row))
    body = _match(row, code, kind, registry)
    nation = _nation(row, code, nation_default, body)
    law = _law(row, nation)
    if body is None:
        return _plan_new(
            row, code=code, email=email, nation=nation, law=law, kind=kind, registry=registry
        )
    return _plan_update(
        row, body, code=code, email=email, nation=nation, law=law, registry=registry
    )


def bodies_plan(
    rows: list[BodyRow], *, kind: str, nation: str = ""
) -> tuple[BodiesReport, list[_Plan]]:
    """What importing `rows` as bodies of `kind` would do, line by line. No writes."""
    if kind not in BodyKind.values:
        raise ValueError(f"Unknown kind '{kind}'; one of {', '.join(BodyKind.values)}.")
    registry = _Registry(kind)
    report, plans, seen = BodiesReport(kind=kind), [], {}
    for row in rows:
        try:
            planned = _plan_row(row, kind=kind, nation_default=nation, registry=registry, seen=seen)
        except _Refused as exc:
            report.lines.append(BodyLine(row.line, REFUSED, row.name, str(exc)))
            continue
        if isinstance(planned, BodyLine):
            report.lines.append(planned)
            continue
        if planned.body is None:
            outcome = CREATED
        else:
            outcome = UPDATED if planned.changes else UNCHANGED
        report.lines.append(BodyLine(row.line, outcome, row.name, "; ".join(planned.changes)))
        plans.append(planned)
    return report, plans


def bodies_import(
    rows: list[BodyRow],
    *,
    kind: str,
    actor: AbstractBaseUser | None,
    nation: str = "",
    source: str = "",
    dry_run: bool = False,
) -> BodiesReport:
    """Import a list of bodies of `kind`: all of it in one transaction, or (any line refused, or
    `dry_run`) nothing. `nation` is the nation of rows that give none. `source` (the file's
    name) goes on each FOI address's audit row."""
    report, plans = bodies_plan(rows, kind=kind, nation=nation)
    if report.refused or dry_run:
        return report
    with transaction.atomic():
        for plan in plans:
            body = plan.body
            if body is None:
                body = Force.objects.create(**plan.fields)
            elif plan.fields:
                for name, value in plan.fields.items():
                    setattr(body, name, value)
                body.save(update_fields=list(plan.fields))
            ForceAlias.objects.bulk_create(
                [ForceAlias(force=body, name=n, is_former_name=f) for n, f in plan.aliases],
                ignore_conflicts=True,
            )
            if plan.email:
                force_set_foi_email(
                    force_id=body.pk,
                    actor=actor,
                    foi_email=plan.email,
                    via=AddressChangeVia.IMPORT,
                    note=f"Imported from {source}" if source else "Imported from a list",
                )
        # A body whose law changed is due on the other calendar: its requests' dates move.
        deadlines_refresh_all(force_ids=[p.body.pk for p in plans if p.body and "law" in p.fields])
        # A body renamed shows in the totals of the campaigns that asked it (issue 28's cache).
        forces_data_changed(force_ids=[p.body.pk for p in plans if p.body and p.fields])
    report.written = True
    return report
