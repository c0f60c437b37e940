"""Exemptions police cite, by law (DOMAIN.md section 3). Stored as 'law:section' codes."""

FOIA_EXEMPTIONS = [
    ("foia:s12", "s.12 cost limit"),
    ("foia:s14", "s.14 vexatious or repeated"),
    ("foia:s21", "s.21 reasonably accessible elsewhere"),
    ("foia:s22", "s.22 intended for future publication"),
    ("foia:s23", "s.23 security bodies"),
    ("foia:s23(5)", "s.23(5) neither confirm nor deny (security bodies)"),
    ("foia:s24", "s.24 national security"),
    ("foia:s24(2)", "s.24(2) neither confirm nor deny (national security)"),
    ("foia:s30", "s.30 investigations"),
    ("foia:s30(3)", "s.30(3) neither confirm nor deny (investigations)"),
    ("foia:s31", "s.31 law enforcement"),
    ("foia:s31(3)", "s.31(3) neither confirm nor deny (law enforcement)"),
    ("foia:s38", "s.38 health and safety"),
    ("foia:s40(2)", "s.40(2) personal information"),
    ("foia:s40(5)", "s.40(5) neither confirm nor deny (personal information)"),
    ("foia:s41", "s.41 information provided in confidence"),
    ("foia:s43", "s.43 commercial interests"),
]

FOISA_EXEMPTIONS = [
    ("foisa:s12", "s.12 excessive cost (GBP 600)"),
    ("foisa:s14", "s.14 vexatious or repeated"),
    ("foisa:s17", "s.17 information not held"),
    ("foisa:s25", "s.25 otherwise accessible"),
    ("foisa:s27", "s.27 intended for future publication"),
    ("foisa:s31", "s.31 national security and defence"),
    ("foisa:s34", "s.34 investigations"),
    ("foisa:s35", "s.35 law enforcement"),
    ("foisa:s38", "s.38 personal information"),
    ("foisa:s39", "s.39 health, safety and the environment"),
    ("foisa:s18", "s.18 neither confirm nor deny"),
]

EXEMPTIONS_BY_LAW = {"foia": FOIA_EXEMPTIONS, "foisa": FOISA_EXEMPTIONS}
EXEMPTION_LABELS = dict(FOIA_EXEMPTIONS + FOISA_EXEMPTIONS)


def exemption_choices(law: str) -> list[tuple[str, str]]:
    return EXEMPTIONS_BY_LAW[law]


def exemption_label(code: str) -> str:
    return EXEMPTION_LABELS.get(code, code)


def short_label(code: str) -> str:
    """'foia:s40(2)' -> 's.40(2)', for tables and CSV."""
    return "s." + code.split(":", 1)[-1].lstrip("s")
