"""Releases: the public pages (no login), their downloads and the API, all read from a version's
frozen payload; and the staff side (prepare and publish from a campaign, list, preview).

Public means: no login_required. The two-factor middleware acts only on signed-in users, so a
visitor reaches these pages as they are. A version before its embargo (or a release with no
public version) is a 404 to the public, the same as a release that does not exist; staff with a
role see it as a preview (marked, and never cached by a proxy).
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from figures_app.forms_releases import GroupingForm, ReleaseForm
from figures_app.models_releases import ReleaseVersion
from figures_app.release_png import render_png
from figures_app.selectors.release_data import release_nouns
from figures_app.selectors.releases import (
    campaign_releases,
    custom_groupings,
    public_version,
    staff_version,
)
from figures_app.services.releases import (
    ReleaseError,
    caveats_text,
    force_grouping_set,
    release_publish,
)
from figures_app.views.release_presentation import (
    answering_words,
    chart_svg,
    download_rows,
    download_sheets,
    find_chart,
    footer_sentence,
    force_in,
    methodology_html,
    national_context,
    page_metric,
    rule_sentence,
)
from requests_app import roles
from requests_app.access import get_campaign_for_user, view_required
from requests_app.tabular import write_csv, write_xlsx
from requests_app.text import long_datetime

DOWNLOAD_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def _version(request: HttpRequest, slug: str, number: int | None = None):
    """(version, preview): the public version, or for staff any version (a preview when it is
    not public yet). 404 for everyone else, whether missing or embargoed."""
    version = public_version(slug, number)
    if version is not None:
        return version, False
    if roles.can_view(request.user):
        version = staff_version(slug, number)
        if version is not None:
            return version, True
    raise Http404("No such release.")


def _private(response: HttpResponse, preview: bool, staff: bool = False) -> HttpResponse:
    if preview or staff:
        # A preview is a 404 to the public, and a staff member's copy of a public page names
        # embargoed versions: a shared cache must keep neither.
        response["Cache-Control"] = "private, no-store"
    if preview:
        response["X-Robots-Tag"] = "noindex"
    return response


def _versions(version: ReleaseVersion, staff: bool):
    now = timezone.now()
    qs = version.release.versions.order_by("-number")
    if not staff:
        qs = qs.filter(publish_at__lte=now)
    return [
        {"number": n, "publish_at": at, "changelog": log, "embargoed": at > now}
        for n, at, log in qs.values_list("number", "publish_at", "changelog")
    ]


def _page_context(request, version: ReleaseVersion, preview: bool) -> dict:
    payload = version.payload
    rule = payload["rounding"]
    nouns = release_nouns(payload)
    staff = roles.can_view(request.user)
    versions = _versions(version, staff)
    public_numbers = [v["number"] for v in versions if not v["embargoed"]]
    latest = max(public_numbers) if public_numbers else None
    return {
        "version": version,
        "p": payload,
        "slug": version.release.slug,
        "number": version.number,
        "preview": preview,
        "staff": staff,
        "now": timezone.now(),
        "latest": latest,
        "newer_embargoed": [v for v in versions if v["embargoed"] and v["number"] > version.number],
        "versions": versions,
        "nouns": nouns,  # "force" or "council"..., as frozen (release_data.release_nouns)
        "metrics": [page_metric(m, rule, nouns) for m in payload["metrics"]],
        "methodology": methodology_html(payload["methodology"]),
        "footer": footer_sentence(payload),
        "rule_sentence": rule_sentence(rule),
        "answering": [
            {**a, "words": answering_words(a)}
            for a in payload.get("answering", {}).get("forces", [])
        ],
        "answering_method": payload.get("answering", {}).get("method", ""),
    }


def release_public(request: HttpRequest, slug: str) -> HttpResponse:
    version, preview = _version(request, slug)
    context = _page_context(request, version, preview)
    return _private(render(request, "releases/release.html", context), preview, context["staff"])


def release_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version, preview = _version(request, slug, number)
    context = _page_context(request, version, preview)
    return _private(render(request, "releases/release.html", context), preview, context["staff"])


def _force_page(request, slug: str, code: str, number: int | None) -> HttpResponse:
    version, preview = _version(request, slug, number)
    found = force_in(version.payload, code)
    if not found:
        raise Http404("No such force in this release.")
    rule = version.payload["rounding"]
    context = _page_context(request, version, preview)
    nouns = context["nouns"]
    force = found[0][1]
    context.update(
        {
            "force": force,
            "code": code,
            "entries": [
                {
                    "metric": metric,
                    "f": f,
                    "row": next(
                        r
                        for r in page_metric(metric, rule, nouns)["force_rows"]
                        if r["f"]["force_code"] == code
                    ),
                    "context": national_context(f, metric, rule, nouns),
                    "ranked": sum(1 for x in metric["forces"] if x.get("rank")),
                    "areas": [(g, a) for g, a in f["areas"].items()],
                }
                for metric, f in found
            ],
            "answer": next(
                (
                    {**a, "words": answering_words(a)}
                    for a in version.payload.get("answering", {}).get("forces", [])
                    if a["force_code"] == code
                ),
                None,
            ),
        }
    )
    return _private(render(request, "releases/force.html", context), preview, context["staff"])


def release_force(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    return _force_page(request, slug, code, None)


def release_version_force(request: HttpRequest, slug: str, number: int, code: str) -> HttpResponse:
    return _force_page(request, slug, code, number)


def release_download(request: HttpRequest, slug: str, number: int, fmt: str) -> HttpResponse:
    if fmt not in DOWNLOAD_TYPES:
        raise Http404("No such download.")
    version, preview = _version(request, slug, number)
    payload = version.payload
    name = f"{slug}-v{number}"
    if fmt == "json":
        body = json.dumps(payload, indent=1, ensure_ascii=False).encode()
    elif fmt == "csv":
        body = write_csv(download_rows(payload)).encode()
    else:
        body = write_xlsx(download_sheets(payload), title=payload["title"], freeze_header=True)
    response = HttpResponse(body, content_type=DOWNLOAD_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return _private(response, preview)


def release_chart(
    request: HttpRequest, slug: str, number: int, metric: str, chart: str, fmt: str
) -> HttpResponse:
    if fmt not in ("svg", "png"):
        raise Http404("No such chart.")
    version, preview = _version(request, slug, number)
    spec = find_chart(version.payload, metric, chart)
    if spec is None:
        raise Http404("No such chart.")
    if fmt == "png":
        response = HttpResponse(render_png(spec), content_type="image/png")
    else:
        svg = str(chart_svg(spec)).replace('width="100%"', 'width="760"', 1)
        response = HttpResponse(
            '<?xml version="1.0" encoding="utf-8"?>\n' + svg, content_type="image/svg+xml"
        )
    response["Content-Disposition"] = f'inline; filename="{slug}-v{number}-{metric}-{chart}.{fmt}"'
    return _private(response, preview)


def release_api(request: HttpRequest, slug: str) -> JsonResponse:
    """The frozen JSON (public). ?version=N for an earlier version. Embargoed or unpublished:
    404, the same as a release that does not exist (staff included: the API is the public's)."""
    raw = request.GET.get("version")
    number = None
    if raw is not None:
        if not raw.isdigit() or int(raw) < 1:
            return JsonResponse({"error": "version must be a whole number from 1."}, status=400)
        number = int(raw)
    version = public_version(slug, number)
    if version is None:
        return JsonResponse({"error": f"No published release '{slug}'."}, status=404)
    payload = version.payload
    body = {
        "slug": payload["slug"],
        "title": payload["title"],
        "version": payload["version"],
        "published_at": payload["published_at"],
        "methodology": payload["methodology"],
        "changelog": payload["changelog"],
        "metrics": payload["metrics"],
    }
    if "bodies" in payload:
        body["bodies"] = payload["bodies"]
    if "answering" in payload:
        body["answering"] = payload["answering"]
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


# --- staff side ----------------------------------------------------------------------------------


@view_required
def release_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The link staff share inside the organisation: the newest version, embargoed or not."""
    version = staff_version(slug)
    if version is None:
        raise Http404("No such release.")
    return redirect("release_version", slug, version.number)


@view_required
def campaign_release_list(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_user(request, slug)
    now = timezone.now()
    releases = [
        {
            "release": r,
            "versions": [
                {"v": v, "embargoed": v.publish_at > now}
                for v in sorted(r.versions.all(), key=lambda v: -v.number)
            ],
        }
        for r in campaign_releases(campaign)
    ]
    return render(
        request,
        "releases/campaign_releases.html",
        {
            "campaign": campaign,
            "releases": releases,
            "can_publish": roles.can_review(request.user),
            "groupings": custom_groupings(campaign),
        },
    )


@require_http_methods(["GET", "POST"])
@view_required
def release_prepare(request: HttpRequest, slug: str) -> HttpResponse:
    """Prepare and publish a release (or the next version of one: ?release=SLUG)."""
    campaign = get_campaign_for_user(request, slug)
    roles.require_review(request.user)
    existing = None
    if request.GET.get("release"):
        existing = staff_version(request.GET["release"])
        if existing is None or existing.release.campaign_id != campaign.pk:
            raise Http404("No such release of this campaign.")
    form = ReleaseForm(
        request.POST or None,
        campaign=campaign,
        initial=_initial(campaign, existing),
        next_version=existing is not None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = release_publish(
                campaign=campaign,
                actor=request.user,
                slug=existing.release.slug if existing else form.cleaned_data["slug"],
                spec=form.spec(),
                publish_at=form.cleaned_data["publish_at"],
                note=form.cleaned_data.get("note", ""),
            )
        except ReleaseError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            embargoed = version.publish_at > timezone.now()
            messages.success(
                request,
                f"Published version {version.number} of '{version.release.title}'"
                + (
                    f", embargoed until {long_datetime(timezone.localtime(version.publish_at))}: "
                    "this preview is visible only to staff."
                    if embargoed
                    else "."
                ),
            )
            return redirect("release_version", version.release.slug, version.number)
    return render(
        request,
        "releases/prepare.html",
        {"campaign": campaign, "form": form, "existing": existing},
        status=400 if request.method == "POST" else 200,
    )


def _initial(campaign, existing: ReleaseVersion | None) -> dict:
    if existing is None:
        return {
            "metrics": [m.slug for m in campaign.metrics.all()],
            "periods": list(campaign.periods.values_list("label", flat=True)),
        }
    return {
        "title": existing.release.title,
        "slug": existing.release.slug,
        "metrics": existing.metrics,
        "periods": existing.periods,
        "methodology": existing.methodology,
        "caveats": caveats_text(campaign=campaign, caveats=existing.caveats),
        "include_answering": existing.include_answering,
        "regions_grouping": existing.regions_grouping,
    }


@require_http_methods(["GET", "POST"])
@view_required
def campaign_groupings(request: HttpRequest, slug: str) -> HttpResponse:
    """A campaign's own grouping of forces (e.g. the charity's areas), for release regions."""
    campaign = get_campaign_for_user(request, slug, write=True)
    form = GroupingForm(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            placed = force_grouping_set(
                campaign=campaign,
                actor=request.user,
                grouping=form.cleaned_data["grouping"],
                text=form.cleaned_data["areas"],
            )
        except ReleaseError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(
                request, f"Saved '{form.cleaned_data['grouping']}': {placed} forces placed."
            )
            return redirect("campaign_release_list", campaign.slug)
    return render(
        request,
        "releases/groupings.html",
        {"campaign": campaign, "form": form},
        status=400 if request.method == "POST" else 200,
    )
