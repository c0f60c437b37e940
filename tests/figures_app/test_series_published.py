"""Figures loaded from what was published (issue 14): a tidy import with source "published",
marked so wherever figures show."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from figures_app.models import Figure, FigureChange, FigureSource
from requests_app.models import Force

CSV = (
    "force,period,metric,victim_age,value\n"
    "Kent,2015/16,offences,,63\n"
    "Essex,2015/16,offences,,40\n"
    "Kent,2015/16,offences,13,<5\n"
)


@pytest.fixture
def published_file(tmp_path):
    path = tmp_path / "release-2016.csv"
    path.write_text(CSV)
    return path


def _import(campaign, path, *extra):
    out = StringIO()
    call_command("import_figures", campaign.slug, str(path), *extra, stdout=out)
    return out.getvalue()


def test_it_imports_published_figures_marked_as_such(campaign, metric, reviewer, published_file):
    _import(
        campaign, published_file, "--user", reviewer.username, "--approve", "--source", "published"
    )
    assert set(Figure.objects.values_list("source", flat=True)) == {FigureSource.PUBLISHED}
    assert Figure.objects.count() == 3
    # The change of source is in each figure's history.
    assert FigureChange.objects.filter(new_display="source: published").count() == 3


def test_the_default_source_is_the_forces_answer_and_a_reimport_says_so(
    campaign, metric, reviewer, published_file
):
    _import(campaign, published_file, "--user", reviewer.username, "--source", "published")
    _import(campaign, published_file, "--user", reviewer.username)
    assert set(Figure.objects.values_list("source", flat=True)) == {FigureSource.FORCE}
    assert (
        FigureChange.objects.filter(
            old_display="source: published", new_display="source: the force's answer"
        ).count()
        == 3
    )


def test_an_unknown_source_is_refused(campaign, metric, published_file):
    with pytest.raises(CommandError, match="invalid choice: 'rumour'"):
        _import(campaign, published_file, "--source", "rumour")
    assert not Figure.objects.exists()


def test_pages_mark_published_figures(campaign, metric, reviewer, published_file, client):
    _import(
        campaign, published_file, "--user", reviewer.username, "--approve", "--source", "published"
    )
    client.force_login(reviewer)
    kent = Force.objects.get(name="Kent Police")
    foi = campaign.requests.get(force=kent)
    totals = client.get(f"/campaigns/{campaign.slug}/totals/").content.decode()
    assert totals.count("published-marker") == 2  # Kent and Essex
    request_page = client.get(f"/requests/{foi.pk}/").content.decode()
    assert request_page.count("published-marker") == 2  # Kent's total and its age 13 cell
    force_page = client.get(f"/forces/{kent.pk}/").content.decode()
    assert force_page.count("published-marker") == 1  # totals only on the force page


def test_a_file_whose_figures_already_have_its_source_marks_nothing(
    campaign, metric, reviewer, published_file, monkeypatch
):
    """The common case costs one query: every figure of the file's requests is already the
    force's answer, so no cell's key is worked out for marking."""
    from figures_app.services import imports

    _import(campaign, published_file, "--user", reviewer.username)

    def never(*args, **kwargs):
        raise AssertionError("keys worked out with nothing to mark")

    monkeypatch.setattr(imports, "_source_keys", never)
    _import(campaign, published_file, "--user", reviewer.username)
    assert set(Figure.objects.values_list("source", flat=True)) == {FigureSource.FORCE}
    assert not FigureChange.objects.filter(new_display__startswith="source:").exists()
    # A file naming another source still marks its figures.
    monkeypatch.undo()
    _import(campaign, published_file, "--user", reviewer.username, "--source", "published")
    assert set(Figure.objects.values_list("source", flat=True)) == {FigureSource.PUBLISHED}
