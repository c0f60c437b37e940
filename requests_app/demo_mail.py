"""Made-up replies from a force, for the local demo: `demo_reply` writes one into the drop folder
so a newcomer can watch the tracker file it without a mail server. Never used on a real site
(the command refuses when DEBUG is off). Each kind is what a force's mail system really sends:
an automatic acknowledgement with the force's reference, a reply with the figures attached as a
spreadsheet, an Exchange out-of-office (filed; the force is still chased), a bounce (RFC 3464),
and a reply that names no request at all (it goes to the Inbox).
"""

from __future__ import annotations

import io
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.conf import settings
from django.utils import timezone
from openpyxl import Workbook

from requests_app.letters import from_address, request_subject
from requests_app.models import FoiRequest

KINDS = ("acknowledgement", "reply", "out-of-office", "bounce", "unplaced")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _force_domain(foi: FoiRequest) -> str:
    return foi.force.foi_email.rpartition("@")[2] or "force.example"


def _message(foi: FoiRequest, *, subject: str, body: str, to: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"{foi.force.name} FOI <{foi.force.foi_email or 'foi@force.example'}>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = make_msgid(domain=_force_domain(foi))
    msg.set_content(body)
    return msg


def _figures_workbook(foi: FoiRequest) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Response"
    sheet.append(["Force", "Period", "Offences recorded"])
    for i, period in enumerate(foi.campaign.periods.order_by("start")):
        sheet.append([foi.force.name, period.label, 37 + 11 * i])
    sheet.append([])
    sheet.append(["Figures of fewer than 5 are shown as <5."])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def acknowledgement(foi: FoiRequest, force_reference: str) -> bytes:
    msg = _message(
        foi,
        subject=f"Automatic reply: {request_subject(foi)}",
        to=foi.reply_to,
        body=(
            "Thank you for your email. We acknowledge receipt of your request for information, "
            "which will be dealt with under the Act within 20 working days.\n\n"
            f"Our ref: {force_reference}\n"
        ),
    )
    msg["Auto-Submitted"] = "auto-replied"
    return msg.as_bytes()


def reply(foi: FoiRequest, force_reference: str) -> bytes:
    msg = _message(
        foi,
        subject=f"RE: {request_subject(foi)} - our ref {force_reference}",
        to=foi.reply_to,
        body=(
            f"Dear requester,\n\nFreedom of Information request {force_reference}\n\n"
            "Please find our response to your request attached. Figures of fewer than five "
            "have been suppressed to protect the identity of victims.\n\n"
            f"Freedom of Information Unit\n{foi.force.name}\n"
        ),
    )
    if foi.sent_message_id:
        msg["In-Reply-To"] = foi.sent_message_id
        msg["References"] = foi.sent_message_id
    msg.add_attachment(
        _figures_workbook(foi),
        maintype="application",
        subtype=XLSX.split("/")[1],
        filename=f"{force_reference.replace('/', '-')} response.xlsx",
    )
    return msg.as_bytes()


def out_of_office(foi: FoiRequest) -> bytes:
    """An FOI officer's Exchange "Automatic reply" to the request's address."""
    msg = _message(
        foi,
        subject=f"Automatic reply: {request_subject(foi)}",
        to=foi.reply_to,
        body=(
            "Thank you for your email. I am out of the office until Monday and have limited "
            "access to email.\n\nFor Freedom of Information requests please write to "
            f"{foi.force.foi_email or 'our FOI team'}.\n"
        ),
    )
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    return msg.as_bytes()


def bounce(foi: FoiRequest) -> bytes:
    """What our own mail server sends back when the force's address does not exist."""
    to = foi.force.foi_email or "foi@force.example"
    ours = from_address()
    domain = settings.FOI_FROM_EMAIL.rpartition("@")[2] or "example.org"
    return (
        f"From: MAILER-DAEMON@{domain}\r\n"
        f"To: {ours}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {format_datetime(timezone.now())}\r\n"
        f"Message-ID: {make_msgid(domain=domain)}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"\r\n'
        "\r\n--dsn\r\nContent-Type: text/plain\r\n\r\n"
        f"This is the mail system. Your message could not be delivered to {to}.\r\n"
        "\r\n--dsn\r\nContent-Type: message/delivery-status\r\n\r\n"
        f"Reporting-MTA: dns; {domain}\r\n\r\n"
        f"Final-Recipient: rfc822; {to}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 <{to}>: Recipient address rejected\r\n"
        "\r\n--dsn\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: {ours}\r\nTo: {to}\r\nReply-To: {foi.reply_to}\r\n"
        f"Subject: {request_subject(foi)}\r\n"
        f"Message-ID: {foi.sent_message_id or make_msgid(domain=domain)}\r\n"
        "\r\n--dsn--\r\n"
    ).encode()


def unplaced(foi: FoiRequest) -> bytes:
    """A force writing fresh, to the organisation's address, naming no request we can match."""
    return _message(
        foi,
        subject="Your recent information request",
        to=from_address(),
        body=(
            "Dear requester,\n\nWe are writing about your recent request. Could you confirm "
            "whether you would like the figures by calendar year or by financial year?\n\n"
            f"Freedom of Information Unit\n{foi.force.name}\n"
        ),
    ).as_bytes()


def demo_message(foi: FoiRequest, kind: str, force_reference: str) -> bytes:
    if kind == "acknowledgement":
        return acknowledgement(foi, force_reference)
    if kind == "reply":
        return reply(foi, force_reference)
    if kind == "out-of-office":
        return out_of_office(foi)
    if kind == "bounce":
        return bounce(foi)
    if kind == "unplaced":
        return unplaced(foi)
    raise ValueError(f"Unknown kind {kind!r}: one of {', '.join(KINDS)}.")
