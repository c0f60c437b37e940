"""Word documents (.docx, .docm) read from their package parts: tracked changes, comments,
hidden/white/tiny text, embedded files, links to outside files, macros, author fields."""

from __future__ import annotations

import re

from requests_app.screening import findings as k
from requests_app.screening.findings import Finding, finding
from requests_app.screening.limits import Limits
from requests_app.screening.packages import Package, core_authors, local
from requests_app.screening.xlsx import _count, _embeddings

# The story parts: body, headers, footers, footnotes, endnotes.
_STORY = re.compile(r"^word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")
REVISIONS = {"ins", "del", "moveFrom", "moveTo"}
TINY_HALF_POINTS = 8  # w:sz is in half-points: under 4 pt
# Relationship types that point outside the file on purpose and say nothing hidden.
_HARMLESS_EXTERNAL = {"hyperlink"}


def is_document(package: Package) -> bool:
    return package.has("word/document.xml")


def screen(package: Package, limits: Limits) -> list[Finding]:
    found: list[Finding] = []
    for part in sorted(n for n in package.names if _STORY.match(n)):
        limits.check_time()
        revisions, hidden_runs = _story(package, part)
        if revisions:
            found.append(finding(k.TRACKED_CHANGES, part, revisions))
        if hidden_runs:
            found.append(finding(k.WHITE_OR_TINY_TEXT, part, hidden_runs))
        for kind, target, mode in package.rels(part).values():
            if mode == "External" and kind not in _HARMLESS_EXTERNAL:
                found.append(finding(k.EXTERNAL_LINK, f"{part} ({kind}) -> {target}", 1))
    if package.has("word/comments.xml"):
        comments = _count(package, "word/comments.xml", "comment")
        if comments:
            found.append(finding(k.COMMENTS, "word/comments.xml", comments))
    found.extend(_embeddings(package, "word/embeddings/"))
    if package.has("word/vbaProject.bin"):
        found.append(finding(k.MACRO, "word/vbaProject.bin", 1))
    authors = core_authors(package)
    if authors:
        found.append(finding(k.AUTHOR_METADATA, f"docProps ({', '.join(authors)})", len(authors)))
    return found


def _story(package: Package, part: str) -> tuple[int, int]:
    """(revisions, runs with text that is hidden, white or tiny) in one story part."""
    revisions = hidden_runs = 0
    in_run_properties = False
    run_hidden = run_has_text = False
    body = None
    for event, element in package.iterparse(part):
        tag = local(element.tag)
        if event == "start":
            if tag == "body":
                body = element
            elif tag == "r":
                run_hidden = run_has_text = False
            elif tag == "rPr":
                in_run_properties = True
            elif tag in REVISIONS:
                revisions += 1
            continue
        if tag == "rPr":
            in_run_properties = False
        elif in_run_properties and tag == "vanish" and _on(element):
            run_hidden = True
        elif in_run_properties and tag == "color":
            if (_attr(element, "val") or "").upper() == "FFFFFF":
                run_hidden = True
        elif in_run_properties and tag == "sz":
            try:
                run_hidden = run_hidden or int(_attr(element, "val") or "24") < TINY_HALF_POINTS
            except ValueError:
                pass
        elif tag in ("t", "delText") and (element.text or "").strip():
            run_has_text = True
        elif tag == "r":
            if run_hidden and run_has_text:
                hidden_runs += 1
        elif tag == "p" and body is not None:
            # Paragraphs already read: dropped, so a long document costs one paragraph.
            body.clear()
    return revisions, hidden_runs


def _attr(element, name: str) -> str | None:
    return next((v for a, v in element.attrib.items() if local(a) == name), None)


def _on(element) -> bool:
    return (_attr(element, "val") or "true") not in ("0", "false", "off")
