"""Build the benchmark data set in bulk: N times the NSPCC's size, straight into the tables.

Scale 1 is one charity's worth (about 11 campaigns, 480 requests, 16,000 figures); scale 100 is
what issue 11 measures (1,064 campaigns, 47,880 requests, about 1.6M figures, 25,000 requests
still open and mostly overdue, about 3,250 figure sets waiting for review). Each campaign asks
45 forces (the 43 of England and Wales, Police Scotland and the PSNI) about four financial
years, one metric broken down by victim age (0-17 and unknown).

Rows are written with COPY on PostgreSQL and executemany on SQLite, with every foreign-key check
and trigger on (issue 28: nothing turns them off, set-up included), ids assigned here so that
children can point at their parents without reading anything back; services and history are
bypassed (no FigureChange rows, no request events), so this is for benchmark databases only.
A seeded random generator makes every build of a scale the same data.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

PREFIX = "bulk"
CAMPAIGNS_PER_SCALE = 10.64  # 1,064 campaigns at scale 100 (issue 11)
FORCES_PER_CAMPAIGN = 45
YEARS = [2020, 2021, 2022, 2023]
AGES = 18
OPEN_SHARE = 0.52  # 25k of 48k requests still awaiting an answer
PENDING_SHARE = 0.14  # of the answered: ~3,250 figure sets waiting for review at scale 100
IMPORT_PERIODS = 4


def campaigns_at(scale: float) -> int:
    return max(1, round(CAMPAIGNS_PER_SCALE * scale))


class BulkWriter:
    """Rows of one model as tuples in its concrete columns' order, defaults filled in once."""

    def __init__(self, model: type[models.Model], now: datetime) -> None:
        self.model = model
        self.table = model._meta.db_table
        self.postgres = connection.vendor == "postgresql"
        self.fields = [f for f in model._meta.concrete_fields]
        self.columns = [f.column for f in self.fields]
        self.index = {f.attname: i for i, f in enumerate(self.fields)}
        template = []
        self.per_row: list[tuple[int, Callable[[], object]]] = []
        for i, f in enumerate(self.fields):
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            else:
                if f.has_default() and callable(f.default) and f.unique:
                    self.per_row.append((i, f.default))
                value = f.get_default()  # "" for text without a default, as the ORM writes
            template.append(self.adapt(f, value))
        self.template = template
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(self.table)}")
            self.next_id = (cursor.fetchone()[0] or 0) + 1
        self.rows: list[tuple] = []
        self.written = 0

    def adapt(self, field: models.Field, value):
        if value is None:
            return None
        if isinstance(field, models.JSONField):
            return json.dumps(value)
        if not self.postgres:
            if isinstance(value, datetime):
                return connection.ops.adapt_datetimefield_value(value)
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, bool):
                return int(value)
        return value

    def add(self, **values) -> int:
        row = list(self.template)
        pk = self.next_id
        self.next_id += 1
        row[self.index["id"]] = pk
        for i, default in self.per_row:
            row[i] = default()
        for name, value in values.items():
            i = self.index[name]
            row[i] = self.adapt(self.fields[i], value)
        self.rows.append(tuple(row))
        return pk

    def flush(self) -> None:
        if not self.rows:
            return
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.copy(f"COPY {quote(self.table)} ({columns}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({marks})", self.rows
                )
        self.written += len(self.rows)
        self.rows = []


@dataclass
class Built:
    campaigns: int
    requests: int
    figures: int
    pending_reviews: int
    open_requests: int
    seconds: float = 0.0


def _users():
    from django.contrib.auth import get_user_model

    from requests_app.roles import REVIEWER, STAFF, grant

    User = get_user_model()
    made = []
    for username, roles in (("bench-maker", [STAFF]), ("bench-checker", [STAFF, REVIEWER])):
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@example.org",
                "first_name": "Bench",
                "last_name": username.split("-")[1].title(),
            },
        )
        if created:
            grant(user, *roles)
        made.append(user)
    return made


def _forces():
    from requests_app.models import Force, ForceList

    england_wales = list(ForceList.objects.get(slug="england-and-wales").forces.order_by("name"))
    others = list(
        Force.objects.exclude(pk__in=[f.pk for f in england_wales])
        .filter(country__in=["scotland", "northern_ireland"], kind="police")
        .order_by("name")
    )
    forces = (england_wales + others)[:FORCES_PER_CAMPAIGN]
    # Chasers go only to forces with an FOI address; the migrations leave them empty.
    for force in forces:
        if not force.foi_email:
            force.foi_email = f"foi@{force.slug}.police.example"
            force.save(update_fields=["foi_email"])
    return forces


