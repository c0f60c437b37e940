"""Reads: one metric over every campaign of a series (issue 14).

The campaigns of a series ask the same question year after year; each asks about some periods
(2017: 2015/16 and 2016/17; 2018: 2016/17 again and 2017/18). Across them:

- a metric is the metrics with the same slug (metrics belong to a campaign); a period is the
  same dates (its label is the latest campaign's); a category is the same dimension and value;
- a force is the force as it is now: a force that merged into another (no longer active, its
  name a former name of the other) counts as the force it joined, its figures added to that
  force's (two forces asked then are one unit now, so a period's figure is never counted twice
  when the merged force restates it). Coverage counts forces as they are now;
- the figure used for a force and period is the latest approved one (the latest campaign that
  has one), or with as_reported="first" the earliest: a figure given again differently is a
  revision, kept both ways and listed;
- totals follow the totals page (figures_app/selectors/totals.py): a force's headline figure is
  its total, or where it gave none its breakdown by the first dimension added up; exact values
  give the lower bound, each suppressed cell's upper bound is added for the upper bound, never
  derived by subtraction; like for like over the forces reporting both periods.

A fixed number of queries however many campaigns the series holds: the figures are read once
(every cell of every campaign, for the revisions) and the choices made in memory.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from figures_app.models import (
    REPORTING_KINDS,
    Category,
    Figure,
    FigureSource,
    Kind,
    Metric,
    ReviewState,
)
from figures_app.selectors.basis import APPROVED, change_pct
from figures_app.selectors.reasons import figure_review_of, missing_reason
from requests_app.models import Campaign, FoiRequest, Force, Series
from requests_app.selectors.force_successors import successors

LATEST = "latest"
FIRST = "first"
AS_REPORTED = (LATEST, FIRST)

PeriodKey = tuple[date, date]
CellKey = tuple[tuple[str, str], ...]  # ((dimension slug, category value), ...) sorted; () total


@dataclass
class SeriesPeriod:
    key: PeriodKey
    label: str
    total: int = 0
    total_upper: int = 0
    suppressed_cells: int = 0
    forces_reporting: int = 0
    forces_asked: int = 0
    published: int = 0  # forces whose figure used here was loaded from what was published

    @property
    def start(self) -> date:
        return self.key[0]

    @property
    def end(self) -> date:
        return self.key[1]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def per_day(self) -> float:
        return self.total / self.days


@dataclass(frozen=True)
class State:
    """What one campaign says of one cell (or headline figure) of a force as it is now. As in
    the totals: `lower` is the sum of exact values, `upper` adds each suppressed cell's upper
    bound; `floor` adds their lower bounds (what the cells can be at least, for comparing)."""

    lower: int
    upper: int
    floor: int
    suppressed_cells: int
    reported_cells: int
    campaign: Campaign
    reported_on: date | None
    published: bool
    partial: bool  # a merged force's figure with some of its former forces missing

    @property
    def exact(self) -> bool:
        return not self.suppressed_cells

    @property
    def value(self) -> int | None:
        """The exact part; None when only suppressed cells (as on the totals page)."""
        return self.lower if self.reported_cells else None

    def consistent_with(self, other: State) -> bool:
        """Both can be true at once: equal exact values, or ranges that overlap (a "<5" later
        given as 3 is disclosed, not revised)."""
        return self.floor <= other.upper and other.floor <= self.upper


@dataclass
class Revision:
    force: Force
    period: SeriesPeriod
    category: str  # "" for the total, else "victim_age=13" ("; " between dimensions)
    states: list[State]  # every campaign that gave this cell, oldest first

    @property
    def first(self) -> State:
        return self.states[0]

    @property
    def latest(self) -> State:
        return self.states[-1]

    @property
    def amount(self) -> int | None:
        """Latest minus first, when both are exact."""
        if self.first.exact and self.latest.exact:
            return self.latest.lower - self.first.lower
        return None


@dataclass
class SeriesCell:
    """A force's figure for a period as the series uses it."""

    state: State | None
    reason: str = ""  # why there is none
    revised: bool = False
    disclosed: bool = False  # suppressed once, given exactly later

    @property
    def value(self) -> int | None:
        return self.state.value if self.state else None


@dataclass
class SeriesForceRow:
    force: Force
    former: list[Force]  # forces asked before that are part of this one now
    cells: dict[PeriodKey, SeriesCell]
    revisions: list[Revision] = field(default_factory=list)
    change_pct: float | None = None  # between the series' last two periods

    def cell(self, period: SeriesPeriod) -> SeriesCell:
        return self.cells.get(period.key) or SeriesCell(None, "not asked")


