"""Imports in bulk (issue 11): a number of queries that does not grow with the rows, nothing
written for rows that change nothing, exactly one history row per figure created or changed,
nothing at all on a bad line anywhere, and what each kind of figure writes, on whichever database
the suite runs."""

import difflib
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from figures_app.models import (
    Category,
    Dimension,
    Figure,
    FigureChange,
    FigureReview,
    ReviewEvent,
    ReviewState,
)
from figures_app.readers import ImportFileError
from figures_app.services.imports import import_figures, plan_import
from figures_app.services.metrics import DimensionSpec, MetricSpec, metric_save
from requests_app.models import FoiRequest, RequestEvent
from requests_app.periods import PeriodSpec
from requests_app.services.campaigns import campaign_create

pytestmark = pytest.mark.django_db

HEADER = "force,period,metric,victim_age,value,status,note\n"
FORCES = ["Kent", "Essex", "Surrey", "Dorset", "Norfolk"]
PERIODS = ["2015/16", "2016/17"]


def make_campaign(staff, forces, slug="bulk", ages=0):
    """A campaign sent to `forces` about two periods, metric 'offences' by victim age, with
    categories 0..ages-1 already known (so a test's imports create none)."""
    campaign = campaign_create(
        actor=staff,
        owner=staff,
        slug=slug,
        title=f"Bulk {slug}",
        request_text="Dear {force_name}, how many in {periods}?",
        forces=[forces[name] for name in sorted(forces) if name.split()[0] in FORCES],
        periods=[
            PeriodSpec("2015/16", date(2015, 4, 1), date(2016, 3, 31)),
            PeriodSpec("2016/17", date(2016, 4, 1), date(2017, 3, 31)),
        ],
        sent_on=date(2024, 5, 1),
    )
    metric = metric_save(
        campaign=campaign,
        spec=MetricSpec(
            "offences", "Offences", "offences", "", (DimensionSpec("victim_age", "Age", None),)
        ),
    )
    dim = Dimension.objects.get(metric=metric)
    Category.objects.bulk_create(
        Category(dimension=dim, value=str(a), label=str(a), numeric_value=a) for a in range(ages)
    )
    return campaign


@pytest.fixture
def five(forces):
    """The five forces of FORCES, by their registry names."""
    return {name: f for name, f in forces.items() if name.split()[0] in FORCES}


def tidy(ages: int, value=lambda force, period, age: str(age + 10)) -> str:
    """A file of every force x period x age (ages 0..ages-1) and each cell's total."""
    lines = [
        f"{force},{period},offences,{age},{value(force, period, age)},,"
        for force in FORCES
        for period in PERIODS
        for age in range(ages)
    ]
    return HEADER + "\n".join(lines) + "\n"


def run(campaign, user, text, name="bulk.csv", **kw):
    return import_figures(campaign=campaign, actor=user, data=text.encode(), filename=name, **kw)


def queries(campaign, user, text) -> list[str]:
    user = type(user).objects.get(pk=user.pk)  # its roles not yet read (they are cached on it)
    with CaptureQueriesContext(connection) as ctx:
        run(campaign, user, text)
    return [q["sql"] for q in ctx]


def same_count(few: list[str], many: list[str]) -> bool:
    """len(few) == len(many), printing where they part when they do not."""
    if len(few) != len(many):
        shorten = (
            [re.sub(r"\d+", "N", q)[:150] for q in few],
            [re.sub(r"\d+", "N", q)[:150] for q in many],
        )
        print("\n".join(difflib.unified_diff(*shorten, lineterm="")))
    return len(few) == len(many)


