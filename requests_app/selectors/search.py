"""Reads: the site search over campaigns, forces and requests."""

from __future__ import annotations

import re

from django.db.models import Case, Q, QuerySet, Value, When

from requests_app.force_names import ForceNameError, ForceResolver
from requests_app.models import Campaign, FoiRequest, Force

# Search --------------------------------------------------------------------------------------

_OUR_REFERENCE = re.compile(r"^\s*(?:foi\s*[-\s]?\s*)?#?(\d{1,9})\s*$", re.IGNORECASE)


def our_reference_id(query: str) -> int | None:
    """The request id in "FOI-123", "foi 123", "#123" or "123"; None for anything else."""
    match = _OUR_REFERENCE.match(query)
    return int(match.group(1)) if match else None


def search_campaigns(query: str) -> QuerySet[Campaign]:
    return (
        Campaign.objects.filter(Q(title__icontains=query) | Q(slug__icontains=query))
        .select_related("owner")
        .order_by("-created_at", "pk")
    )


def search_forces(query: str) -> QuerySet[Force]:
    """Forces by name, short name, alias or former name, or ONS code: a substring anywhere, or
    the loose match used for input everywhere (force_names: "Devon & Cornwall", "the Met")."""
    q = (
        Q(name__icontains=query)
        | Q(short_name__icontains=query)
        | Q(ons_code__iexact=query.strip())
        | Q(pk__in=Force.objects.filter(aliases__name__icontains=query).values("pk"))
    )
    try:
        loose = ForceResolver().resolve(query)
    except ForceNameError as exc:
        # Ambiguous ("Yorkshire"): each force it could mean.
        if exc.suggestions and "more than one" in str(exc):
            q |= Q(name__in=exc.suggestions)
    else:
        q |= Q(pk=loose.pk)
    return Force.objects.filter(q).prefetch_related("aliases").order_by("name")


def search_requests(query: str) -> QuerySet[FoiRequest]:
    """Requests by our reference ("FOI-123" or "123"), the force's reference, or the force they
    went to (named as search_forces finds it)."""
    text = query.strip()
    q = Q(force_reference__icontains=text) | Q(force__in=search_forces(text).values("pk"))
    ref = our_reference_id(text)
    if ref is not None:
        q |= Q(pk=ref)
    return (
        FoiRequest.objects.filter(q)
        .select_related("force", "campaign")
        # The request whose reference was typed comes first.
        .annotate(is_ref=Case(When(pk=ref or 0, then=Value(0)), default=Value(1)))
        .order_by("is_ref", "-campaign__created_at", "campaign_id", "force__name")
    )
