from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from requests_app.access import edit_required, view_required
from requests_app.body_lists import BodyFileError, read_bodies
from requests_app.body_words import body_nouns, kind_nouns
from requests_app.forms import ForceListForm
from requests_app.forms_bodies import BodiesImportForm
from requests_app.models import Force, ForceList
from requests_app.selectors.forces import force_record, list_sizes
from requests_app.services.bodies import bodies_import
from requests_app.services.campaigns import force_list_save
from requests_app.services.errors import ServiceError


@view_required
def force_list(request):
    forces = Force.objects.prefetch_related("aliases").order_by("kind", "country", "region", "name")
    lists = list_sizes(ForceList.objects.select_related("owner"))
    return render(request, "requests_app/force_list.html", {"forces": forces, "lists": lists})


FORCE_REQUESTS_PER_PAGE = 50


# The latest changes of a force's FOI address shown on its page (the admin lists them all).
ADDRESS_CHANGES_SHOWN = 10


@view_required
def force_detail(request, pk, *, sections: Callable[..., list[str]]):
    """A body's page (a force's, a council's: its words by kind); `sections(http_request, force)` -> the HTML of what other apps show below
    its requests (the figures), wired by foi_tracker/pages/force_page.py."""
    force = get_object_or_404(Force.objects.prefetch_related("aliases"), pk=pk)
    record = force_record(force, timezone.localdate())
    page = Paginator(record.rows, FORCE_REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    shown = sections(request, force)
    address_changes = force.address_changes.select_related("changed_by")[:ADDRESS_CHANGES_SHOWN]
    return render(
        request,
        "requests_app/force_detail.html",
        {
            "force": force,
            "record": record,
            "page": page,
            "sections": shown,
            "address_changes": address_changes,
            "nouns": kind_nouns(force.kind),
        },
    )


def _list_form_page(request, force_list_obj=None):
    if request.method == "POST":
        form = ForceListForm(request.POST)
        if form.is_valid():
            try:
                saved = force_list_save(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    forces=list(form.cleaned_data["forces"]),
                    list_id=force_list_obj.pk if force_list_obj else None,
                    kind=form.cleaned_data["kind"],
                    nation=form.cleaned_data["nation"],
                )
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                members = list(saved.members().values_list("kind", "country"))
                size = body_nouns(members).count(len(members))
                messages.success(request, f"Saved list '{saved.name}' ({size}).")
                return redirect("force_list")
        status = 400
    else:
        initial = {}
        if force_list_obj:
            initial = {
                "name": force_list_obj.name,
                "kind": force_list_obj.kind,
                "nation": force_list_obj.nation,
                "forces": list(force_list_obj.forces.all()),
            }
        form = ForceListForm(initial=initial)
        status = 200
    return render(
        request,
        "requests_app/force_list_form.html",
        {"form": form, "force_list": force_list_obj},
        status=status,
    )


@edit_required
def force_list_new(request):
    return _list_form_page(request)


@edit_required
def force_list_edit(request, pk):
    obj = get_object_or_404(ForceList, pk=pk)
    if obj.builtin:
        messages.error(request, "Built-in lists cannot be changed; make a new list instead.")
        return redirect("force_list")
    return _list_form_page(request, obj)


# A list of every council in the UK is some 400 lines; a registry export some 30,000.
BODIES_UPLOAD_MAX_BYTES = 20 * 1024 * 1024


@edit_required
def bodies_import_page(request):
    """Import a list of public bodies (the page for `import_bodies`): the report, line by line."""
    report = None
    if request.method == "POST":
        form = BodiesImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > BODIES_UPLOAD_MAX_BYTES:
                    raise BodyFileError("The file is larger than 20 MB.")
                rows = read_bodies(upload.read(), upload.name, overrides=form.overrides())
            except BodyFileError as exc:
                form.add_error("file", str(exc))
            else:
                report = bodies_import(
                    rows,
                    kind=form.cleaned_data["kind"],
                    nation=form.cleaned_data["nation"],
                    actor=request.user,
                    source=upload.name,
                    dry_run=form.cleaned_data["check_only"],
                )
        status = 200 if report and not report.refused else 400
    else:
        form = BodiesImportForm()
        status = 200
    return render(
        request, "requests_app/bodies_import.html", {"form": form, "report": report}, status=status
    )
