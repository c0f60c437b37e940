"""PDF files (pypdf): annotations, attached files, JavaScript, author, encryption."""

from __future__ import annotations

import io
import logging

from requests_app.screening import findings as k
from requests_app.screening.cells import spans
from requests_app.screening.findings import Finding, finding
from requests_app.screening.limits import Limits

PDF_MAGIC = b"%PDF-"
# Annotations that are part of how a PDF works, not something someone wrote on it.
_STRUCTURAL = {"/Link", "/Popup", "/Widget", "/PrinterMark", "/TrapNet"}
MAX_NAME_TREE = 10_000


def is_pdf(data: bytes) -> bool:
    # The header may follow a little junk (PDF readers look in the first 1024 bytes).
    return PDF_MAGIC in data[:1024]


def screen(data: bytes, limits: Limits) -> list[Finding]:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(io.BytesIO(data), strict=False)
    found: list[Finding] = []
    if reader.is_encrypted:
        # An owner password alone (printing or copying restricted) opens with an empty one.
        try:
            opened = reader.decrypt("")
        except Exception:  # pypdf raises assorted errors for unsupported encryption
            opened = 0
        if not opened:
            return [finding(k.PASSWORD_PROTECTED, "document (needs a password to open)", 1)]
    try:
        root = reader.trailer["/Root"].get_object()
    except FileNotDecryptedError:
        return [finding(k.PASSWORD_PROTECTED, "document (needs a password to open)", 1)]
    annotated_pages: list[int] = []
    annotations = attachments_in_annotations = scripts = 0
    for number, page in enumerate(reader.pages, start=1):
        if number > limits.max_pages:
            break
        limits.check_time()
        for annotation in _resolved(page.get("/Annots")):
            subtype = annotation.get("/Subtype")
            if subtype == "/FileAttachment":
                attachments_in_annotations += 1
            elif subtype not in _STRUCTURAL:
                annotations += 1
                annotated_pages.append(number)
            scripts += _actions_with_js(annotation)
        scripts += _actions_with_js(page)
    if annotations:
        pages = "page" if len(set(annotated_pages)) == 1 else "pages"
        found.append(finding(k.PDF_ANNOTATIONS, f"{pages} {spans(annotated_pages)}", annotations))
    names = _resolve(root.get("/Names"))
    embedded = _name_tree_count(_resolve(names.get("/EmbeddedFiles")) if names else None)
    if embedded or attachments_in_annotations:
        parts = []
        if embedded:
            parts.append(f"{embedded} in the document's files")
        if attachments_in_annotations:
            parts.append(f"{attachments_in_annotations} in page annotations")
        found.append(
            finding(k.PDF_ATTACHMENTS, "; ".join(parts), embedded + attachments_in_annotations)
        )
    scripts += _name_tree_count(_resolve(names.get("/JavaScript")) if names else None)
    scripts += _actions_with_js(root)
    open_action = _resolve(root.get("/OpenAction"))
    if isinstance(open_action, dict) and open_action.get("/S") == "/JavaScript":
        scripts += 1
    if scripts:
        found.append(finding(k.PDF_JAVASCRIPT, "document", scripts))
    info = reader.metadata or {}
    authors = [key.lstrip("/") for key in ("/Author",) if str(info.get(key) or "").strip()]
    if authors:
        found.append(finding(k.AUTHOR_METADATA, "document information (Author)", len(authors)))
    return found


def _resolve(value):
    try:
        return value.get_object() if value is not None else None
    except Exception:
        return None


def _resolved(annots) -> list:
    annots = _resolve(annots)
    if not isinstance(annots, list):
        return []
    result = []
    for item in annots[:10_000]:
        item = _resolve(item)
        if isinstance(item, dict):
            result.append(item)
    return result


def _actions_with_js(holder) -> int:
    """JavaScript actions in /A and the additional actions /AA of an annotation, page or root."""
    count = 0
    action = _resolve(holder.get("/A")) if isinstance(holder, dict) else None
    if isinstance(action, dict) and action.get("/S") == "/JavaScript":
        count += 1
    additional = _resolve(holder.get("/AA")) if isinstance(holder, dict) else None
    if isinstance(additional, dict):
        for value in additional.values():
            value = _resolve(value)
            if isinstance(value, dict) and value.get("/S") == "/JavaScript":
                count += 1
    return count


def _name_tree_count(node, depth: int = 0, seen: set | None = None) -> int:
    """Entries of a name tree (/Names pairs in its leaves), bounded and safe against loops."""
    if not isinstance(node, dict) or depth > 32:
        return 0
    seen = seen if seen is not None else set()
    if id(node) in seen or len(seen) > MAX_NAME_TREE:
        return 0
    seen.add(id(node))
    count = 0
    names = _resolve(node.get("/Names"))
    if isinstance(names, list):
        count += len(names) // 2
    kids = _resolve(node.get("/Kids"))
    if isinstance(kids, list):
        for kid in kids[:MAX_NAME_TREE]:
            count += _name_tree_count(_resolve(kid), depth + 1, seen)
    return count
