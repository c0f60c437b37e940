"""The review queue's figure rows, written in Python (review_rows.figure_rows_html): every cell
as the template wrote it, everything a force or a person typed escaped."""

from figures_app.models import Category, Dimension, Figure, FigureSource, Kind, Metric
from figures_app.review_rows import figure_rows_html
from requests_app.models import Period

METRIC = Metric(pk=1, label="Offences <online>")
PERIOD = Period(pk=2, label="2016/17")
AGE = Dimension(pk=3, label="Victim age")


def _figure(**fields) -> Figure:
    return Figure(metric=METRIC, period=PERIOD, **fields)


def test_each_cell_is_written_and_what_was_typed_is_escaped():
    rows = figure_rows_html(
        [
            _figure(kind=Kind.REPORTED, value=361, raw_text="<b>361</b>", note="A & B"),
            _figure(
                kind=Kind.SUPPRESSED,
                lower=1,
                upper=4,
                raw_text="<5",
                category=Category(pk=4, dimension=AGE, value="13", label=""),
                category_key="4",
            ),
            _figure(kind=Kind.REFUSED, exemption="foia:s12", location="Table <2>"),
            _figure(kind=Kind.NOT_HELD, source=FigureSource.PUBLISHED, category_key="4.5"),
        ]
    )
    lines = rows.split("\n")
    assert len(lines) == 4
    assert lines[0] == (
        '<tr><td data-label="Cell">Offences &lt;online&gt; · 2016/17 · total</td>'
        '<td class="text-end" data-label="Value">361</td>'
        '<td data-label="Force’s wording"><code>&lt;b&gt;361&lt;/b&gt;</code></td>'
        '<td data-label="Note">A &amp; B</td>'
        '<td data-label="Source"><span class="text-muted">not recorded</span></td></tr>'
    )
    assert (
        '<td data-label="Cell">Offences &lt;online&gt; · 2016/17 · Victim age 13</td>' in (lines[1])
    )
    assert "1–4 (suppressed)" in lines[1] and "<code>&lt;5</code>" in lines[1]
    assert "Refused (foia:s12)" in lines[2]
    assert '<td data-label="Source">Table &lt;2&gt;</td>' in lines[2]
    assert '<td data-label="Force’s wording"></td>' in lines[2]  # nothing written, no <code>
    assert "Not held" in lines[3] and "published-marker" in lines[3]
    assert "· 4.5</td>" in lines[3]  # a combination of categories is named by its key


def test_no_figures_no_rows():
    assert figure_rows_html([]) == ""
