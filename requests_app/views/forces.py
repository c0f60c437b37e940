from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from requests_app.access import edit_required, view_required
from requests_app.forms import ForceListForm
from requests_app.models import Force, ForceList
from requests_app.selectors.forces import force_record
from requests_app.services.campaigns import force_list_save
from requests_app.services.errors import ServiceError
from requests_app.text import plural


@view_required
def force_list(request):
    forces = Force.objects.prefetch_related("aliases").order_by("country", "region", "name")
    lists = ForceList.objects.prefetch_related("forces").select_related("owner")
    return render(request, "requests_app/force_list.html", {"forces": forces, "lists": lists})


FORCE_REQUESTS_PER_PAGE = 50


# The latest changes of a force's FOI address shown on its page (the admin lists them all).
ADDRESS_CHANGES_SHOWN = 10


@view_required
def force_detail(request, pk, *, sections: Callable[..., list[str]]):
    """A force's page; `sections(http_request, force)` -> the HTML of what other apps show below
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
                )
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                messages.success(
                    request, f"Saved list '{saved.name}' ({plural(saved.forces.count(), 'force')})."
                )
                return redirect("force_list")
        status = 400
    else:
        initial = {}
        if force_list_obj:
            initial = {"name": force_list_obj.name, "forces": list(force_list_obj.forces.all())}
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
