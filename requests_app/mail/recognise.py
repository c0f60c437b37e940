"""What kind of message a reply is, and the force's reference if it gives one. Pure.

Only what is safe to recognise is acted on: an automatic acknowledgement (marked as automatic
by its headers, or with the wording forces' systems use) and a delivery failure report. Anything
else is a reply a person must read, so it is flagged, never interpreted.
"""

from __future__ import annotations

import re

from requests_app.mail.parse import ParsedMessage
from requests_app.models.mail import MessageKind

ACK_WORDING = re.compile(
    r"(?i)\b(acknowledge|acknowledgement|acknowledgment|we have received your"
    r"|your request (has been|was) received|receipt of your (request|email|e-mail))\b"
)
# "Our ref: 001234/17", "Reference number FOI 2017-123", "FOI Ref: CS/123"
FORCE_REFERENCE = re.compile(
    r"(?i:\bour\s+ref(?:erence)?\.?(?:\s+(?:no\.?|number))?|\breference\s+(?:no\.?|number)"
    r"|\bfoi\s+ref(?:erence)?\.?(?:\s+(?:no\.?|number))?|\bcase\s+(?:ref(?:erence)?|number))"
    r"\s*[:#]?\s*(?P<ref>(?:[A-Z]{2,6}[ /-]?)?\d[\w/.-]*\d|\d+)"
)
BOUNCE_SENDERS = re.compile(r"(?i)^(mailer-daemon|postmaster|mail-daemon)@")
BOUNCE_SUBJECT = re.compile(
    r"(?i)(undeliverable|undelivered mail|delivery status notification \(failure\)"
    r"|mail delivery (failed|failure|subsystem)|returned mail|delivery has failed"
    r"|failure notice)"
)


def is_bounce(parsed: ParsedMessage) -> bool:
    """A delivery failure report (RFC 3464), or one that looks like the common non-standard ones.

    A delay notice ("Action: delayed") is not a failure.
    """
    if parsed.report_type == "delivery-status":
        return "action: failed" in parsed.delivery_status.lower() or not parsed.delivery_status
    return bool(BOUNCE_SENDERS.match(parsed.from_email) and BOUNCE_SUBJECT.search(parsed.subject))


def is_automatic(parsed: ParsedMessage) -> bool:
    """Marked automatic by its headers (RFC 3834 Auto-Submitted, or the common X- headers)."""
    headers = parsed.headers
    auto = headers.get("auto-submitted", "").lower()
    if auto and auto != "no":
        return True
    if "x-autoreply" in headers or "x-autorespond" in headers or "x-autoreply-from" in headers:
        return True
    return headers.get("precedence", "").lower() in ("auto_reply", "auto-reply")


def is_spam(parsed: ParsedMessage) -> bool:
    return parsed.headers.get("x-spam-flag", "").strip().upper() == "YES"


def kind_of(parsed: ParsedMessage) -> str:
    if is_bounce(parsed):
        return MessageKind.BOUNCE
    if is_spam(parsed):
        return MessageKind.SPAM
    wording = ACK_WORDING.search(parsed.subject) or ACK_WORDING.search(parsed.text[:2000])
    if is_automatic(parsed):
        return MessageKind.ACKNOWLEDGEMENT if wording else MessageKind.AUTO_REPLY
    if wording and ACK_WORDING.search(parsed.subject or ""):
        # A person's reply whose subject says it acknowledges: still only an acknowledgement.
        return MessageKind.ACKNOWLEDGEMENT
    return MessageKind.REPLY


def force_reference(parsed: ParsedMessage) -> str:
    """The force's own reference, if the subject or the start of the text gives one."""
    for text in (parsed.subject, parsed.text[:3000]):
        for match in FORCE_REFERENCE.finditer(text or ""):
            ref = match.group("ref").strip(" .-/")
            if ref.upper().startswith("FOI-") and ref[4:].isdigit() and f"[{ref}]" in text:
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