def build(
    scale: float,
    *,
    today: date,
    first: int = 0,
    count: int | None = None,
    seed: int = 11,
    chunk: int = 25,
    progress: Callable[[str], None] | None = None,
) -> Built:
    """Write campaigns number `first` to `first + count` (default: all of the scale)."""
    from figures_app.models import (
        Category,
        Dimension,
        Figure,
        FigureReview,
        Kind,
        Metric,
        ReviewState,
    )
    from requests_app.calendars import calendars
    from requests_app.models import Campaign, FoiRequest, ForceList, Period
    from requests_app.workflow import Outcome, Status

    total = campaigns_at(scale)
    count = total - first if count is None else count
    maker, checker = _users()
    forces = _forces()
    force_list = ForceList.objects.get(slug="england-and-wales")
    cals = calendars()
    now = timezone.now()
    built = Built(0, 0, 0, 0, 0)
    models_written = [Campaign, Period, Metric, Dimension, Category, FoiRequest, Figure]
    models_written.append(FigureReview)
    for start in range(first, first + count, chunk):
        end = min(first + count, start + chunk)
        writers = {m: BulkWriter(m, now) for m in models_written}
        for n in range(start, end):
            rng = random.Random(seed * 1_000_003 + n)
            w = writers
            campaign = w[Campaign].add(
                slug=f"{PREFIX}-{n:04d}",
                title=f"Online-flagged child sexual offences, benchmark {n}",
                owner_id=maker.pk,
                request_text="Dear {force_name}, please tell me how many ... for {periods}.",
                notes="Built by bench/build.py for benchmarks.",
                force_list_id=force_list.pk,
                chase_forces=True,
            )
            periods = [
                w[Period].add(
                    campaign_id=campaign,
                    label=f"{y}/{(y + 1) % 100:02d}",
                    start=date(y, 4, 1),
                    end=date(y + 1, 3, 31),
                    position=i,
                )
                for i, y in enumerate(YEARS)
            ]
            metric = w[Metric].add(
                campaign_id=campaign, slug="offences", label="Online-flagged offences"
            )
            dim = w[Dimension].add(
                metric_id=metric, slug="victim_age", label="Victim age", inferred=True
            )
            cats = [
                w[Category].add(
                    dimension_id=dim, value=str(a), label=str(a), numeric_value=a, position=0
                )
                for a in range(AGES)
            ]
            cats.append(
                w[Category].add(
                    dimension_id=dim, value="unknown", label="Unknown", is_unknown=True, position=1
                )
            )
            built.campaigns += 1
            for force in forces:
                cal = cals[force.law]
                if rng.random() < OPEN_SHARE:
                    # Sent 10 to 90 days ago: most overdue (first chaser owed), many long enough
                    # for the second, some not yet due (the steady state has them to skip).
                    sent = today - timedelta(days=rng.randint(10, 90))
                    due = cal.add_working_days(sent, 20)
                    w[FoiRequest].add(
                        campaign_id=campaign,
                        force_id=force.pk,
                        status=Status.SENT,
                        sent_on=sent,
                        received_on=sent,
                        due_on=due,
                        next_due_on=due,
                        next_long_overdue_on=cal.add_working_days(sent, 40),
                    )
                    built.open_requests += 1
                    built.requests += 1
                    continue
                roll = rng.random()
                outcome = (
                    Outcome.FULL
                    if roll < 0.9
                    else Outcome.NOT_HELD
                    if roll < 0.95
                    else Outcome.REFUSED
                )
                sent = date(2024, 5, 1)
                foi = w[FoiRequest].add(
                    campaign_id=campaign,
                    force_id=force.pk,
                    status=Status.ANSWERED,
                    outcome=outcome,
                    exemptions=["foia:s12"] if outcome == Outcome.REFUSED else [],
                    sent_on=sent,
                    received_on=sent,
                    answered_on=sent + timedelta(days=rng.randint(5, 40)),
                    due_on=cal.add_working_days(sent, 20),
                )
                built.requests += 1
                size = rng.randint(20, 600)
                for period in periods:
                    common = {
                        "request_id": foi,
                        "metric_id": metric,
                        "period_id": period,
                        "entered_by_id": maker.pk,
                        "updated_by_id": maker.pk,
                    }
                    if outcome != Outcome.FULL:
                        kind = Kind.NOT_HELD if outcome == Outcome.NOT_HELD else Kind.REFUSED
                        w[Figure].add(
                            kind=kind,
                            raw_text=kind.label,
                            exemption="foia:s12" if kind == Kind.REFUSED else "",
                            **common,
                        )
                        built.figures += 1
                        continue
                    total = int(size * rng.uniform(0.8, 1.3))
                    w[Figure].add(kind=Kind.REPORTED, value=total, raw_text=str(total), **common)
                    left = total
                    for age, cat in enumerate(cats[:-1]):
                        share = int(total * rng.uniform(0, 0.08)) if age >= 8 else rng.randint(0, 3)
                        share = min(share, left)
                        left -= share
                        if 0 < share < 5 and rng.random() < 0.3:
                            w[Figure].add(
                                kind=Kind.SUPPRESSED,
                                lower=1,
                                upper=4,
                                raw_text="<5",
                                category_id=cat,
                                category_key=str(cat),
                                **common,
                            )
                        else:
                            w[Figure].add(
                                kind=Kind.REPORTED,
                                value=share,
                                raw_text=str(share),
                                category_id=cat,
                                category_key=str(cat),
                                **common,
                            )
                    w[Figure].add(
                        kind=Kind.REPORTED,
                        value=left,
                        raw_text=str(left),
                        category_id=cats[-1],
                        category_key=str(cats[-1]),
                        **common,
                    )
                    built.figures += AGES + 2
                pending = rng.random() < PENDING_SHARE
                submitted = now - timedelta(minutes=rng.randint(60, 60 * 24 * 60))
                w[FigureReview].add(
                    request_id=foi,
                    state=ReviewState.PENDING if pending else ReviewState.APPROVED,
                    submitted_by_id=maker.pk,
                    submitted_at=submitted,
                    reviewed_by_id=None if pending else checker.pk,
                    reviewed_at=None if pending else submitted + timedelta(hours=2),
                )
                built.pending_reviews += pending
        with transaction.atomic():
            for writer in writers.values():
                writer.flush()
        if progress:
            progress(f"  {end - first} of {count} campaigns written ({built.figures:,} figures)")
    _after_bulk(models_written)
    return built