@dataclass
class LikeForLike:
    from_period: SeriesPeriod
    to_period: SeriesPeriod
    forces: int
    from_total: int
    to_total: int
    from_upper: int
    to_upper: int

    @property
    def change_pct(self) -> float | None:
        return change_pct(self.from_total, self.to_total) if self.forces else None


@dataclass
class SeriesTotals:
    series: Series
    metric_slug: str
    metric: Metric | None  # the latest campaign's metric of that slug (label, unit, notes)
    as_reported: str
    basis: str
    campaigns: list[Campaign]  # oldest first
    periods: list[SeriesPeriod]
    forces: list[SeriesForceRow]
    revisions: list[Revision]
    disclosed: int  # suppressed cells later given exactly (consistent: not revisions)
    rounding_rule: str

    @property
    def reported(self) -> bool:
        return any(p.forces_reporting for p in self.periods)

    def period(self, label: str) -> SeriesPeriod | None:
        return next((p for p in self.periods if p.label == label), None)

    def like_for_like(self, before: SeriesPeriod, after: SeriesPeriod) -> LikeForLike:
        """Over the forces (as they are now) with a whole figure in both periods."""
        result = LikeForLike(before, after, 0, 0, 0, 0, 0)
        for row in self.forces:
            a, b = row.cell(before).state, row.cell(after).state
            if a is None or b is None or a.partial or b.partial:
                continue
            result.forces += 1
            result.from_total += a.lower
            result.to_total += b.lower
            result.from_upper += a.upper
            result.to_upper += b.upper
        return result

    @property
    def revised_total(self) -> int:
        """Latest minus first, added over the revisions with exact values both times."""
        return sum(r.amount for r in self.revisions if r.amount is not None)


def series_metric_slugs(series: Series) -> list[str]:
    """The metrics asked in the series, by slug, the latest campaign's order first."""
    slugs: list[str] = []
    for slug in (
        Metric.objects.filter(campaign__series=series)
        .order_by("-campaign__created_at", "position", "pk")
        .values_list("slug", flat=True)
    ):
        if slug not in slugs:
            slugs.append(slug)
    return slugs


def _campaign_order(campaign: Campaign) -> tuple:
    ends = [p.end for p in campaign.periods.all()]
    return (max(ends) if ends else date.min, campaign.created_at, campaign.pk)


def _category_label(key: CellKey, order: dict[str, int]) -> str:
    return "; ".join(
        f"{d}={v}" for d, v in sorted(key, key=lambda dv: (order.get(dv[0], 99), dv[0]))
    )


