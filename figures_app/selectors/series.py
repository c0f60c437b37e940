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
- totals count by the rule the totals page does (figures_app/selectors/headline.py): a force's
  headline figure, bounds for suppressed cells, like for like over the forces reporting both
  periods.

A fixed number of queries however many campaigns the series holds: the figures are read once
(every cell of every campaign, for the revisions) and the choices made in memory.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from figures_app.models import Category, Figure, Metric, ReviewState
from figures_app.selectors.basis import APPROVED
from figures_app.selectors.headline import (
    Bounds,
    Change,
    FigureRow,
    LikeForLike,
    PeriodSum,
    add_up,
    change_pct,
    headline_cells,
    period_partial,
)
from figures_app.selectors.reasons import figure_review_of, missing_reason
from requests_app.models import Campaign, FoiRequest, Force, Series
from requests_app.selectors.force_successors import successors

LATEST = "latest"
FIRST = "first"
AS_REPORTED = (LATEST, FIRST)

PeriodKey = tuple[date, date]
CellKey = tuple[tuple[str, str], ...]  # ((dimension slug, category value), ...) sorted; () total


@dataclass
class SeriesPeriod(PeriodSum):
    key: PeriodKey
    label: str
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


@dataclass(frozen=True)
class State(Bounds):
    """What one campaign says of one cell (or headline figure) of a force as it is now: its
    bounds (the floor for comparing), and where they come from."""

    campaign: Campaign
    reported_on: date | None
    partial: bool  # a merged force's figure with some of its former forces missing

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

    def change(self, before: SeriesPeriod, after: SeriesPeriod) -> Change[SeriesPeriod]:
        return Change(before, after, self.like_for_like(before, after))

    def like_for_like(self, before: SeriesPeriod, after: SeriesPeriod) -> LikeForLike:
        """Over the forces (as they are now) with a whole figure in both periods."""
        result = LikeForLike()
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
    read = _read_series(series, metric_slug, basis, only_force)
    rows = [read.force_row(unit, as_reported, today) for unit in read.sorted_units()]
    for period in read.periods:
        period.partial = period_partial(end=period.end, today=today)
    campaigns = read.campaigns
    latest_metric = next(
        (read.metric_of[c.pk] for c in reversed(campaigns) if c.pk in read.metric_of), None
    )
    return SeriesTotals(
        series=series,
        metric_slug=metric_slug,
        metric=latest_metric,
        as_reported=as_reported,
        basis=basis,
        campaigns=campaigns,
        periods=read.periods,
        forces=rows,
        revisions=[r for row in rows for r in row.revisions],
        disclosed=read.disclosed,
        rounding_rule=campaigns[-1].rounding_rule if campaigns else "half_up",
    )


