"""Cell references and row/column lists in the words the attachment page uses."""

from __future__ import annotations

import re

_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def column_letters(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index


def split_ref(ref: str) -> tuple[int, int] | None:
    """'B12' -> (12, 2); None when it is not a cell reference."""
    match = _REF.match(ref or "")
    if not match:
        return None
    return int(match.group(2)), column_index(match.group(1))


def spans(numbers, label=str, limit: int = 6) -> str:
    """Sorted numbers as runs: [1, 2, 3, 7] -> '1-3, 7' (at most `limit` runs, then '...')."""
    runs: list[tuple[int, int]] = []
    for number in sorted(set(numbers)):
        if runs and number == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    words = [label(a) if a == b else f"{label(a)}-{label(b)}" for a, b in runs[:limit]]
    if len(runs) > limit:
        words.append("...")
    return ", ".join(words)


class Box:
    """The smallest range holding every cell added: 'A1:F120'."""

    def __init__(self) -> None:
        self.top = self.left = None
        self.bottom = self.right = 0

    def add(self, row: int, col: int) -> None:
        self.top = row if self.top is None else min(self.top, row)
        self.left = col if self.left is None else min(self.left, col)
        self.bottom = max(self.bottom, row)
        self.right = max(self.right, col)

    def __str__(self) -> str:
        if self.top is None:
            return ""
        first = f"{column_letters(self.left)}{self.top}"
        last = f"{column_letters(self.right)}{self.bottom}"
        return first if first == last else f"{first}:{last}"
