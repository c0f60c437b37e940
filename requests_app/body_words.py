"""The one home for what a campaign's bodies are called (issue 30): "force" for a police
campaign, "council", "trust", "authority" otherwise. Pages, letters, exports and headlines ask
here, never spell the noun themselves, so a police campaign reads exactly as it always has.

Pure: it takes the (kind, nation) pairs of the bodies asked, which callers already hold (the
totals' rows, a campaign's requests) or read in one query."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from requests_app.models.forces import BodyKind, Country


@dataclass(frozen=True)
class BodyNouns:
    singular: str  # "force", "council"
    plural: str  # "forces", "councils"
    adjective: str  # "Scottish" where every body is in one nation (never for police)
    police: bool  # headlines say "Police recorded" only then (and keep their wording)

    def count(self, n: int) -> str:
        """'1 council', '32 councils' (thousands separated, as text.plural)."""
        return f"{n:,} {self.singular if n == 1 else self.plural}"

    def count_qualified(self, n: int) -> str:
        """'32 Scottish councils'; '43 forces' (police wording never changes)."""
        return f"{n:,} {self.adjective + ' ' if self.adjective else ''}" + (
            self.singular if n == 1 else self.plural
        )

    @property
    def pair(self) -> str:
        """'council,councils', for the templates' plural filter ({{ n|plural:nouns.pair }})."""
        return f"{self.singular},{self.plural}"

    @property
    def possessive(self) -> str:
        """ "a force's", "a council's"."""
        # "a university": the u says "you".
        vowel = (
            self.singular[:1] in "aeio"
            or self.singular.startswith("un")
            and not self.singular.startswith("uni")
        )
        article = "an" if vowel else "a"
        return f"{article} {self.singular}'s"

    @property
    def subject(self) -> str:
        """Who recorded the figures, at the start of a sentence: 'Police', 'Councils'."""
        return "Police" if self.police else self.plural[:1].upper() + self.plural[1:]


POLICE_NOUNS = BodyNouns("force", "forces", "", police=True)

_NOUNS = {
    BodyKind.POLICE: ("force", "forces"),
    BodyKind.COUNCIL: ("council", "councils"),
    BodyKind.NHS: ("trust", "trusts"),
    BodyKind.FIRE: ("fire and rescue service", "fire and rescue services"),
    BodyKind.UNIVERSITY: ("university", "universities"),
}
# Scotland's NHS is run by health boards, not trusts.
_SCOTTISH_NHS = ("health board", "health boards")
_ADJECTIVES = {
    Country.ENGLAND: "English",
    Country.WALES: "Welsh",
    Country.SCOTLAND: "Scottish",
    Country.NORTHERN_IRELAND: "Northern Irish",
}
_AUTHORITY = ("authority", "authorities")


def body_nouns(bodies: Iterable[tuple[str, str]]) -> BodyNouns:
    """The nouns for bodies given as (kind, nation) pairs: one kind gives its noun ("council"),
    a mix (or "other") gives "authority"; none, or only police forces, gives "force"."""
    pairs = set(bodies)
    kinds = {kind for kind, _nation in pairs}
    nations = {nation for _kind, nation in pairs}
    if not kinds or kinds == {BodyKind.POLICE}:
        return POLICE_NOUNS
    kind = next(iter(kinds)) if len(kinds) == 1 else None
    if kind == BodyKind.NHS and nations == {Country.SCOTLAND}:
        singular, plural = _SCOTTISH_NHS
    else:
        singular, plural = _NOUNS.get(kind, _AUTHORITY)
    nation = next(iter(nations)) if len(nations) == 1 else None
    return BodyNouns(singular, plural, _ADJECTIVES.get(nation, ""), police=False)


def kind_nouns(kind: str) -> BodyNouns:
    """The nouns for one body of `kind` (its page's title, a list's heading)."""
    return body_nouns([(kind, "")])