def build_import_file(
    *, slug: str, rows: int, today: date, seed: int = 7
) -> tuple[object, Iterator[list[str]]]:
    """A campaign ready for a tidy import of `rows` figures (45 answered requests, four periods,
    one metric broken down by a dimension with enough categories), and the file's rows."""
    from figures_app.models import Category, Dimension, Metric
    from requests_app.models import Campaign, FoiRequest, Period
    from requests_app.workflow import Outcome, Status

    maker, _ = _users()
    forces = _forces()
    campaign = Campaign.objects.create(
        slug=slug,
        title=f"Tidy import benchmark ({rows:,} rows)",
        request_text="Dear {force_name}, ...",
        owner=maker,
    )
    periods = Period.objects.bulk_create(
        Period(
            campaign=campaign,
            label=f"{y}/{(y + 1) % 100:02d}",
            start=date(y, 4, 1),
            end=date(y + 1, 3, 31),
            position=i,
        )
        for i, y in enumerate(range(2020, 2020 + IMPORT_PERIODS))
    )
    metric = Metric.objects.create(campaign=campaign, slug="offences", label="Recorded offences")
    dim = Dimension.objects.create(metric=metric, slug="location", label="Location")
    per_cell = len(forces) * len(periods)
    categories = -(-rows // per_cell) - 1  # and one total per force and period
    Category.objects.bulk_create(
        Category(dimension=dim, value=f"area {i:04d}", label=f"Area {i:04d}", position=i)
        for i in range(categories)
    )
    FoiRequest.objects.bulk_create(
        FoiRequest(
            campaign=campaign,
            force=force,
            status=Status.ANSWERED,
            outcome=Outcome.FULL,
            sent_on=today - timedelta(days=60),
            received_on=today - timedelta(days=60),
            answered_on=today - timedelta(days=20),
        )
        for force in forces
    )
    rng = random.Random(seed)

    def lines() -> Iterator[list[str]]:
        yield ["force", "period", "metric", "location", "value"]
        written = 0
        for force in forces:
            for period in periods:
                for i in range(-1, categories):
                    if written == rows:
                        return
                    area = "" if i < 0 else f"area {i:04d}"
                    value = "<5" if rng.random() < 0.05 else str(rng.randint(0, 900))
                    yield [force.name, period.label, metric.slug, area, value]
                    written += 1

    return campaign, lines()


def _after_bulk(models_written: Iterable[type[models.Model]]) -> None:
    """Sequences past the ids written here; fresh planner statistics. On PostgreSQL also VACUUM,
    as autovacuum leaves a table in use: freshly COPYed rows are not yet marked all-visible, so
    every index-only scan (the "has figures" probes) would read the table as well, which a
    running site does not (the dashboard's counts measured 40% slower before it)."""
    from figures_app import has_figures

    # The rows are written with every check and trigger on; put FoiRequest's has_figures right
    # where its trigger could not set it (a figure written before its request in the same
    # transaction: the foreign keys are checked at commit).
    has_figures.put_right(connection)
    # The rows were written round the services, which keep the dashboard's per-campaign
    # deadline counts (issue 28): count them for today, as the beat job would.
    from django.utils import timezone

    from requests_app.services.deadline_counts import deadline_counts_refresh

    deadline_counts_refresh(today=timezone.localdate())
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models_written)):
            cursor.execute(sql)
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
