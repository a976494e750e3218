"""Strict quoting (DOJ spec R5): the vectorised pre-check never accepts what the careful parser
rejects, and counts fields the same way."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.doj.scan import _classify, _parse_record

TRICKY = [
    'a,"b,c",d',
    '"a""b",c',
    '"",x',
    'x,""',
    'AB"C,x',
    '"AB"C,x',
    '"ABC,x',
    '"A""",x',
    '"A"",x',
    '"A"""B",x',
    ',"a"b"c",',
    'a, "x",b',
    'a,"x" ,b',
    '"a",,"b"',
    '""""',
    '"',
    "a,b,c",
]


def vectorised(line: str) -> tuple[bool, int]:
    frame = _classify(pl.Series("l", [line]), lossy=False, control=False)
    return bool(frame.item(0, "special")), int(frame.item(0, "nf"))


def careful(line: str) -> list[str] | None:
    # a one-field-per-column record is not needed: compare the raw split before the count check
    parsed = _parse_record([line.encode()], 0, True)
    if parsed.code == "FIELD_COUNT":
        return ["?"] * int(parsed.detail.split("(")[1].split(",")[0])
    return parsed.fields


@pytest.mark.parametrize("line", TRICKY)
def test_vectorised_check_agrees_with_the_careful_parser(line: str) -> None:
    special, fields = vectorised(line)
    if not special:
        result = careful(line)
        assert result is not None, line
        assert len(result) == fields


@pytest.mark.parametrize(
    "line", ['AB"C,x', '"AB"C,x', '"ABC,x', '"A"",x', '"A"""B",x', ',"a"b"c",', 'a, "x",b']
)
def test_bad_quotes_are_never_simple(line: str) -> None:
    assert vectorised(line)[0]
    assert careful(line) is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='ab,"', max_size=20))
def test_simple_lines_parse_with_the_same_field_count(line: str) -> None:
    special, fields = vectorised(line)
    if not special:
        result = careful(line)
        assert result is not None
        assert len(result) == fields
