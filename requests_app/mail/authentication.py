"""Whether the receiving mail server vouches for the sender's domain (RFC 8601). Pure.

Only the Authentication-Results header written by our own server counts: the operator names
it (FOI_TRUSTED_AUTHSERV_ID), and only the topmost header with that authserv-id is read, since a
sender can write any Authentication-Results it likes further down (RFC 8601 section 5: a
receiving server removes or ignores look-alikes of its own, and adds its own on top).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RESULT = re.compile(r"(?i)\b(dmarc|dkim)\s*=\s*(\w+)([^;]*)")
PROPERTY = re.compile(r"(?i)\bheader\.(from|d|i)\s*=\s*\"?([^\s;\"]+)")


@dataclass(frozen=True)
class Vouched:
    domain: str  # the From domain the server vouches for
    how: str  # "DMARC pass" or "DKIM pass, aligned (d=...)"
    server: str


def vouched_domain(auth_results: list[str], *, authserv_id: str, from_email: str) -> Vouched | None:
    """The From address's domain, if our server's verdict is DMARC pass for it, or a DKIM pass
    whose signing domain is aligned with it (the same domain, or one a parent of the other)."""
    if not authserv_id or "@" not in from_email:
        return None
    from_domain = from_email.rpartition("@")[2].lower().rstrip(".")
    ours = [h for h in auth_results if _authserv_id(h) == authserv_id.lower()]
    if not ours:
        return None
    header = ours[0]
    for method, result, rest in RESULT.findall(header):
        if result.lower() != "pass":
            continue
        props = {k.lower(): v.lower().rstrip(".") for k, v in PROPERTY.findall(rest)}
        if method.lower() == "dmarc" and props.get("from") == from_domain:
            return Vouched(from_domain, "DMARC pass", authserv_id)
        if method.lower() == "dkim":
            signer = props.get("d") or props.get("i", "").rpartition("@")[2]
            if signer and _aligned(signer, from_domain):
                return Vouched(from_domain, f"DKIM pass, aligned (d={signer})", authserv_id)
    return None


def _authserv_id(header: str) -> str:
    return header.split(";", 1)[0].strip().split()[0].lower() if header.strip() else ""


def _aligned(signer: str, from_domain: str) -> bool:
    """Relaxed alignment (RFC 7489 3.1.1), without the public suffix list: equal, or one a
    subdomain of the other, never a single label ("uk"). The caller also requires the From
    domain to be the force's own, so a signer of a parent domain vouches only for that."""
    if signer.count(".") < 1:
        return False
    return (
        signer == from_domain
        or from_domain.endswith("." + signer)
        or signer.endswith("." + from_domain)
    )