@dataclass
class _SeriesRead:
    """Everything series_totals reads (a fixed number of queries), and the choices it makes
    from it in memory, force by force."""

    basis: str
    campaigns: list[Campaign]  # oldest first
    metric_of: dict[int, Metric]  # campaign id -> its metric of the slug
    dim_order: dict[str, int]  # dimension slug -> position, for the categories' labels
    periods: list[SeriesPeriod]
    asked_periods: dict[int, list[PeriodKey]]  # campaign id -> the periods it asked about
    # (unit, campaign) -> that campaign's requests to the unit's forces
    asked: dict[tuple[int, int], list[FoiRequest]]
    units: dict[int, Force]  # the forces as they are now
    former: dict[int, list[Force]]  # unit id -> forces asked before that are part of it now
    # (request, period key) -> cell key -> figure row; the first dimension's rows; kinds seen
    cells: dict[tuple[int, PeriodKey], dict[CellKey, FigureRow]]
    first_dim_cells: dict[tuple[int, PeriodKey], list[FigureRow]]
    kinds_seen: dict[tuple[int, PeriodKey], list[tuple[str, str]]]
    disclosed: int = 0  # suppressed cells later given exactly

    def sorted_units(self) -> list[Force]:
        return sorted(self.units.values(), key=lambda f: f.name)

    def headline(self, foi: FoiRequest, pkey: PeriodKey) -> Bounds | None:
        """The bounds of the force's headline figure, or None when it gave no number."""
        own = self.cells.get((foi.pk, pkey), {})
        total = [own[()]] if () in own else None
        return add_up(headline_cells(total, self.first_dim_cells.get((foi.pk, pkey))) or [])

    def cell_state(self, foi: FoiRequest, pkey: PeriodKey, key: CellKey) -> Bounds | None:
        row = self.cells.get((foi.pk, pkey), {}).get(key)
        return add_up([row]) if row else None

    def unit_state(self, unit_pk: int, campaign: Campaign, read) -> State | None:
        """What `campaign` says for the unit's forces together (`read` gives one request's
        bounds), or None if none gave a number."""
        fois = self.asked.get((unit_pk, campaign.pk), [])
        parts = [read(foi) for foi in fois]
        given = [p for p in parts if p is not None]
        if not given:
            return None
        answered = [foi.answered_on for foi in fois if foi.answered_on]
        return State(
            lower=sum(p.lower for p in given),
            upper=sum(p.upper for p in given),
            floor=sum(p.floor for p in given),
            suppressed_cells=sum(p.suppressed_cells for p in given),
            reported_cells=sum(p.reported_cells for p in given),
            published=any(p.published for p in given),
            campaign=campaign,
            reported_on=max(answered) if answered else None,
            partial=len(given) < len(fois),
        )

    def force_row(self, unit: Force, as_reported: str, today: date) -> SeriesForceRow:
        """The unit's row; adds its figures to the periods' totals as it goes."""
        row = SeriesForceRow(force=unit, former=self.former[unit.pk], cells={})
        for period in self.periods:
            asking = [
                c
                for c in self.metric_campaigns()
                if period.key in self.asked_periods[c.pk] and self.asked.get((unit.pk, c.pk))
            ]
            if asking:
                row.cells[period.key] = self._period_cell(
                    unit, period, asking, as_reported, today, row
                )
        periods = self.periods
        if len(periods) >= 2:
            a, b = row.cell(periods[-2]).state, row.cell(periods[-1]).state
            if a and b and a.exact and b.exact:
                row.change_pct = change_pct(a.lower, b.lower)
        return row

    def metric_campaigns(self) -> list[Campaign]:
        # A campaign that did not ask this metric asked no force about it.
        return [c for c in self.campaigns if c.pk in self.metric_of]

    def _period_cell(
        self,
        unit: Force,
        period: SeriesPeriod,
        asking: list[Campaign],
        as_reported: str,
        today: date,
        row: SeriesForceRow,
    ) -> SeriesCell:
        pkey = period.key
        period.forces_asked += 1
        states = [
            s
            for c in asking
            if (s := self.unit_state(unit.pk, c, lambda foi, k=pkey: self.headline(foi, k)))
        ]
        whole = [s for s in states if not s.partial] or states
        chosen = (whole[-1] if as_reported == LATEST else whole[0]) if whole else None
        cell = SeriesCell(chosen)
        if chosen is None:
            cell.reason = self._reason(unit, pkey, asking[-1], today)
        self._revisions(unit, period, asking, cell, row)
        if chosen is not None:
            period.forces_reporting += 1
            period.total += chosen.lower
            period.total_lower += chosen.floor
            period.total_upper += chosen.upper
            period.suppressed_cells += chosen.suppressed_cells
            period.published += chosen.published
        return cell

    def _reason(self, unit: Force, pkey: PeriodKey, latest: Campaign, today: date) -> str:
        """Why the latest campaign asking has no figure for the unit."""
        return "; ".join(
            sorted(
                {
                    missing_reason(
                        foi,
                        self.kinds_seen.get((foi.pk, pkey), []),
                        bool(self.kinds_seen.get((foi.pk, pkey))),
                        self.basis,
                        today,
                    )
                    for foi in self.asked[(unit.pk, latest.pk)]
                }
            )
        )

    def _revisions(
        self,
        unit: Force,
        period: SeriesPeriod,
        asking: list[Campaign],
        cell: SeriesCell,
        row: SeriesForceRow,
    ) -> None:
        """Every cell (total and breakdowns) the unit gave in two campaigns: a revision when
        they disagree, disclosed when a suppressed cell was later given exactly."""
        pkey = period.key
        keys = {
            key
            for c in asking
            for foi in self.asked[(unit.pk, c.pk)]
            for key in self.cells.get((foi.pk, pkey), {})
        }
        for key in sorted(keys):
            given = [
                s
                for c in asking
                if (
                    s := self.unit_state(
                        unit.pk, c, lambda foi, k=key, p=pkey: self.cell_state(foi, p, k)
                    )
                )
                and not s.partial
            ]
            if len(given) < 2:
                continue
            pairs = list(zip(given, given[1:], strict=False))
            if any(not a.consistent_with(b) for a, b in pairs):
                label = _category_label(key, self.dim_order)
                row.revisions.append(Revision(unit, period, label, given))
                cell.revised = True
            elif any(not a.exact and b.exact for a, b in pairs):
                self.disclosed += 1
                cell.disclosed = True


