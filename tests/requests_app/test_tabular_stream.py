"""The shared CSV writer in pieces (issue 11), and the character sets its SQL twin spells out."""

from __future__ import annotations

import csv
import io
import re
import sys

from requests_app.tabular import decimal_digits, iter_csv, whitespace, write_csv

ROWS = [["a", "b", "c"], *([f"=x{i}", "-5", i] for i in range(7)), ["line\nbreak", None, 'q,"']]


def test_it_streams_in_pieces_that_make_the_whole_file():
    pieces = list(iter_csv(ROWS, chunk_rows=3))
    assert len(pieces) == 3
    assert "".join(pieces) == write_csv(ROWS)
    assert pieces[0] == "a,b,c\n'=x0,-5,0\n'=x1,-5,1\n"


def test_it_quotes_a_carriage_return_so_the_file_reads_back():
    text = write_csv([["a", "b"], ["x\ry", "\r=1"], ["ok", "-2"]])
    assert text == 'a,b\n"x\ry","\'\r=1"\nok,-2\n'
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["a", "b"],
        ["x\ry", "'\r=1"],
        ["ok", "-2"],
    ]


def test_its_sql_character_sets_are_pythons_digits_and_spaces():
    everything = "".join(map(chr, range(sys.maxunicode + 1)))
    assert decimal_digits() == "".join(re.findall(r"\d", everything))
    assert whitespace() == "".join(re.findall(r"\s", everything))