def series_totals(
    *,
    series: Series,
    metric_slug: str,
    as_reported: str = LATEST,
    basis: str = APPROVED,
    today: date,
    only_force: Force | None = None,
) -> SeriesTotals:
    """One metric over the series. `only_force` keeps one force's row (the force page)."""
    if as_reported not in AS_REPORTED:
        raise ValueError(f"as must be one of {', '.join(AS_REPORTED)}")
    campaigns = sorted(
        Campaign.objects.filter(series=series).prefetch_related("periods"), key=_campaign_order
    )
    metrics = list(
        Metric.objects.filter(campaign__in=campaigns, slug=metric_slug).prefetch_related(
            "dimensions"
        )
    )
    metric_of = {m.campaign_id: m for m in metrics}
    # A campaign that did not ask this metric asked no force about it.
    asking_metric = [c for c in campaigns if c.pk in metric_of]
    first_dimension = {
        m.pk: (dims[0].pk if (dims := list(m.dimensions.all())) else None) for m in metrics
    }
    dim_order: dict[str, int] = {}
    for m in metrics:
        for d in m.dimensions.all():
            dim_order.setdefault(d.slug, d.position)
    categories = {
        pk: (dim_slug, value, dim_id)
        for pk, dim_slug, value, dim_id in Category.objects.filter(
            dimension__metric__in=metrics
        ).values_list("pk", "dimension__slug", "value", "dimension_id")
    }

    # Periods: the same dates are the same period; the label is the latest campaign's.
    periods: dict[PeriodKey, SeriesPeriod] = {}
    period_key: dict[int, PeriodKey] = {}
    asked_periods: dict[int, list[PeriodKey]] = {}
    for campaign in campaigns:
        keys = []
        for p in campaign.periods.all():
            key = (p.start, p.end)
            period_key[p.pk] = key
            keys.append(key)
            periods.setdefault(key, SeriesPeriod(key=key, label=p.label)).label = p.label
        asked_periods[campaign.pk] = keys
    ordered_periods = sorted(periods.values(), key=lambda p: p.key)

    # Forces as they are now.
    requests = list(
        FoiRequest.objects.filter(campaign__in=campaigns)
        .select_related("force", "figure_review")
        .order_by("force__name", "pk")
    )
    forces = {foi.force_id: foi.force for foi in requests}
    now = successors(forces.values())
    unit_of = {pk: now.get(pk, force) for pk, force in forces.items()}
    if only_force is not None:
        requests = [foi for foi in requests if unit_of[foi.force_id].pk == only_force.pk]
    request_by_pk = {foi.pk: foi for foi in requests}
    # (unit, campaign) -> that campaign's requests to the unit's forces
    asked: dict[tuple[int, int], list[FoiRequest]] = defaultdict(list)
    for foi in requests:
        asked[(unit_of[foi.force_id].pk, foi.campaign_id)].append(foi)

    # Every figure of the metric in every campaign: one query.
    figures = Figure.objects.filter(metric__in=metrics).values_list(
        "request_id",
        "metric_id",
        "period_id",
        "category_key",
        "kind",
        "value",
        "lower",
        "upper",
        "exemption",
        "source",
    )
    if only_force is not None:
        figures = figures.filter(request__in=list(request_by_pk))
    # (request, period key) -> cell key -> (kind, value, lower, upper, source); plus kinds seen
    cells: dict[tuple[int, PeriodKey], dict[CellKey, tuple]] = defaultdict(dict)
    first_dim_cells: dict[tuple[int, PeriodKey], list[tuple]] = defaultdict(list)
    kinds_seen: dict[tuple[int, PeriodKey], list[tuple[str, str]]] = defaultdict(list)
    for (
        request_id,
        metric_id,
        period_id,
        ckey,
        kind,
        value,
        lower,
        upper,
        exemption,
        source,
    ) in figures.order_by():
        foi = request_by_pk.get(request_id)
        pkey = period_key.get(period_id)
        if foi is None or pkey is None:
            continue
        kinds_seen[(request_id, pkey)].append((kind, exemption))
        if (
            basis == APPROVED
            and getattr(figure_review_of(foi), "state", None) != ReviewState.APPROVED
        ):
            continue
        parts = [categories.get(int(pk)) for pk in ckey.split(".") if pk]
        if any(part is None for part in parts):
            continue
        key: CellKey = tuple(sorted((dim_slug, val) for dim_slug, val, _ in parts))
        row = (kind, value, lower, upper, source)
        cells[(request_id, pkey)][key] = row
        if len(parts) == 1 and parts[0][2] == first_dimension.get(metric_id):
            first_dim_cells[(request_id, pkey)].append(row)

    def headline(foi: FoiRequest, pkey: PeriodKey) -> tuple | None:
        """The force's headline figure (its total row, else its first dimension's rows added
        up) as _add_up gives it, or None when it gave no number."""
        own = cells.get((foi.pk, pkey), {})
        rows = [own[()]] if () in own else first_dim_cells.get((foi.pk, pkey), [])
        return _add_up(rows)

    def cell_state(foi: FoiRequest, pkey: PeriodKey, key: CellKey) -> tuple | None:
        row = cells.get((foi.pk, pkey), {}).get(key)
        return _add_up([row]) if row else None

    def unit_state(unit_pk: int, campaign: Campaign, pkey: PeriodKey, read) -> State | None:
        """What `campaign` says for the unit's forces together, or None if none gave a number."""
        fois = asked.get((unit_pk, campaign.pk), [])
        parts = [read(foi) for foi in fois]
        given = [p for p in parts if p is not None]
        if not given:
            return None
        answered = [foi.answered_on for foi in fois if foi.answered_on]
        return State(
            lower=sum(p[0] for p in given),
            upper=sum(p[1] for p in given),
            floor=sum(p[2] for p in given),
            suppressed_cells=sum(p[3] for p in given),
            reported_cells=sum(p[4] for p in given),
            campaign=campaign,
            reported_on=max(answered) if answered else None,
            published=any(p[5] for p in given),
            partial=len(given) < len(fois),
        )

    units: dict[int, Force] = {}
    former: dict[int, list[Force]] = defaultdict(list)
    for foi in requests:
        unit = unit_of[foi.force_id]
        units[unit.pk] = unit
        if foi.force_id != unit.pk and foi.force not in former[unit.pk]:
            former[unit.pk].append(foi.force)

    rows: list[SeriesForceRow] = []
    revisions: list[Revision] = []
    disclosed = 0
    for unit in sorted(units.values(), key=lambda f: f.name):
        row = SeriesForceRow(force=unit, former=former[unit.pk], cells={})
        for period in ordered_periods:
            pkey = period.key
            asking = [
                c
                for c in asking_metric
                if pkey in asked_periods[c.pk] and asked.get((unit.pk, c.pk))
            ]
            if not asking:
                continue
            period.forces_asked += 1
            states = [
                s
                for c in asking
                if (s := unit_state(unit.pk, c, pkey, lambda foi, k=pkey: headline(foi, k)))
            ]
            whole = [s for s in states if not s.partial] or states
            chosen = (whole[-1] if as_reported == LATEST else whole[0]) if whole else None
            cell = SeriesCell(chosen)
            if chosen is None:
                latest = asking[-1]
                cell.reason = "; ".join(
                    sorted(
                        {
                            missing_reason(
                                foi,
                                kinds_seen.get((foi.pk, pkey), []),
                                bool(kinds_seen.get((foi.pk, pkey))),
                                basis,
                                today,
                            )
                            for foi in asked[(unit.pk, latest.pk)]
                        }
                    )
                )
            # Revisions: every cell (total and breakdowns) the unit gave in two campaigns.
            keys = {
                key
                for c in asking
                for foi in asked[(unit.pk, c.pk)]
                for key in cells.get((foi.pk, pkey), {})
            }
            for key in sorted(keys):
                given = [
                    s
                    for c in asking
                    if (
                        s := unit_state(
                            unit.pk, c, pkey, lambda foi, k=key, p=pkey: cell_state(foi, p, k)
                        )
                    )
                    and not s.partial
                ]
                if len(given) < 2:
                    continue
                if any(not a.consistent_with(b) for a, b in zip(given, given[1:], strict=False)):
                    revision = Revision(unit, period, _category_label(key, dim_order), given)
                    revisions.append(revision)
                    row.revisions.append(revision)
                    cell.revised = True
                elif any(not a.exact and b.exact for a, b in zip(given, given[1:], strict=False)):
                    disclosed += 1
                    cell.disclosed = True
            row.cells[pkey] = cell
            if chosen is not None:
                period.forces_reporting += 1
                period.total += chosen.lower
                period.total_upper += chosen.upper
                period.suppressed_cells += chosen.suppressed_cells
                period.published += chosen.published
        if len(ordered_periods) >= 2:
            a = row.cell(ordered_periods[-2]).state
            b = row.cell(ordered_periods[-1]).state
            if a and b and a.exact and b.exact:
                row.change_pct = change_pct(a.lower, b.lower)
        rows.append(row)

    latest_metric = next((metric_of[c.pk] for c in reversed(campaigns) if c.pk in metric_of), None)
    return SeriesTotals(
        series=series,
        metric_slug=metric_slug,
        metric=latest_metric,
        as_reported=as_reported,
        basis=basis,
        campaigns=campaigns,
        periods=ordered_periods,
        forces=rows,
        revisions=revisions,
        disclosed=disclosed,
        rounding_rule=campaigns[-1].rounding_rule if campaigns else "half_up",
    )