def test_the_queries_do_not_grow_with_the_rows(staff, five):
    small, large = make_campaign(staff, five, "small", 50), make_campaign(staff, five, "large", 50)
    few, many = tidy(5), tidy(50)  # 50 and 500 rows
    assert same_count(queries(small, staff, few), queries(large, staff, many))
    # Again, all unchanged; then with every value changed.
    assert same_count(queries(small, staff, few), queries(large, staff, many))
    changed = lambda force, period, age: str(age + 99)  # noqa: E731
    assert same_count(
        queries(small, staff, tidy(5, changed)), queries(large, staff, tidy(50, changed))
    )
    assert Figure.objects.filter(request__campaign=large).count() == 500
    assert FigureChange.objects.filter(request__campaign=large).count() == 1000


def test_a_reimport_of_the_same_file_writes_nothing(staff, five):
    campaign = make_campaign(staff, five)
    text = tidy(20)
    first = run(campaign, staff, text)
    assert (first.created, first.changed, first.unchanged) == (200, 0, 0)
    stamps = dict(Figure.objects.values_list("pk", "updated_at"))
    changes, events = FigureChange.objects.count(), ReviewEvent.objects.count()
    again = run(campaign, staff, text)
    assert (again.created, again.changed, again.unchanged) == (0, 0, 200)
    assert again.changed_requests == set() and len(again.requests) == 5
    assert dict(Figure.objects.values_list("pk", "updated_at")) == stamps
    assert FigureChange.objects.count() == changes
    assert ReviewEvent.objects.count() == events


MIXED_FIRST = (
    HEADER
    + "Kent,2015/16,offences,,63,,\n"
    + "Kent,2016/17,offences,,361,,from the letter\n"
    + "Essex,2016/17,offences,,<5,,\n"
    + "Surrey,2016/17,offences,,refused s.12,,\n"
    + "Dorset,2016/17,offences,,,not_held,\n"
)
# Kent 2015/16, Surrey and Dorset the same; Kent 2016/17 the same value with a new note; Essex
# changed; Norfolk's total and an age not known before new.
MIXED_SECOND = (
    HEADER
    + "Kent,2015/16,offences,,63,,\n"
    + "Kent,2016/17,offences,,361,,checked again\n"
    + "Essex,2016/17,offences,,12,,\n"
    + "Surrey,2016/17,offences,,refused s.12,,\n"
    + "Dorset,2016/17,offences,,,not_held,\n"
    + "Norfolk,2016/17,offences,,0,,\n"
    + "Norfolk,2016/17,offences,13,1234567,,\n"
)


def _history(campaign) -> set[tuple]:
    return set(
        FigureChange.objects.filter(request__campaign=campaign).values_list(
            "cell", "action", "old_display", "new_display", "source"
        )
    )


def test_a_mixed_import_writes_exactly_the_changes(staff, five):
    campaign = make_campaign(staff, five)
    # The preview says the same as the write, before it.
    run(campaign, staff, MIXED_FIRST, name="first.csv")
    before = _history(campaign)
    plan = plan_import(campaign=campaign, data=MIXED_SECOND.encode(), filename="second.csv")
    assert (plan.rows, plan.created, plan.changed, plan.unchanged) == (7, 2, 2, 3)
    assert [line[:1] + line[2:] for line in plan.changed_lines] == [
        (3, "361", "361 (note changed)"),
        (4, "<5 (1–4)", "12"),
    ]
    result = run(campaign, staff, MIXED_SECOND, name="second.csv")
    assert (result.created, result.changed, result.unchanged) == (2, 2, 3)
    ids = dict(FoiRequest.objects.filter(campaign=campaign).values_list("force__name", "pk"))
    kent, essex, surrey, dorset, norfolk = (
        ids[name]
        for name in (
            "Kent Police",
            "Essex Police",
            "Surrey Police",
            "Dorset Police",
            "Norfolk Constabulary",
        )
    )
    assert result.changed_requests == {kent, essex, norfolk}
    assert _history(campaign) - before == {
        ("offences / 2016/17 / total", "changed", "361", "361", "import second.csv line 3"),
        ("offences / 2016/17 / total", "changed", "<5 (1–4)", "12", "import second.csv line 4"),
        ("offences / 2016/17 / total", "created", "", "0", "import second.csv line 7"),
        (
            "offences / 2016/17 / victim_age=13",
            "created",
            "",
            "1,234,567",
            "import second.csv line 8",
        ),
    }
    note = FigureChange.objects.get(source="import second.csv line 3")
    assert (note.old["note"], note.new["note"]) == ("from the letter", "checked again")
    assert note.figure.note == "checked again" and note.actor == staff
    refused = Figure.objects.get(request__force__name="Surrey Police")
    assert (refused.kind, refused.exemption) == ("refused", "foia:s12")
    age = FigureChange.objects.get(source="import second.csv line 8").figure
    assert age.category.value == "13" and age.category_key == str(age.category.pk)
    # Only the requests that changed went back to review, each once more.
    reviews = dict(FigureReview.objects.values_list("request_id", "state"))
    assert reviews == dict.fromkeys([kent, essex, surrey, dorset, norfolk], ReviewState.PENDING)
    submitted = ReviewEvent.objects.filter(action=ReviewEvent.Action.SUBMITTED)
    assert sorted(submitted.values_list("request_id", flat=True)) == sorted(
        [kent, essex, surrey, dorset, kent, essex, norfolk]
    )


