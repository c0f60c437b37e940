"""Hand-made messages of every kind a force's mail server sends back, as raw bytes."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone

from requests_app.models import FoiRequest

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def reply(
    *,
    sender: str,
    to: str,
    subject: str,
    body: str = "Please find our response attached.",
    in_reply_to: str = "",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
    html: str = "",
    message_id: str | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = message_id if message_id is not None else make_msgid(domain="force.example")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    for name, ctype, content in attachments:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def force_address(foi: FoiRequest) -> str:
    return foi.force.foi_email


def token_reply(foi: FoiRequest, **kwargs) -> bytes:
    kwargs.setdefault("subject", f"RE: Freedom of Information request [{foi.reference}]")
    return reply(sender=force_address(foi), to=foi.reply_to, **kwargs)


def acknowledgement(foi: FoiRequest, reference: str) -> bytes:
    return reply(
        sender=force_address(foi),
        to=foi.reply_to,
        subject=f"Automatic reply: Freedom of Information request [{foi.reference}]",
        body=(
            "Thank you for your email. We acknowledge receipt of your request for information, "
            f"which will be dealt with under the Act.\n\nOur ref: {reference}\n"
        ),
        headers={"Auto-Submitted": "auto-replied"},
    )


def bounce(foi: FoiRequest, *, message_id: str) -> bytes:
    """An RFC 3464 delivery status notification for the request email we sent."""
    to = foi.force.foi_email
    return (
        "From: MAILER-DAEMON@mx.charity.example.org\r\n"
        "To: foi@charity.example.org\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {format_datetime(timezone.now())}\r\n"
        f"Message-ID: {make_msgid(domain='mx.charity.example.org')}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n'
        "\r\n--b1\r\nContent-Type: text/plain\r\n\r\n"
        f"This is the mail system. Your message could not be delivered to {to}.\r\n"
        "\r\n--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.charity.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; {to}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 <{to}>: Recipient address rejected\r\n"
        "\r\n--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: foi@charity.example.org\r\nTo: {to}\r\n"
        f"Subject: Freedom of Information request [{foi.reference}]\r\n"
        f"Message-ID: {message_id}\r\n"
        "\r\n--b1--\r\n"
    ).encode()
