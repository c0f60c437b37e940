"""Rows of the tables the outputs write (CSV, XLSX): each output names its columns once and
builds its rows by column name, so that its header and its rows cannot drift apart."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def named_row(columns: Sequence[str], cells: Mapping[str, object], default: object = None) -> list:
    """The cells in the columns' order, `default` where a column is not given. A name that is
    no column is a mistake, and fails here rather than being left out of the file."""
    unknown = cells.keys() - set(columns)
    if unknown:
        raise KeyError(f"not a column: {', '.join(sorted(unknown))}")
    return [cells.get(column, default) for column in columns]
