"""What kind of message arrived, why, and the force's reference if it gives one. Pure.

In order, the first that applies decides:
1. a delivery report: a DSN (RFC 3464) at any depth, by its Action (failed: a bounce; delayed:
   a delay), else GNU Mailman's detectors (flufl.bounce) for the MTAs that send no DSN, else the
   subjects reports carry ("Undeliverable:", "Returned Mail", "(Delay)"...);
2. spam, as the receiving server marked it;
3. automatic (RFC 3834 Auto-Submitted, or what real clients and gateways send instead: the
   X-Autoreply family, X-POST-MessageClass, Precedence, a null Return-Path, the subjects Exchange,
   Outlook, Notes, gateways and Welsh clients use): an acknowledgement if it says the request
   was received and gives a reference or the time to answer, otherwise an out-of-office;
4. a person's message whose subject says it acknowledges, and whose text does: an
   acknowledgement;
5. anything else is a reply a person must read.
Only a reply wants a person: nothing automatic sets "new reply" or stops the chasers. Where a
message could be either, it is read as a reply (a person looks) rather than as automatic (a
force's answer filed away unread): an automatic-looking message carrying a document is a reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from requests_app.mail.parse import ParsedMessage
from requests_app.mail.reply_text import split_reply
from requests_app.models.mail import MessageKind

# "Our ref: 001234/17", "Your reference number is FOI/001234/17", "Reference 2026-0789",
# "FOI Ref: CS/123", "Cyfeirnod: FOI 3456/26", "Our reference: IM-FOI-2026-1234". Labels in
# any case; the reference itself must hold a digit, after at most three upper-case prefixes.
FORCE_REFERENCE = re.compile(
    r"(?i:\b(?:(?:our|your|foi|case|request)\s+)?(?:ref(?:erence)?\.?|cyfeirnod)"
    r"(?:\s+(?:no\.?|number|rhif))?(?:\s+is)?|\bcase\s+number|\brhif\s+cyfeirnod)"
    r"\s*[:#]?\s*(?P<ref>(?:[A-Z]{1,8}[ /-]){0,3}\d[\w/.-]*\d|\d+)"
)
OUR_REFERENCE = re.compile(r"^FOI-\d+$", re.I)

BOUNCE_SENDER = re.compile(r"(?i)^(mailer-daemon|postmaster|mail-daemon|mail delivery)")
BOUNCE_SUBJECT = re.compile(
    r"(?i)(undeliverable|undelivered mail|returned mail|mail delivery (failed|failure)"
    r"|delivery status notification \(failure\)|delivery (has )?failed|failure notice"
    r"|non[- ]?delivery|could not be delivered|message not delivered|delivery failure)"
)
DELAY_SUBJECT = re.compile(
    r"(?i)(\(delay\)|delivery delayed|delayed mail|message delayed|delivery is delayed"
    r"|warning: (message|could not send message).{0,60}delayed|still being retried)"
)
AUTO_SUBJECT = re.compile(
    r"(?i)^\s*(automatic reply|auto[- ]?reply|auto:|autoresponse|auto[- ]response"
    r"|out of (the )?office( autoreply| auto-reply| reply)?|ooo\b|ateb awtomatig"
    r"|allan o['’]r swyddfa)"
)
AUTO_PRECEDENCE = ("auto_reply", "auto-reply", "bulk", "junk")
AUTO_HEADERS = {
    "x-autoreply": "X-Autoreply",
    "x-autorespond": "X-Autorespond",
    "x-autoreply-from": "X-Autoreply-From",
    "x-autoresponder": "X-Autoresponder",
}
RECEIVED = re.compile(
    r"(?i)(thank(s| you) for (your|the) (request|e-?mail|message|enquiry|correspondence"
    r"|freedom of information|foi|information request|application)"
    r"|we (have|has) (now )?received|(has|have) been (received|logged|registered)"
    r"|acknowledge|acknowledgement|acknowledgment|receipt of your"
    r"|diolch (am|i chi am) eich (cais|e-?bost|neges)|wedi (derbyn|cael) eich)"
)
TIMESCALE = re.compile(
    r"(?i)((20|twenty|40|forty) working days|\d{1,2} working days|diwrnod gwaith"
    r"|(respond|response|reply|answer)\w*\s+(to you\s+)?(by|within|no later than|before)\s"
    r"|(response|due) date)"
)
AWAY = re.compile(
    r"(?i)(out of (the )?office|on (annual )?leave|away from (the|my) (office|desk)"
    r"|(returning|return|back) (to the office )?on\b|currently (away|absent|unavailable)"
    r"|allan o['’]r swyddfa|ar wyliau)"
)
# A person's (or a case system's) acknowledgement says so at the start of its own subject, not
# in ours quoted after "RE:" (a campaign titled "Complaints received" must not make every
# answer an acknowledgement).
ACK_SUBJECT = re.compile(
    r"(?i)^\s*(acknowledg|receipt|confirmation of receipt|received:|request received"
    r"|we have received|your (foi |freedom of information |information )?(request|e-?mail)"
    r" (has been |was )?received)"
)
REPLY_PREFIXES = re.compile(r"(?i)^\s*((re|fw|fwd|aw|sv|ateb|ymlaen)\s*(\[\d+\])?\s*:\s*)+")
DOCUMENT_TYPES = (
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument",
    "application/vnd.ms-excel",
    "application/vnd.oasis.opendocument",
    "text/csv",
    "application/zip",
)


@dataclass(frozen=True)
class Recognised:
    kind: str
    reason: str  # shown on the message's page: what decided it


def recognise(parsed: ParsedMessage) -> Recognised:
    report = _delivery_report(parsed)
    if report is not None:
        return report
    if is_spam(parsed):
        return Recognised(MessageKind.SPAM, "X-Spam-Flag: YES (the receiving mail server)")
    marks = automatic_marks(parsed)
    documents = _documents(parsed)
    if marks and documents:
        return Recognised(
            MessageKind.REPLY,
            f"{'; '.join(marks)}, but it carries {documents}: read as a reply, so a person "
            "looks at it",
        )
    acknowledges = acknowledgement_signs(parsed)
    if marks:
        if acknowledges:
            return Recognised(
                MessageKind.ACKNOWLEDGEMENT,
                f"automatic ({'; '.join(marks)}) and it acknowledges the request "
                f"({', '.join(acknowledges)})",
            )
        return Recognised(MessageKind.AUTO_REPLY, f"automatic: {'; '.join(marks)}")
    own_subject = REPLY_PREFIXES.sub("", parsed.subject or "")
    if acknowledges and not documents and ACK_SUBJECT.match(own_subject):
        return Recognised(
            MessageKind.ACKNOWLEDGEMENT,
            f"the subject says it acknowledges, and the text does ({', '.join(acknowledges)})",
        )
    return Recognised(MessageKind.REPLY, "no sign of an automatic message: a person's reply")


def _delivery_report(parsed: ParsedMessage) -> Recognised | None:
    actions = parsed.dsn_actions
    if "failed" in actions:
        status = _dsn_field(parsed, "status")
        return Recognised(
            MessageKind.BOUNCE,
            f"a delivery status report (RFC 3464) with Action: failed{status}",
        )
    if "delayed" in actions:
        return Recognised(
            MessageKind.DELAY,
            f"a delivery status report (RFC 3464) with Action: delayed{_dsn_field(parsed, 'status')}",
        )
    if parsed.report_type == "delivery-status" and not actions:
        return Recognised(MessageKind.BOUNCE, "a delivery status report (RFC 3464) with no Action")
    if parsed.bounce_failed:
        return Recognised(
            MessageKind.BOUNCE,
            "GNU Mailman's bounce detectors (flufl.bounce) found a permanent failure for "
            + ", ".join(parsed.bounce_failed[:3]),
        )
    if parsed.bounce_delayed:
        return Recognised(
            MessageKind.DELAY,
            "GNU Mailman's bounce detectors (flufl.bounce) found a delay for "
            + ", ".join(parsed.bounce_delayed[:3]),
        )
    subject = parsed.subject or ""
    from_system = _from_mail_system(parsed)
    delay = DELAY_SUBJECT.search(subject)
    if delay and (from_system or delay.start() == 0 or "(delay)" in delay.group(0).lower()):
        return Recognised(MessageKind.DELAY, f"{from_system or 'the subject'}: {delay.group(0)!r}")
    bounce = BOUNCE_SUBJECT.search(subject)
    if bounce and (from_system or bounce.start() == 0):
        where = "begins" if bounce.start() == 0 else "says"
        return Recognised(
            MessageKind.BOUNCE,
            f"the subject {where} {bounce.group(0)!r}"
            + (f"; {from_system}" if from_system else ""),
        )
    return None


def _from_mail_system(parsed: ParsedMessage) -> str:
    """Why the sender looks like a mail system rather than a person, or ""."""
    if parsed.return_path == "":
        return "the Return-Path is empty (<>)"
    if not parsed.from_email:
        return "no sender address"
    local = parsed.from_email.partition("@")[0]
    if BOUNCE_SENDER.match(local) or BOUNCE_SENDER.match(parsed.from_name or ""):
        return f"sent by {parsed.from_email}"
    return ""


def _dsn_field(parsed: ParsedMessage, name: str) -> str:
    found = re.search(rf"(?im)^{name}:\s*(\S+)", parsed.delivery_status)
    return f", {name.capitalize()}: {found.group(1)}" if found else ""


def automatic_marks(parsed: ParsedMessage) -> list[str]:
    """Every sign that no person wrote the message (RFC 3834 and what clients send instead)."""
    headers = parsed.headers
    marks = []
    auto = headers.get("auto-submitted", "").strip()
    if auto and auto.lower().split(";")[0].strip() != "no":
        marks.append(f"Auto-Submitted: {auto[:60]}")
    for name, label in AUTO_HEADERS.items():
        if name in headers:
            marks.append(f"{label}: {headers[name][:60]}".rstrip(": "))
    post_class = headers.get("x-post-messageclass", "")
    if "autoresponder" in post_class.lower():
        marks.append(f"X-POST-MessageClass: {post_class[:60]}")
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in AUTO_PRECEDENCE:
        marks.append(f"Precedence: {precedence}")
    if parsed.return_path == "":
        marks.append("the Return-Path is empty (<>)")
    subject = AUTO_SUBJECT.match(parsed.subject or "")
    if subject:
        marks.append(f"the subject begins {subject.group(1).strip()!r}")
    return marks


def acknowledgement_signs(parsed: ParsedMessage) -> list[str]:
    """What in the message's own text (not the history it quotes) says the request was received
    and will be answered: a receipt, plus a reference or the time to answer. An out-of-office
    ("back on Monday, I will reply by Friday") has no reference and is not one."""
    text = f"{parsed.subject}\n{split_reply(parsed.text[:20_000]).new[:4000]}"
    received = RECEIVED.search(text)
    if not received:
        return []
    reference = force_reference(parsed)
    timescale = TIMESCALE.search(text)
    if reference:
        signs = [repr(received.group(0)), f"a reference ({reference})"]
        return signs + ([repr(timescale.group(0).strip())] if timescale else [])
    if timescale and not AWAY.search(text):
        return [repr(received.group(0)), repr(timescale.group(0).strip())]
    return []


def _documents(parsed: ParsedMessage) -> str:
    names = [
        a.name
        for a in parsed.attachments
        if a.content_type.startswith(DOCUMENT_TYPES)
        or a.name.lower().endswith(
            (".pdf", ".xlsx", ".xls", ".csv", ".doc", ".docx", ".ods", ".odt")
        )
    ]
    if not names:
        return ""
    return f"{len(names)} document{'s' if len(names) != 1 else ''} ({', '.join(names[:3])})"


def is_spam(parsed: ParsedMessage) -> bool:
    return parsed.headers.get("x-spam-flag", "").strip().upper() == "YES"


def force_reference(parsed: ParsedMessage) -> str:
    """The force's own reference, if the subject or the message's own text gives one."""
    for text in (parsed.subject, split_reply(parsed.text[:20_000]).new[:4000]):
        for match in FORCE_REFERENCE.finditer(text or ""):
            ref = match.group("ref").strip(" .-/")
            if (
                OUR_REFERENCE.match(ref)
                and f"[{ref}]".lower() in f"{parsed.subject} {text}".lower()
            ):
                continue  # our own reference, quoted back
            if any(ch.isdigit() for ch in ref):
                return ref[:100]
    return ""


def bounce_reason(parsed: ParsedMessage) -> str:
    unfolded = re.sub(r"\r?\n[ \t]+", " ", parsed.delivery_status)  # header continuation lines
    for line in unfolded.splitlines():
        if line.lower().startswith("diagnostic-code:"):
            return line.split(":", 1)[1].strip()[:500]
    lines = [line.strip() for line in parsed.text.splitlines() if line.strip()]
    return (lines[0] if lines else parsed.subject)[:500]