def _read_series(
    series: Series, metric_slug: str, basis: str, only_force: Force | None
) -> _SeriesRead:
    campaigns = sorted(
        Campaign.objects.filter(series=series).prefetch_related("periods"), key=_campaign_order
    )
    metrics = list(
        Metric.objects.filter(campaign__in=campaigns, slug=metric_slug).prefetch_related(
            "dimensions"
        )
    )
    dim_order: dict[str, int] = {}
    for m in metrics:
        for d in m.dimensions.all():
            dim_order.setdefault(d.slug, d.position)
    periods, period_key, asked_periods = _series_periods(campaigns)

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
    asked: dict[tuple[int, int], list[FoiRequest]] = defaultdict(list)
    units: dict[int, Force] = {}
    former: dict[int, list[Force]] = defaultdict(list)
    for foi in requests:
        unit = unit_of[foi.force_id]
        asked[(unit.pk, foi.campaign_id)].append(foi)
        units[unit.pk] = unit
        if foi.force_id != unit.pk and foi.force not in former[unit.pk]:
            former[unit.pk].append(foi.force)
    cells, first_dim_cells, kinds_seen = _read_figures(
        metrics, basis, {foi.pk: foi for foi in requests}, period_key, only_force is not None
    )
    return _SeriesRead(
        basis=basis,
        campaigns=campaigns,
        metric_of={m.campaign_id: m for m in metrics},
        dim_order=dim_order,
        periods=periods,
        asked_periods=asked_periods,
        asked=asked,
        units=units,
        former=former,
        cells=cells,
        first_dim_cells=first_dim_cells,
        kinds_seen=kinds_seen,
    )


def _series_periods(
    campaigns: list[Campaign],
) -> tuple[list[SeriesPeriod], dict[int, PeriodKey], dict[int, list[PeriodKey]]]:
    """The series' periods in order (the same dates are the same period; the label is the
    latest campaign's), each campaign period's key, and the keys each campaign asked about."""
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
    return sorted(periods.values(), key=lambda p: p.key), period_key, asked_periods


def _read_figures(
    metrics: list[Metric],
    basis: str,
    request_by_pk: dict[int, FoiRequest],
    period_key: dict[int, PeriodKey],
    one_force: bool,
) -> tuple[dict, dict, dict]:
    """Every figure of the metric in every campaign (one query, and one for the categories):
    (request, period key) -> cell key -> figure row, the rows of the metric's first dimension,
    and the kinds (with exemptions) seen on any basis."""
    first_dimension = {
        m.pk: (dims[0].pk if (dims := list(m.dimensions.all())) else None) for m in metrics
    }
    categories = {
        pk: (dim_slug, value, dim_id)
        for pk, dim_slug, value, dim_id in Category.objects.filter(
            dimension__metric__in=metrics
        ).values_list("pk", "dimension__slug", "value", "dimension_id")
    }
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
    if one_force:
        figures = figures.filter(request__in=list(request_by_pk))
    cells: dict[tuple[int, PeriodKey], dict[CellKey, FigureRow]] = defaultdict(dict)
    first_dim_cells: dict[tuple[int, PeriodKey], list[FigureRow]] = defaultdict(list)
    kinds_seen: dict[tuple[int, PeriodKey], list[tuple[str, str]]] = defaultdict(list)
    for (
        request_id,
        metric_id,
        period_id,
        ckey,
        kind,
        *numbers,
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
        row = (kind, *numbers, source)
        cells[(request_id, pkey)][key] = row
        if len(parts) == 1 and parts[0][2] == first_dimension.get(metric_id):
            first_dim_cells[(request_id, pkey)].append(row)
    return cells, first_dim_cells, kinds_seen


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
