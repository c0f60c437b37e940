"""Matching the loose ways forces are named in input to one Force.

"Devon and Cornwall", "devon & cornwall police", "E23000035" all mean the same force. Matching is
case- and punctuation-insensitive, and ignores words like "Police" and "Constabulary" that
spreadsheets add or drop. An unknown or ambiguous name raises ForceNameError listing the closest
matches.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from requests_app.models import Force

# Words that spreadsheets add or drop without changing which force is meant ("council" the same
# for a council: "Fife" or "Fife Council"; no police force's name has it).
_FILLER_WORDS = {"police", "constabulary", "force", "service", "the", "of", "and", "council"}


def normalise(name: str) -> str:
    text = name.lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def core(name: str) -> str:
    words = [w for w in normalise(name).split() if w not in _FILLER_WORDS]
    return " ".join(words)


class ForceNameError(ValueError):
    def __init__(self, name: str, message: str, suggestions: list[str]) -> None:
        self.name, self.suggestions = name, suggestions
        super().__init__(message)


class ForceResolver:
    """Resolves names against a fixed set of forces, loaded once (two queries)."""

    def __init__(self, forces: Iterable[Force] | None = None) -> None:
        if forces is None:
            forces = Force.objects.prefetch_related("aliases")
        self._keys: dict[str, set[int]] = {}
        self._forces: dict[int, Force] = {}
        for force in forces:
            self._forces[force.pk] = force
            names = [force.name, force.short_name, *(a.name for a in force.aliases.all())]
            for name in names:
                self._add(normalise(name), force)
                self._add(core(name), force)
            if force.ons_code:
                self._add(normalise(force.ons_code), force)

    def _add(self, key: str, force: Force) -> None:
        if key:
            self._keys.setdefault(key, set()).add(force.pk)

    def resolve(self, name: str) -> Force:
        raw = (name or "").strip()
        if not raw:
            raise ForceNameError(name, "A force name is required.", [])
        for key in (normalise(raw), core(raw)):
            matches = self._keys.get(key)
            if matches and len(matches) == 1:
                return self._forces[next(iter(matches))]
            if matches:
                names = sorted(self._forces[pk].name for pk in matches)
                raise ForceNameError(
                    raw, f"'{raw}' could mean more than one force: {', '.join(names)}.", names
                )
        suggestions = self.closest(raw)
        hint = f" Closest: {', '.join(suggestions)}." if suggestions else ""
        raise ForceNameError(raw, f"Unknown force '{raw}'.{hint}", suggestions)

    def closest(self, name: str, limit: int = 3) -> list[str]:
        keys = difflib.get_close_matches(
            core(name) or normalise(name), list(self._keys), n=10, cutoff=0.5
        )
        names: list[str] = []
        for key in keys:
            for pk in sorted(self._keys[key]):
                force_name = self._forces[pk].name
                if force_name not in names:
                    names.append(force_name)
        return names[:limit]


def resolve_force(name: str) -> Force:
    return ForceResolver().resolve(name)