def test_a_bad_last_line_of_a_large_file_writes_nothing(staff, five):
    campaign = make_campaign(staff, five)
    run(campaign, staff, tidy(10))
    figures = dict(Figure.objects.values_list("pk", "value"))
    counts = (FigureChange.objects.count(), ReviewEvent.objects.count(), Category.objects.count())
    changed = lambda force, period, age: str(age + 500)  # noqa: E731
    text = tidy(300, changed) + "Kent,2016/17,offences,7,-1,,\n"
    with pytest.raises(ImportFileError) as exc:
        run(campaign, staff, text)
    assert exc.value.errors == ["Line 3002: '-1' is negative; a count cannot be below 0."]
    assert dict(Figure.objects.values_list("pk", "value")) == figures
    assert (
        FigureChange.objects.count(),
        ReviewEvent.objects.count(),
        Category.objects.count(),
    ) == counts


def _state(campaign) -> dict:
    """What an import left, without ids, times or the campaign's own category ids."""
    values = dict(Category.objects.values_list("pk", "value"))

    def key(text):
        return ".".join(values[int(pk)] for pk in text.split(".") if pk)

    fields = ("kind", "value", "lower", "upper", "raw_text", "exemption", "note", "location")
    figures = sorted(
        (f.request.force.name, f.metric.slug, f.period.label, key(f.category_key))
        + tuple(getattr(f, name) for name in fields)
        + (f.category.value if f.category else None, f.entered_by_id, f.updated_by_id)
        for f in Figure.objects.filter(request__campaign=campaign).select_related(
            "request__force", "metric", "period", "category"
        )
    )
    changes = sorted(
        (
            c.request.force.name,
            c.metric.slug,
            c.period.label,
            key(c.category_key),
            c.figure is not None and c.figure.category_key == c.category_key,
            c.cell,
            c.action,
            c.old_display,
            c.new_display,
            c.source,
            c.actor_id,
        )
        + tuple(sorted((c.old or {}).items()))
        + tuple(sorted(c.new.items()))
        for c in FigureChange.objects.filter(request__campaign=campaign).select_related(
            "request__force", "metric", "period", "figure"
        )
    )
    reviews = sorted(
        FigureReview.objects.filter(request__campaign=campaign).values_list(
            "request__force__name", "state", "submitted_by", "reviewed_by"
        )
    )
    events = sorted(
        ReviewEvent.objects.filter(request__campaign=campaign).values_list(
            "request__force__name", "action", "comment", "actor"
        )
    )
    requests = sorted(
        FoiRequest.objects.filter(campaign=campaign).values_list("force__name", "status", "outcome")
    )
    responses = RequestEvent.objects.filter(request__campaign=campaign).count()
    return {
        "figures": figures,
        "changes": changes,
        "reviews": reviews,
        "events": events,
        "requests": requests,
        "responses": responses,
    }