def _add_up(rows: list[tuple]) -> tuple[int, int, int, int, int, bool] | None:
    """(lower, upper, floor, suppressed cells, reported cells, published) of figure rows
    (kind, value, lower, upper, source): exact values make the lower bound, suppressed cells
    add their upper bound to the upper one (and their lower bound to the floor). None when none
    of them is a number (not held, refused, not provided)."""
    numbers = [r for r in rows if r[0] in REPORTING_KINDS]
    if not numbers:
        return None
    lower = upper = floor = suppressed = reported = 0
    for kind, value, low, high, _source in numbers:
        if kind == Kind.REPORTED:
            lower += value
            upper += value
            floor += value
            reported += 1
        else:
            suppressed += 1
            upper += high
            floor += low
    published = any(r[4] == FigureSource.PUBLISHED for r in numbers)
    return lower, upper, floor, suppressed, reported, published


@dataclass
class ForceSeriesLine:
    totals: SeriesTotals
    row: SeriesForceRow | None


def force_series_lines(force: Force, *, today: date) -> list[ForceSeriesLine]:
    """A force's row in every series that asked it (or a force that is part of it now), one
    line per series and metric. Queries grow with the number of series the force is in (a
    handful), not with their campaigns."""
    # One query first: the series that asked this force or any inactive one (a superset). Most
    # forces' pages have none to show, and then this is all the page spends on series.
    candidates = Series.objects.filter(
        campaigns__requests__force__in=Force.objects.filter(Q(pk=force.pk) | Q(active=False))
    )
    if not candidates.exists():
        return []
    inactive = list(Force.objects.filter(active=False))
    now = successors(inactive) if inactive else {}
    included = [force.pk] + [pk for pk, unit in now.items() if unit.pk == force.pk]
    lines = []
    for series in Series.objects.filter(campaigns__requests__force__in=included).distinct():
        for slug in series_metric_slugs(series):
            totals = series_totals(series=series, metric_slug=slug, today=today, only_force=force)
            row = next((r for r in totals.forces if r.force.pk == force.pk), None)
            lines.append(ForceSeriesLine(totals=totals, row=row))
    return lines
