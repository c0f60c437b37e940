"""The screening vocabulary (issue 13): what a finding is called, where it is and how much.

Pure Python: no Django. The kinds and their meaning are fixed; the tracker stores them, shows
them and quarantines a file when one of them can hold personal data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

HIDDEN_SHEET = "hidden_sheet"
VERY_HIDDEN_SHEET = "very_hidden_sheet"
HIDDEN_ROWS = "hidden_rows"
HIDDEN_COLUMNS = "hidden_columns"
PIVOT_CACHE = "pivot_cache"
EXTERNAL_LINK = "external_link"
DATA_CONNECTION = "data_connection"
COMMENTS = "comments"
WHITE_OR_TINY_TEXT = "white_or_tiny_text"
DEFINED_NAMES = "defined_names"
AUTHOR_METADATA = "author_metadata"
TRACKED_CHANGES = "tracked_changes"
EMBEDDED_FILE = "embedded_file"
MACRO = "macro"
PDF_ANNOTATIONS = "pdf_annotations"
PDF_ATTACHMENTS = "pdf_attachments"
PDF_JAVASCRIPT = "pdf_javascript"
PASSWORD_PROTECTED = "password_protected"
UNREADABLE = "unreadable"

# kind -> what a person reads on the page and in the digest.
LABELS = {
    HIDDEN_SHEET: "Hidden sheet",
    VERY_HIDDEN_SHEET: "Very hidden sheet",
    HIDDEN_ROWS: "Hidden rows",
    HIDDEN_COLUMNS: "Hidden columns",
    PIVOT_CACHE: "Pivot cache",
    EXTERNAL_LINK: "External link",
    DATA_CONNECTION: "Data connection",
    COMMENTS: "Comments",
    WHITE_OR_TINY_TEXT: "White, tiny or hidden text",
    DEFINED_NAMES: "Defined names",
    AUTHOR_METADATA: "Author details",
    TRACKED_CHANGES: "Tracked changes",
    EMBEDDED_FILE: "Embedded file",
    MACRO: "Macro",
    PDF_ANNOTATIONS: "PDF annotations",
    PDF_ATTACHMENTS: "PDF attachments",
    PDF_JAVASCRIPT: "PDF JavaScript",
    PASSWORD_PROTECTED: "Password protected",
    UNREADABLE: "Unreadable",
}
KINDS = tuple(LABELS)

# What `count` counts, per kind (singular noun, for "3 records", "1 cell").
UNITS = {
    HIDDEN_SHEET: "cell",
    VERY_HIDDEN_SHEET: "cell",
    HIDDEN_ROWS: "row",
    HIDDEN_COLUMNS: "column",
    PIVOT_CACHE: "record",
    EXTERNAL_LINK: "link",
    DATA_CONNECTION: "connection",
    COMMENTS: "comment",
    WHITE_OR_TINY_TEXT: "cell",
    DEFINED_NAMES: "name",
    AUTHOR_METADATA: "field",
    TRACKED_CHANGES: "change",
    EMBEDDED_FILE: "file",
    MACRO: "project",
    PDF_ANNOTATIONS: "annotation",
    PDF_ATTACHMENTS: "file",
    PDF_JAVASCRIPT: "script",
    PASSWORD_PROTECTED: "file",
    UNREADABLE: "file",
}

# The kinds that can carry personal data out of sight (the PSNI 2023 leak was a hidden sheet;
# pivot caches keep every source row). Sheets, rows and columns only when they hold data.
# A file attached inside a PDF is an embedded file too.
PERSONAL_DATA_KINDS = frozenset(
    {
        HIDDEN_SHEET,
        VERY_HIDDEN_SHEET,
        HIDDEN_ROWS,
        HIDDEN_COLUMNS,
        PIVOT_CACHE,
        EMBEDDED_FILE,
        PDF_ATTACHMENTS,
    }
)


@dataclass(frozen=True)
class Finding:
    kind: str
    where: str
    count: int
    personal_data_risk: bool

    def __post_init__(self) -> None:
        if self.kind not in LABELS:
            raise ValueError(f"Unknown finding kind {self.kind!r}")

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        return cls(
            kind=str(data["kind"]),
            where=str(data.get("where", "")),
            count=int(data.get("count", 0)),
            personal_data_risk=bool(data.get("personal_data_risk", False)),
        )


def finding(kind: str, where: str, count: int) -> Finding:
    """A finding whose risk follows the rule above: a risky kind that holds something."""
    risky = kind in PERSONAL_DATA_KINDS and (count > 0 or kind in (EMBEDDED_FILE, PDF_ATTACHMENTS))
    return Finding(kind=kind, where=where[:300], count=max(0, int(count)), personal_data_risk=risky)