KINDS = (
    HEADER
    + "Kent,2015/16,offences,,0,,\n"
    + "Kent,2016/17,offences,,1234567,,a note\n"
    + "Kent,2016/17,offences,3,*,,\n"
    + "Kent,2016/17,offences,unknown,fewer than 5,,\n"
    + "Essex,2015/16,offences,,refused s.40(2),,\n"
    + "Essex,2016/17,offences,,,refused,\n"
    + "Surrey,2015/16,offences,,,not_held,\n"
    + "Surrey,2016/17,offences,,NP,,\n"
    + 'Dorset,2016/17,offences,,"1,234",,\n'
)
KINDS_AGAIN = (
    HEADER
    + "Kent,2015/16,offences,,5,,\n"
    + "Kent,2016/17,offences,,1234567,,another note\n"
    + "Kent,2016/17,offences,3,<10,,\n"
    + "Kent,2016/17,offences,unknown,fewer than 5,,\n"
    + "Essex,2015/16,offences,,,refused,\n"
    + "Essex,2016/17,offences,,refused s.12,,\n"
    + "Surrey,2015/16,offences,,7,,\n"
    + "Surrey,2016/17,offences,,NP,,\n"
    + "Norfolk,2016/17,offences,17,2,,\n"
)


@pytest.mark.parametrize("approve", [False, True])
def test_an_import_writes_what_each_kind_of_figure_says(staff, reviewer, five, approve):
    """Every kind of figure created, then changed, with the history's wording for each."""
    actor = reviewer if approve else staff
    campaign = make_campaign(staff, five, slug="kinds")
    first = run(campaign, actor, KINDS, approve=approve)
    second = run(campaign, actor, KINDS_AGAIN, approve=approve)
    counts = [(r.created, r.changed, r.unchanged, len(r.changed_requests)) for r in (first, second)]
    assert counts == [(9, 0, 0, 4), (1, 6, 2, 4)]
    displays = {(c[6], c[7], c[8]) for c in _state(campaign)["changes"]}
    assert {
        ("created", "", "0"),
        ("created", "", "1,234,567"),
        ("created", "", "* (1–4)"),
        ("created", "", "fewer than 5 (1–4)"),
        ("created", "", "refused (foia:s40(2))"),
        ("created", "", "refused"),
        ("created", "", "not held"),
        ("created", "", "not provided"),
        ("created", "", "1,234"),
        ("changed", "0", "5"),
        ("changed", "1,234,567", "1,234,567"),
        ("changed", "* (1–4)", "<10 (1–9)"),
        ("changed", "refused", "refused (foia:s12)"),
        # "refused" naming no exemption keeps the one recorded (only the wording changed).
        ("changed", "refused (foia:s40(2))", "refused (foia:s40(2))"),
        ("changed", "not held", "7"),
        ("created", "", "2"),
    } == displays


def test_history_words_are_worked_out_once_per_state_and_stay_right_past_the_limit(
    monkeypatch,
):
    """The bulk path words each distinct state once (json and describe_figure); when its memory
    is full it starts again rather than grow, and every answer stays the state's own."""
    import json

    from figures_app.services import figure_rows

    calls = []

    def dumps(state):
        calls.append(state)
        return json.dumps(state)

    monkeypatch.setattr(figure_rows._StateWords, "MAX_STATES", 3)
    words = figure_rows._StateWords(dumps)

    def state(value):
        return ("reported", value, None, None, str(value), "", "", None, "")

    assert words.of(state(7)) == (
        json.dumps(dict(zip(figure_rows._STATE_WORDED, state(7), strict=True))),
        "7",
    )
    assert words.of(state(7))[1] == "7"
    assert len(calls) == 1
    for value in range(10):
        assert words.of(state(value))[1] == str(value)
    assert words.of(("suppressed", None, 1, 4, "<5", "", "", None, ""))[1] != "7"
    assert len(words.seen) <= 3
