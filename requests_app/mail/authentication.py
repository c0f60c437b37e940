"""Whether the receiving mail server vouches for the sender's domain (RFC 8601). Pure.

Only the Authentication-Results header written by our own server counts: the operator names
it (FOI_TRUSTED_AUTHSERV_ID), and only the topmost Authentication-Results header is read, and
only if it is that server's: a receiving server adds its own on top and removes look-alikes of
its own below (RFC 8601 section 5), so anything further down may be the sender's. The header is
parsed by `authres` (a full RFC 8601 parser), never searched for text: its SPF clause and
comments repeat what the sender chose (a HELO name, an envelope address), and a search for
"dkim=pass header.d=..." there would find the sender's words.
"""

from __future__ import annotations

from dataclasses import dataclass

import authres


@dataclass(frozen=True)
class Vouched:
    domain: str  # the From domain the server vouches for
    how: str  # "DMARC pass" or "DKIM pass, aligned (d=...)"
    server: str


def vouched_domain(auth_results: list[str], *, authserv_id: str, from_email: str) -> Vouched | None:
    """The From address's domain, if our server's verdict is DMARC pass for it, or a DKIM pass
    whose signing domain is aligned with it (the same domain, or one a parent of the other)."""
    if not authserv_id or "@" not in from_email or not auth_results:
        return None
    from_domain = from_email.rpartition("@")[2].lower().rstrip(".")
    try:
        header = authres.AuthenticationResultsHeader.parse_value(auth_results[0])
    except Exception:  # unparseable: no verdict, so nothing is vouched for
        return None
    if (header.authserv_id or "").lower() != authserv_id.lower():
        return None
    for result in header.results:
        if (result.result or "").lower() != "pass":
            continue
        props = _properties(result)
        if props is None:
            continue
        method = (result.method or "").lower()
        if method == "dmarc" and props.get("header.from") == from_domain:
            return Vouched(from_domain, "DMARC pass", authserv_id)
        if method == "dkim":
            signer = props.get("header.d") or props.get("header.i", "").rpartition("@")[2]
            if signer and _aligned(signer, from_domain):
                return Vouched(from_domain, f"DKIM pass, aligned (d={signer})", authserv_id)
    return None


def _properties(result) -> dict[str, str] | None:
    """The clause's own ptype.property=value pairs, lower-cased; None when one is given twice
    (a clause that says two things about the same property says nothing)."""
    props: dict[str, str] = {}
    for prop in result.properties:
        key = f"{prop.type}.{prop.name}".lower()
        if key in props:
            return None
        props[key] = str(prop.value or "").strip('"').lower().rstrip(".")
    return props


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
