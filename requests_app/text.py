"""Counted nouns for text built in Python: '1 force', '2 forces', '1,234 figures'."""


def plural(n: int, word: str, words: str = "") -> str:
    """`words` is the plural when adding an s is wrong ('1 reply', '2 replies')."""
    return f"{n:,} {word if n == 1 else words or word + 's'}"
