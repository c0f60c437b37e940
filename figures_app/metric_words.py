"""What a metric counts, in words a sentence can use (issue 27, "Numbers and words people
quote"). Headlines and press lines say "Police recorded 48 <what is counted> in 2016/17"; a
metric's label is a name as a person types it ("Online child sex offences recorded", "Number of
sexual communication with a child offences", "Recorded rapes of children under 13"), so pasting
it in gives "Police recorded 48 online child sex offences recorded". The counted noun phrase is
the label less the words that only say "a count of" or repeat the sentence's verb.

Pure functions of the label: no field to keep in step with it, so renaming a metric renames its
sentences too."""

from __future__ import annotations

import re

# Leading words that say "a count of" (longest first, so "total number of" wins over "number of").
_LEADING = (
    "the total number of",
    "total number of",
    "the number of",
    "number of",
    "no. of",
    "count of",
    "total of",
    "total",
    "police recorded",
    "recorded",
    "reported",
)
# A trailing bare participle repeats the sentence's verb ("... offences recorded"). Only a bare
# last word: "Children reported missing" keeps "reported missing", which says what was counted.
_TRAILING = ("recorded by police", "recorded by the police", "recorded", "reported", "logged")


def _strip_leading(text: str) -> str:
    lowered = text.lower()
    for words in _LEADING:
        if lowered.startswith(words + " ") and len(text) > len(words) + 1:
            return text[len(words) + 1 :].lstrip()
    return text


def _strip_trailing(text: str) -> str:
    lowered = text.lower()
    for words in _TRAILING:
        if lowered.endswith(" " + words):
            return text[: -len(words) - 1].rstrip()
    return text


def _lower_first(text: str) -> str:
    """'Offences' -> 'offences', but 'CSE offences', 'Kent cases' and 'iPhone thefts' keep their
    first word as written (an acronym or a name is not lowered)."""
    first = text.split(" ", 1)[0]
    if first[:1].isupper() and first[1:] == first[1:].lower():
        return text[:1].lower() + text[1:]
    return text


def counted_noun(label: str) -> str:
    """The noun phrase a metric counts, for "Police recorded 48 <noun> in 2016/17":
    "Online child sex offences recorded" -> "online child sex offences";
    "Number of sexual communication with a child offences" -> "sexual communication with a
    child offences"; "Recorded rapes of children under 13" -> "rapes of children under 13";
    "Children reported missing" -> "children reported missing"; "Offences" -> "offences"."""
    text = re.sub(r"\s+", " ", label).strip().rstrip(".:")
    if not text:
        return text
    # Strip repeatedly: "Number of offences recorded", "Total recorded offences".
    while True:
        stripped = _strip_trailing(_strip_leading(text))
        if stripped == text:
            break
        text = stripped
    return _lower_first(text)


# --- one or many: "1 offence", "2 offences" ------------------------------------------------------

# Words after the noun a phrase counts ("rapes of children under 13", "children reported
# missing", "offences against children"): the counted noun is the word before the first of them.
# Without one it is the last word ("sexual communication with a child offences").
_AFTER_HEAD = (
    "of",
    "against",
    "involving",
    "where",
    "reported",
    "recorded",
    "flagged",
    "committed",
    "by",
    "in",
    "on",
    "under",
    "for",
    "from",
    "aged",
    "with",
    "arrested",
    "charged",
    "convicted",
    "missing",
)
_IRREGULAR = {"children": "child", "people": "person", "men": "man", "women": "woman"}
# Plural endings that drop "es" (searches, boxes, witnesses); otherwise a final "s" goes.
_ES_ENDINGS = ("ches", "shes", "sses", "xes", "zes")


def _singular_word(word: str) -> str:
    lowered = word.lower()
    if lowered in _IRREGULAR:
        one = _IRREGULAR[lowered]
        return one.capitalize() if word[:1].isupper() else one
    if lowered.endswith("ies") and len(word) > 4 and lowered != "series":
        return word[:-3] + "y"
    if lowered.endswith(_ES_ENDINGS):
        return word[:-2]
    if lowered.endswith("s") and not lowered.endswith(("ss", "us", "is")) and len(word) > 2:
        return word[:-1]
    return word


def _head_index(words: list[str]) -> int:
    """Where the counted noun is: the word before the first word that follows a head noun,
    never the first word of a phrase that starts with one ("with a child offences")."""
    for i, word in enumerate(words[1:], start=1):
        if word.lower() in _AFTER_HEAD:
            # "sexual communication with a child offences": "with" inside a compound noun
            # whose head still ends the phrase. Only "with" is read so, and only when a plural
            # follows it.
            if word.lower() == "with" and _singular_word(words[-1]) != words[-1]:
                return len(words) - 1
            return i - 1
    return len(words) - 1


def singular_noun(noun: str) -> str:
    """The counted noun phrase for one: "online child sex offences" -> "online child sex
    offence"; "rapes of children under 13" -> "rape of children under 13"; "children reported
    missing" -> "child reported missing"."""
    words = noun.split(" ")
    if not noun.strip():
        return noun
    i = _head_index(words)
    words[i] = _singular_word(words[i])
    return " ".join(words)


def number_noun(n: int, noun: str) -> str:
    """A count with its noun, one or many: "1 offence", "1,243 offences"."""
    return f"{n:,} {singular_noun(noun) if n == 1 else noun}"
