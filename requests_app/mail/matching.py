"""Which request a message belongs to, and whether that match may act by itself (reads only).

Only what a stranger cannot know may act (file the message, set "new reply", acknowledge,
record a reference, mark an address failing):
1. our token in any recipient header (the per-request Reply-To), or in the Reply-To / To of
   the message a bounce returns;
2. In-Reply-To / References (or a bounce's returned Message-ID) naming a Message-ID we sent and
   stored: the request email or a chaser. Looked up exactly, never parsed for its shape; every
   Message-ID we send has a random part (letters.new_message_id).
What a stranger can know or guess only suggests a request: the message waits in the Inbox and a
person files it in one click. In order:
3. our reference "[FOI-<n>]" in the subject (or a bounce's returned subject): request numbers
   are sequential;
4. the force's own reference in the subject, from the force's mail domain;
5. In-Reply-To / References naming a message already filed (the force's own Message-ID,
   which anyone copied on the thread has seen);
6. the sender's domain is that of exactly one open request's force.
Where the receiving server vouches for the sender's domain (FOI_TRUSTED_AUTHSERV_ID: DMARC, or
DKIM aligned, passing) and that domain is the suggested request's force's, 3 and 4 may act too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q, QuerySet

from requests_app.mail.authentication import vouched_domain
from requests_app.mail.parse import ParsedMessage
from requests_app.models import FoiRequest, InboundMessage, SentReminder, SentRequest
from requests_app.models.mail import MatchedBy
from requests_app.workflow import Status

OUR_REFERENCE = re.compile(r"\[FOI-(\d{1,12})\]")
# Requests the sender's domain alone may suggest: sent and not finished.
CLOSED_FOR_SUGGESTIONS = [Status.DRAFT, Status.WITHDRAWN]


@dataclass(frozen=True)
class Match:
    request: FoiRequest | None
    matched_by: str = ""
    trusted: bool = False
    reason: str = ""
    # The addresses our matched email went to (thread matches), for a bounce to act on.
    sent_to: list[str] = field(default_factory=list)


def token_pattern() -> re.Pattern:
    """FOI_REPLY_TO_TEMPLATE as a pattern, the token captured; case-insensitive, since some
    mail servers lower-case the address (tokens are then looked up ignoring case too)."""
    before, _, after = settings.FOI_REPLY_TO_TEMPLATE.partition("{token}")
    return re.compile(
        re.escape(before) + r"(?P<token>[A-Za-z0-9_-]{16,43})" + re.escape(after), re.I
    )


def match_request(parsed: ParsedMessage) -> Match:
    for finder in (_by_token, _by_thread):
        found = finder(parsed)
        if found is not None:
            return found
    for finder in (_by_our_reference, _by_force_reference, _by_filed_thread, _by_sender):
        found = finder(parsed)
        if found is not None:
            return _vouched(parsed, found)
    return Match(None, reason="Nothing in it names a request: no reply address, thread or "
                 "reference we know.")  # fmt: skip


def _requests() -> QuerySet[FoiRequest]:
    return FoiRequest.objects.select_related("force", "campaign")


# What a stranger cannot know --------------------------------------------------------------


def _by_token(parsed: ParsedMessage) -> Match | None:
    pattern = token_pattern()
    for address, where in [
        *((a, "a recipient") for a in parsed.recipients),
        *((a, "the returned message's Reply-To or To") for a in parsed.returned_to),
    ]:
        found = pattern.fullmatch(address)
        if not found:
            continue
        token = found.group("token")
        foi = _requests().filter(reply_token=token).first()
        if foi is None:
            candidates = list(_requests().filter(reply_token__iexact=token)[:2])
            foi = candidates[0] if len(candidates) == 1 else None
        if foi is not None:
            return Match(
                foi,
                MatchedBy.TOKEN,
                trusted=True,
                reason=f"The request's own reply address ({token[:4]}...) is {where}.",
                sent_to=_addresses_we_emailed(foi),
            )
    return None


def _addresses_we_emailed(foi: FoiRequest) -> list[str]:
    """Where our emails about `foi` (the request, its chasers) went: the addresses a bounce
    carrying its token can be about."""
    sent = SentRequest.objects.filter(request=foi).values_list("to_email", flat=True)
    chasers = SentReminder.objects.filter(request=foi).values_list("to_email", flat=True)
    return sorted({a.lower() for a in [*sent, *chasers] if a})


def _thread_ids(parsed: ParsedMessage) -> list[str]:
    ids = [*parsed.returned_message_ids, *parsed.in_reply_to, *reversed(parsed.references)]
    return [i for i in dict.fromkeys(ids) if i][:50]


def _by_thread(parsed: ParsedMessage) -> Match | None:
    """Exact lookups of the Message-IDs we stored when we sent (with and without brackets)."""
    ids = _thread_ids(parsed)
    if not ids:
        return None
    both = ids + [f"<{i}>" for i in ids]
    sent: dict[int, list[str]] = {}
    for request_id, to_email in SentRequest.objects.filter(message_id__in=both).values_list(
        "request_id", "to_email"
    ):
        sent.setdefault(request_id, []).append(to_email)
    chasers = SentReminder.objects.filter(message_id__in=both, request__isnull=False)
    for request_id, to_email in chasers.values_list("request_id", "to_email"):
        sent.setdefault(request_id, []).append(to_email)
    if len(sent) != 1:
        return None  # none, or a message naming two requests' emails: a person decides
    request_id, sent_to = sent.popitem()
    foi = _requests().filter(pk=request_id).first()
    if foi is None:
        return None
    where = (
        "the message it returns" if set(parsed.returned_message_ids) & set(ids) else "its thread"
    )
    return Match(
        foi,
        MatchedBy.THREAD,
        trusted=True,
        reason=f"{where.capitalize()} names the Message-ID of an email we sent on this request.",
        sent_to=[a.lower() for a in sent_to if a],
    )


# What a stranger can know or guess: suggestions --------------------------------------------


def _by_our_reference(parsed: ParsedMessage) -> Match | None:
    pks = {int(n) for n in OUR_REFERENCE.findall(f"{parsed.subject} {parsed.returned_subject}")}
    if len(pks) != 1:
        return None
    foi = _requests().filter(pk=pks.pop()).first()
    if foi is None:
        return None
    return Match(
        foi, MatchedBy.OUR_REFERENCE, reason=f"Our reference {foi.reference} is in the subject."
    )


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


def _by_force_reference(parsed: ParsedMessage) -> Match | None:
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
    if len(candidates) != 1:
        return None
    foi = candidates[0]
    return Match(
        foi,
        MatchedBy.FORCE_REFERENCE,
        reason=f"The force's reference {foi.force_reference} is in the subject, from {domain}.",
    )


def _by_filed_thread(parsed: ParsedMessage) -> Match | None:
    ids = _thread_ids(parsed)
    if not ids:
        return None
    request_ids = set(
        InboundMessage.objects.filter(message_id__in=ids, request__isnull=False).values_list(
            "request_id", flat=True
        )
    )
    if len(request_ids) != 1:
        return None
    foi = _requests().filter(pk=request_ids.pop()).first()
    if foi is None:
        return None
    return Match(
        foi,
        MatchedBy.FILED_THREAD,
        reason="Its thread names a message filed on this request (anyone copied in has seen "
        "that Message-ID).",
    )


def _by_sender(parsed: ParsedMessage) -> Match | None:
    domain = sender_domain(parsed)
    domain_q = _force_domain_q(domain) if domain else Q()
    if not domain_q:
        return None
    candidates = list(_requests().filter(domain_q).exclude(status__in=CLOSED_FOR_SUGGESTIONS)[:2])
    if len(candidates) != 1:
        return None
    foi = candidates[0]
    return Match(
        foi,
        MatchedBy.SENDER,
        reason=f"Sent from {domain}, the domain of {foi.force}'s FOI address, which has one "
        "open request.",
    )


def _vouched(parsed: ParsedMessage, match: Match) -> Match:
    """A subject match may act when our own mail server vouches for the sender's domain and
    that domain is the force's (FOI_TRUSTED_AUTHSERV_ID)."""
    not_trusted = f"{match.reason} A stranger can write that, so it waits for a person to file it."
    if match.matched_by not in (MatchedBy.OUR_REFERENCE, MatchedBy.FORCE_REFERENCE):
        return Match(match.request, match.matched_by, reason=not_trusted)
    vouched = vouched_domain(
        parsed.auth_results,
        authserv_id=settings.FOI_TRUSTED_AUTHSERV_ID,
        from_email=parsed.from_email,
    )
    force_domain = match.request.force.foi_email.rpartition("@")[2].lower()
    if (
        vouched is None
        or not force_domain
        or not (vouched.domain == force_domain or vouched.domain.endswith("." + force_domain))
    ):
        return Match(match.request, match.matched_by, reason=not_trusted)
    return Match(
        match.request,
        match.matched_by,
        trusted=True,
        reason=f"{match.reason} The sender's domain {vouched.domain} is the force's, and our "
        f"mail server {vouched.server} checked it: {vouched.how}.",
    )


def suggestions(message: InboundMessage, *, limit: int = 8) -> list[FoiRequest]:
    """Requests an unplaced message most likely belongs to: the one its reference or sender
    pointed at when it arrived, our reference in its subject, then open requests to forces at
    the sender's domain, most recently sent first."""
    found: list[FoiRequest] = []
    if message.suggested_request_id:
        found += list(_requests().filter(pk=message.suggested_request_id))
    pks = [int(n) for n in OUR_REFERENCE.findall(message.subject)]
    found += list(_requests().filter(pk__in=pks))
    domain = message.from_email.rpartition("@")[2].lower()
    if domain:
        domain_q = _force_domain_q(domain)
        if domain_q:
            found += list(
                _requests()
                .filter(domain_q)
                .exclude(status__in=CLOSED_FOR_SUGGESTIONS)
                .order_by("-sent_on", "-pk")[:limit]
            )
    return list({foi.pk: foi for foi in found}.values())[:limit]
