"""Which request a message belongs to (reads only).

In order, the first that finds exactly one request wins:
1. our token in any recipient header (the per-request Reply-To);
2. In-Reply-To / References naming a message we sent (the request or a chaser) or one already
   filed on a request;
3. our reference "[FOI-<n>]" in the subject (or a bounce's returned subject);
4. the force's own reference in the subject, from the force's mail domain.
A message none of these places goes to the Inbox; `suggestions` lists likely requests there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet

from requests_app.mail.parse import ParsedMessage
from requests_app.models import FoiRequest, InboundMessage, SentReminder, SentRequest
from requests_app.models.mail import MatchedBy
from requests_app.workflow import Status

OUR_REFERENCE = re.compile(r"\[FOI-(\d{1,12})\]")
CHASER_MESSAGE_ID = re.compile(r"foi-reminder-(\d{1,12})\.")


@dataclass(frozen=True)
class Match:
    request: FoiRequest | None
    matched_by: str = ""


def token_pattern() -> re.Pattern:
    """FOI_REPLY_TO_TEMPLATE as a pattern, the token captured; case-insensitive, since some
    mail servers lower-case the address (tokens are then looked up ignoring case too)."""
    before, _, after = settings.FOI_REPLY_TO_TEMPLATE.partition("{token}")
    return re.compile(
        re.escape(before) + r"(?P<token>[A-Za-z0-9_-]{16,43})" + re.escape(after), re.I
    )


def match_request(parsed: ParsedMessage) -> Match:
    for finder, how in (
        (_by_token, MatchedBy.TOKEN),
        (_by_thread, MatchedBy.THREAD),
        (_by_our_reference, MatchedBy.OUR_REFERENCE),
        (_by_force_reference, MatchedBy.FORCE_REFERENCE),
    ):
        found = finder(parsed)
        if found is not None:
            return Match(found, how)
    return Match(None)


def _requests() -> QuerySet[FoiRequest]:
    return FoiRequest.objects.select_related("force", "campaign")


def _by_token(parsed: ParsedMessage) -> FoiRequest | None:
    pattern = token_pattern()
    addresses = list(parsed.recipients)
    if parsed.returned_to:
        addresses += parsed.returned_to
    for address in addresses:
        found = pattern.fullmatch(address)
        if not found:
            continue
        token = found.group("token")
        foi = _requests().filter(reply_token=token).first()
        if foi is None:
            candidates = list(_requests().filter(reply_token__iexact=token)[:2])
            foi = candidates[0] if len(candidates) == 1 else None
        if foi is not None:
            return foi
    return None


def _by_thread(parsed: ParsedMessage) -> FoiRequest | None:
    ids = [*parsed.in_reply_to, *reversed(parsed.references)]
    if parsed.returned_message_id:
        ids.insert(0, parsed.returned_message_id)
    ids = [i for i in dict.fromkeys(ids) if i][:50]
    if not ids:
        return None
    bracketed = [f"<{i}>" for i in ids]
    both = ids + bracketed
    foi = _requests().filter(sent_message_id__in=both).first()
    if foi is not None:
        return foi
    sent = SentRequest.objects.filter(message_id__in=both).values_list("request_id", flat=True)
    # A chaser's Message-ID is derived from its sent-log row (services.reminders._message_id).
    reminder_pks = {int(m.group(1)) for i in ids if (m := CHASER_MESSAGE_ID.match(i))}
    chaser = SentReminder.objects.filter(pk__in=reminder_pks, request__isnull=False).values_list(
        "request_id", flat=True
    )
    filed = InboundMessage.objects.filter(message_id__in=ids, request__isnull=False).values_list(
        "request_id", flat=True
    )
    request_ids = {*sent, *chaser, *filed}
    if len(request_ids) == 1:
        return _requests().filter(pk=request_ids.pop()).first()
    return None


def _by_our_reference(parsed: ParsedMessage) -> FoiRequest | None:
    pks = {int(n) for n in OUR_REFERENCE.findall(f"{parsed.subject} {parsed.returned_subject}")}
    if len(pks) != 1:
        return None
    return _requests().filter(pk=pks.pop()).first()


def sender_domain(parsed: ParsedMessage) -> str:
    return parsed.from_email.rpartition("@")[2].lower()


def _force_domain_q(domain: str) -> Q:
    """Requests whose force's FOI address is at the sender's domain, or a parent of it
    (a reply from foi@mail.kent.police.uk is from kent.police.uk)."""
    parts = domain.split(".")
    parents = [".".join(parts[i:]) for i in range(len(parts) - 1)]
    query = Q()
    for parent in parents:
        query |= Q(force__foi_email__iendswith=f"@{parent}")
    return query


def _by_force_reference(parsed: ParsedMessage) -> FoiRequest | None:
    domain = sender_domain(parsed)
    if not domain or not parsed.subject:
        return None
    domain_q = _force_domain_q(domain)
    if not domain_q:
        return None
    subject = parsed.subject.lower()
    candidates = [
        foi
        for foi in _requests().filter(domain_q).exclude(force_reference="")
        if foi.force_reference.lower() in subject
    ]
    return candidates[0] if len(candidates) == 1 else None


def suggestions(message: InboundMessage, *, limit: int = 8) -> list[FoiRequest]:
    """Requests an unplaced message most likely belongs to: our reference in its subject, then
    open requests to forces at the sender's domain, most recently sent first."""
    found: list[FoiRequest] = []
    pks = [int(n) for n in OUR_REFERENCE.findall(message.subject)]
    found += list(_requests().filter(pk__in=pks))
    domain = message.from_email.rpartition("@")[2].lower()
    if domain:
        domain_q = _force_domain_q(domain)
        if domain_q:
            found += list(
                _requests()
                .filter(domain_q)
                .exclude(status__in=[Status.DRAFT, Status.WITHDRAWN])
                .order_by("-sent_on", "-pk")[:limit]
            )
    return list({foi.pk: foi for foi in found}.values())[:limit]
