"""FoiRequest.has_figures follows the figures whatever writes them (figures_app/has_figures.py):
the grid, an import, a cascade, a raw insert or move; the triggers' migration creates them and
they are there after every migration; put_right sets a flag that is wrong; on PostgreSQL an insert and a delete of one request's figures in
two transactions at once leave it true exactly when a figure is left."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.models import Exists, F, OuterRef

from figures_app import has_figures
from figures_app.models import Figure, Kind
from figures_app.services.figures import CellInput, figures_apply
from figures_app.services.imports import import_figures
from figures_app.services.metrics import metric_remove
from requests_app.models import FoiRequest
from tests.figures_app.conftest import enter

pytestmark = pytest.mark.django_db


def flags(campaign) -> dict[str, bool]:
    """force name -> has_figures, for the requests whose flag is set."""
    return dict(
        FoiRequest.objects.filter(campaign=campaign, has_figures=True).values_list(
            "force__name", "has_figures"
        )
    )


def wrong_flags() -> list[int]:
    """The requests whose flag says otherwise than their figures."""
    real = Exists(Figure.objects.filter(request=OuterRef("pk")))
    return list(
        FoiRequest.objects.annotate(real=real)
        .exclude(has_figures=F("real"))
        .values_list("pk", flat=True)
    )


def test_the_triggers_are_in_place_after_migrate():
    """The test database is built by every migration: one that rebuilt the figures table on
    SQLite after the triggers' migration, without creating them again, would fail here (see
    figures_app/migrations/0010_has_figures_triggers.py)."""
    assert has_figures.installed(connection) == set(has_figures.TRIGGERS)


def test_entering_and_clearing_a_cell_in_the_grid_sets_and_clears_it(campaign, metric, staff):
    enter(campaign, staff, [("Kent Police", "2016/17", 12), ("Essex Police", "2016/17", 3)])
    assert flags(campaign) == {"Kent Police": True, "Essex Police": True}

    kent = campaign.requests.get(force__name="Kent Police")
    cleared = CellInput(request=kent, metric=metric, period=campaign.periods.get(label="2016/17"))
    figures_apply(campaign=campaign, actor=staff, cells=[cleared])
    assert flags(campaign) == {"Essex Police": True}
    assert wrong_flags() == []


def test_an_import_sets_it(campaign, metric, staff):
    text = (
        "force,period,metric,victim_age,value,status,note\n"
        "Kent Police,2016/17,offences,,12,,\n"
        "Durham Constabulary,2015/16,offences,,not held,,\n"
    )
    import_figures(campaign=campaign, actor=staff, data=text.encode(), filename="f.csv")
    assert flags(campaign) == {"Kent Police": True, "Durham Constabulary": True}
    assert wrong_flags() == []


def test_removing_the_metric_cascades_and_clears_it(campaign, metric, staff):
    enter(campaign, staff, [("Kent Police", "2016/17", 12)])
    Figure.objects.filter(metric=metric).delete()  # metric_remove refuses a metric in use
    metric_remove(metric=metric)
    assert flags(campaign) == {}


def test_a_raw_insert_and_a_move_to_another_request(campaign, metric, staff):
    kent, essex = (campaign.requests.get(force__name=n) for n in ("Kent Police", "Essex Police"))
    period = campaign.periods.first()
    figure = Figure.objects.create(
        request=kent, metric=metric, period=period, kind=Kind.REPORTED, value=1, raw_text="1"
    )
    assert flags(campaign) == {"Kent Police": True}
    Figure.objects.filter(pk=figure.pk).update(request=essex)
    assert flags(campaign) == {"Essex Police": True}
    Figure.objects.filter(pk=figure.pk).update(value=2)  # not a move: nothing changes
    assert flags(campaign) == {"Essex Police": True}
    assert wrong_flags() == []


def test_put_right_sets_wrong_flags_right_and_changes_nothing_else(campaign, metric, staff):
    enter(campaign, staff, [("Kent Police", "2016/17", 12)])
    # As if written while the triggers were off (a bulk load with triggers disabled).
    FoiRequest.objects.filter(campaign=campaign, force__name="Kent Police").update(
        has_figures=False
    )
    FoiRequest.objects.filter(campaign=campaign, force__name="Essex Police").update(
        has_figures=True
    )
    assert has_figures.put_right(connection) == 2
    assert flags(campaign) == {"Kent Police": True}
    assert has_figures.put_right(connection) == 0


@pytest.mark.django_db(transaction=True)
def test_migrating_back_past_their_migration_drops_them_and_forward_creates_them(
    campaign, metric, staff
):
    call_command("migrate", "requests_app", "0014", verbosity=0)
    assert has_figures.installed(connection) == set()
    call_command("migrate", verbosity=0)
    assert has_figures.installed(connection) == set(has_figures.TRIGGERS)
    enter(campaign, staff, [("Kent Police", "2016/17", 12)])
    assert flags(campaign) == {"Kent Police": True}


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL=postgres://...)"
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["insert", "delete"])
def test_an_insert_and_a_delete_at_once_leave_it_right(campaign, metric, staff, first):
    """One transaction deletes the request's only figure while another adds a second one; they
    overlap either way round. Whichever commits last, a figure is left and the flag says so."""
    enter(campaign, staff, [("Kent Police", "2015/16", 5)])
    kent = campaign.requests.get(force__name="Kent Police")
    old = Figure.objects.get(request=kent)
    later = campaign.periods.get(label="2016/17")
    in_first = threading.Event()
    done_second = threading.Event()
    errors = []

    def insert():
        Figure.objects.create(
            request=kent, metric=metric, period=later, kind=Kind.REPORTED, value=7, raw_text="7"
        )

    def delete():
        Figure.objects.filter(pk=old.pk).delete()

    steps = {"insert": insert, "delete": delete}
    second_step = "delete" if first == "insert" else "insert"

    def run_first():
        try:
            with transaction.atomic():
                steps[first]()
                in_first.set()
                # Hold the transaction open while the other one runs into it.
                done_second.wait(timeout=2)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            in_first.set()
            connections.close_all()

    def run_second():
        in_first.wait(timeout=10)
        try:
            with transaction.atomic():
                steps[second_step]()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            done_second.set()
            connections.close_all()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert Figure.objects.filter(request=kent).count() == 1
    assert FoiRequest.objects.get(pk=kent.pk).has_figures is True
    assert wrong_flags() == []
