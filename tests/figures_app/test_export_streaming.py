"""Issue 11: the figures CSV export streamed (rows read from the database in chunks, never one
model object per row), byte for byte the file it was before, in a constant number of queries;
on PostgreSQL through COPY, byte for byte the same file again."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from figures_app.exports import export_csv_chunks, export_rows
from figures_app.models import Figure
from requests_app.tabular import write_csv

from .awkward import build
from .conftest import enter

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def _body(response) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("basis", ["all", "approved"])
def test_it_writes_the_same_bytes_as_before_it_streamed(campaign, staff, client, basis):
    """The fixtures are the export of `awkward.build` as the pre-streaming code wrote it."""
    build(campaign)
    expected = (FIXTURES / f"awkward-figures-{basis}.csv").read_bytes()
    assert write_csv(export_rows(campaign, basis=basis)).encode() == expected
    client.force_login(staff)
    url = reverse("figures_export_csv", args=[campaign.slug]) + f"?basis={basis}"
    assert _body(client.get(url)) == expected


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


@pytest.mark.postgres
@pytest.mark.parametrize("basis", ["all", "approved"])
def test_copy_writes_byte_for_byte_what_python_writes(campaign, basis, postgres_only):
    build(campaign, more=True)
    python = b"".join(export_csv_chunks(campaign, basis=basis, use_copy=False))
    copied = b"".join(export_csv_chunks(campaign, basis=basis, use_copy=True))
    assert copied.count(b"\n") > 7
    assert copied.decode().splitlines(keepends=True) == python.decode().splitlines(keepends=True)
    assert copied == python


def _export_queries(client, campaign, reviewer) -> tuple[int, int]:
    client.force_login(reviewer)
    url = reverse("figures_export_csv", args=[campaign.slug])
    with CaptureQueriesContext(connection) as queries:
        body = _body(client.get(url))
    assert body.count(b"\n") > 1
    own = [q for q in queries if "figures_app" in q["sql"]]
    return len(queries), len(own)


def test_it_reads_the_figures_in_a_constant_number_of_queries(
    campaign, metric, staff, reviewer, client
):
    """Both paths (Python on SQLite, COPY on PostgreSQL), whichever the database runs."""
    forces = [r.force.name for r in campaign.requests.select_related("force").order_by("pk")]

    def rows(names):
        return [(n, "2015/16", "1,234") for n in names] + [(n, "2016/17", "<5", 13) for n in names]

    enter(campaign, staff, rows(forces[:2]), approve_by=reviewer)
    few = _export_queries(client, campaign, reviewer)
    enter(campaign, staff, rows(forces[2:20]))
    assert _export_queries(client, campaign, reviewer) == few
    # The request's own (session, user, campaign), then the export's: the dimensions, (in Python)
    # the categories, and the figures, read in chunks or by one COPY.
    assert few[1] <= 3


@pytest.mark.postgres
def test_both_paths_stream_in_pieces_and_a_stopped_copy_leaves_the_connection_usable(
    campaign, metric, staff, postgres_only, monkeypatch
):
    import requests_app.tabular as tabular

    forces = [r.force.name for r in campaign.requests.select_related("force")]
    enter(campaign, staff, [(n, "2015/16", str(i)) for i, n in enumerate(forces)])
    monkeypatch.setattr(tabular, "COPY_CHUNK_BYTES", 200)
    pieces = list(export_csv_chunks(campaign, use_copy=True))
    assert len(pieces) > 5
    assert b"".join(pieces) == b"".join(export_csv_chunks(campaign, use_copy=False))
    stopped = export_csv_chunks(campaign, use_copy=True)
    next(stopped), next(stopped)  # the header, then the first piece of the COPY
    stopped.close()  # the client went away
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@pytest.mark.postgres
def test_a_campaign_with_no_figures_is_its_header_on_both_paths(campaign, metric, postgres_only):
    header = b"force,period,metric,victim_age,low,high,value,status,as_given,review,source,taken_from,taken_from_url,note\n"
    assert b"".join(export_csv_chunks(campaign, use_copy=False)) == header
    assert b"".join(export_csv_chunks(campaign, use_copy=True)) == header


def test_each_figure_says_where_it_came_from_and_where_it_was_read(campaign):
    """Issue 14's `source` and issue 13's `taken_from`: the file and cell, the location alone,
    and a quarantined file, or one whose bytes were deleted, never named."""
    build(campaign, more=True)
    rows = list(export_rows(campaign))
    header = rows[0]
    assert header[-4:] == ["source", "taken_from", "taken_from_url", "note"]
    at = {name: i for i, name in enumerate(header)}
    found = {
        (row[0].split()[0], row[1], row[at["value"]]): (row[at["source"]], row[at["taken_from"]])
        for row in rows[1:]
    }
    urls = {
        (row[0].split()[0], row[1], row[at["value"]]): row[at["taken_from_url"]] for row in rows[1:]
    }
    durham = Figure.objects.get(request__force__name__startswith="Durham", value=4)
    assert urls[("Durham", "2015/16", 4)] == f"{settings.SITE_URL}/figures/{durham.pk}/source/"
    assert urls[("Heddlu", "2015/16", 6)] == urls[("Essex", "2015/16", 7)] == ""
    assert urls[("Surrey", "2015/16", 8)] == ""  # a location typed in, no file
    assert found[("Durham", "2015/16", 4)] == ("force", '=reply, "final".xlsx, B7')
    assert found[("Durham", "2016/17", 5)] == ("force", '=reply, "final".xlsx')
    assert found[("Heddlu", "2015/16", 6)] == ("force", "a withheld file, C3")
    assert found[("Essex", "2015/16", 7)] == ("force", "a withheld file, -D4")
    assert found[("Surrey", "2015/16", 8)] == ("force", "=page 2, table 1")
    assert found[("Sussex", "2015/16", 9)] == ("published", "")
    text = write_csv(rows)
    assert "leaked.xlsx" not in text and "deleted.xlsx" not in text
    assert "'=reply" in text  # a file name is text a spreadsheet must not run


def test_an_export_read_back_keeps_each_figures_source(campaign, metric, staff):
    """A published figure exported and imported again stays published; a row's own source wins
    over the import's, and an unknown one names its line."""
    from figures_app.models import Figure
    from figures_app.readers import ImportFileError
    from figures_app.services.imports import import_figures

    data = "force,period,metric,value,source\nKent,2015/16,offences,63,published\n"
    data += "Essex,2015/16,offences,7,\n"
    import_figures(campaign=campaign, actor=staff, data=data.encode(), filename="f.csv")
    sources = dict(Figure.objects.values_list("request__force__name", "source"))
    assert sources == {"Kent Police": "published", "Essex Police": "force"}
    exported = write_csv(export_rows(campaign)).encode()
    import_figures(campaign=campaign, actor=staff, data=exported, filename="again.csv")
    assert dict(Figure.objects.values_list("request__force__name", "source")) == sources
    with pytest.raises(ImportFileError) as caught:
        import_figures(
            campaign=campaign,
            actor=staff,
            data=b"force,period,metric,value,source\nKent,2015/16,offences,63,rumour\n",
            filename="bad.csv",
        )
    assert caught.value.errors[0].startswith("Line 2: unknown source 'rumour'")


def test_a_figures_source_link_opens_its_file_at_its_cell(campaign, client, staff, outsider):
    build(campaign, more=True)
    durham = Figure.objects.get(request__force__name__startswith="Durham", value=4)
    typed = Figure.objects.get(request__force__name__startswith="Surrey", value=8)
    url = reverse("figures_figure_source", args=[durham.pk])
    assert client.get(url).status_code == 302 and "/login" in client.get(url)["Location"]
    client.force_login(outsider)
    assert client.get(url).status_code == 403
    client.force_login(staff)
    response = client.get(url)
    assert response["Location"] == (
        reverse("figures_cells", args=[durham.attachment_id]) + "?cell=B7"
    )
    assert client.get(reverse("figures_figure_source", args=[typed.pk])).status_code == 404
