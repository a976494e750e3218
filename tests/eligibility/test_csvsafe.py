"""CSV dialect and spreadsheet safety (rules spec §10): every example, both implementations."""

from __future__ import annotations

import csv
import io
import re

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from eligibility import csvsafe
from eligibility.doj import scan

# (value, exact CSV field written) -- the examples of §10 and the quoting rules
CASES = [
    ('=HYPERLINK("http://x","y")', '"\'=HYPERLINK(""http://x"",""y"")"'),
    ("+cmd", "'+cmd"),
    ("@SUM(1)", "'@SUM(1)"),
    ("-2+3", "'-2+3"),
    ("-", "-"),
    ("  -  ", '"  -  "'),
    ("-1.0", "-1.0"),
    ("-12", "-12"),
    ("=1+2", "'=1+2"),
    ("  =1", "'  =1"),
    ("\tSUM", "'\tSUM"),
    ("\r=1", '"\'\r=1"'),
    ("\u00a0=1", "'\u00a0=1"),
    ("\t5", '"\t5"'),
    ("", ""),
    ("plain", "plain"),
    ("a,b", '"a,b"'),
    ('say "hi"', '"say ""hi"""'),
    ("two\nlines", '"two\nlines"'),
    (" leading space", '" leading space"'),
    ("\u3000ideographic space", '"\u3000ideographic space"'),
    ("trailing space ", "trailing space "),
    ("\\.", '"\\."'),
    ("\\.x", "\\.x"),
    ("11357(C) HS-POSSESS", "11357(C) HS-POSSESS"),
    ("SKYWALKER,LUKE", '"SKYWALKER,LUKE"'),
    ("1.2.3", "1.2.3"),
    ("-1.", "'-1."),
]


@pytest.mark.parametrize(("value", "expected"), CASES)
def test_cell(value: str, expected: str) -> None:
    assert csvsafe.cell(value) == expected


@pytest.mark.parametrize(("value", "expected"), CASES)
def test_cell_parses_back_with_the_prefix_only_when_dangerous(value: str, expected: str) -> None:
    parsed = next(csv.reader(io.StringIO(csvsafe.line([value, "end"]), newline="")))
    assert parsed == [("'" + value) if csvsafe.is_dangerous(value) else value, "end"]
    assert parsed[0].startswith("'") == expected.lstrip('"').startswith("'")


def test_polars_expression_agrees_with_the_cell_function() -> None:
    values = [v for v, _ in CASES] + [None]
    df = pl.DataFrame({"v": values}, schema={"v": pl.String})
    got = df.select(csvsafe.safe_field_expr(pl.col("v"))).to_series().to_list()
    assert got == [e for _, e in CASES] + [""]


def test_line_expression_builds_whole_records() -> None:
    df = pl.DataFrame({"a": ["=x", "1"], "b": ["p,q", "-"]})
    lines = df.select(csvsafe.line_expr(["a", "b"])).to_series().to_list()
    assert lines == ['\'=x,"p,q"', "1,-"]
    assert csvsafe.line(["=x", "p,q"]) == '\'=x,"p,q"\n'


def test_encoded_columns_fast_path_agrees_with_the_cell_function() -> None:
    values = [v for v, _ in CASES]
    df = pl.DataFrame(
        {
            "mixed": values,
            "plain": ["x"] * len(values),
            "nulls": [None] * len(values),
        },
        schema={"mixed": pl.String, "plain": pl.String, "nulls": pl.String},
    )
    out = df.select(csvsafe.encoded_columns(df, ["mixed", "plain", "nulls"]))
    assert out["mixed"].to_list() == [e for _, e in CASES]
    assert out["plain"].to_list() == ["x"] * len(values)
    assert out["nulls"].to_list() == [""] * len(values)


@given(st.lists(st.text(max_size=12), min_size=1, max_size=20))
def test_encoded_columns_equal_cell_on_any_text(values: list[str]) -> None:
    df = pl.DataFrame({"v": values}, schema={"v": pl.String})
    out = df.select(csvsafe.encoded_columns(df, ["v"]))["v"].to_list()
    assert out == [csvsafe.cell(v) for v in values]


def test_encoded_columns_many_distinct_values_use_the_full_expression() -> None:
    values = [f"=x{i}" if i % 3 == 0 else f"a,{i}" if i % 3 == 1 else f" {i}" for i in range(3000)]
    df = pl.DataFrame({"v": [*values, None]}, schema={"v": pl.String})
    out = df.select(csvsafe.encoded_columns(df, ["v"]))["v"].to_list()
    assert out == [csvsafe.cell(v) for v in values] + [""]


# --- quote() in polars, and lines that are their own encoding ----------------------------------


@given(st.lists(st.text(max_size=8), min_size=1, max_size=20))
def test_quote_expression_equals_quote_on_any_text(values: list[str]) -> None:
    df = pl.DataFrame({"v": [*values, None]}, schema={"v": pl.String})
    assert df.select(csvsafe.quote_expr(pl.col("v"))).to_series().to_list() == [
        *(csvsafe.quote(v) for v in values),
        "",
    ]


def test_quoted_columns_quote_only_the_columns_that_need_it() -> None:
    df = pl.DataFrame(
        {"name": ["ALDER,JUNE", "MORROW"], "code": ["\\.", "X"], "plain": ["a b", None]}
    )
    out = df.select(csvsafe.quoted_columns(df, ["name", "code", "plain"]))
    assert out.rows() == [('"ALDER,JUNE"', '"\\."', "a b"), ("MORROW", "X", "")]


def _pattern(fields: int) -> re.Pattern[str]:
    return re.compile(csvsafe.canonical_record_pattern(fields))


@pytest.mark.parametrize(
    "text",
    [
        "a,b,c",
        ",,",
        'a,"b,c",d',
        '" x",,',  # leading whitespace must be quoted
        '"  ",c,d',
        '"a""b",c,d',
        '"""",b,c',
        '" ""q""",b,c',
        "\\,\\x,\\.x",  # a backslash that is not exactly \.
        '"\\,",b,c',
        "a\tb,c d,e ",  # TAB and spaces inside or at the end need nothing
        '"\u00a0NB,SP",\u00e9,\ufffd',
    ],
)
def test_lines_that_are_their_own_encoding_match(text: str) -> None:
    assert _pattern(3).match(text)
    assert csvsafe.line(next(csv.reader([text], strict=True))) == text + "\n"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (" a,b,c", "unquoted leading space"),
        ("\u00a0a,b,c", "unquoted leading no-break space"),
        ("\ta,b,c", "unquoted leading TAB"),
        ('"a",b,c', "needless quotes"),
        ('"",b,c', "an empty field in quotes"),
        ("=1,b,c", "formula"),
        ('"=a,b",c,d', "formula in quotes"),
        ('" =1",b,c', "formula behind whitespace"),
        ('"\t x",b,c', "TAB first in quotes"),
        ("@x,b,c", "formula"),
        ("+1,b,c", "formula"),
        ("-2+3,b,c", "formula"),
        ("\\.,b,c", "\\. unquoted"),
        ('"\\.",b,c', "\\. quoted: its own encoding, left to the per-field way"),
        ("-,b,c", "exempt placeholder: left to the per-field way"),
        ("-5,b,c", "exempt number: left to the per-field way"),
        ("a,b", "too few fields"),
        ("a,b,c,", "a trailing empty field"),
        ("a\x07,b,c", "a control character"),
        ('a"b,c,d', "a stray quote"),
        ('"a,b,c', "an open quote"),
    ],
)
def test_lines_needing_the_per_field_way_do_not_match(text: str, why: str) -> None:
    assert not _pattern(3).match(text), why
    assert not pl.Series([text]).str.contains(csvsafe.canonical_record_pattern(3)).item()


_PIECES = st.sampled_from(
    [
        *("a", "Z 9", ",", '"', " ", "\t", "\u00a0", "\u2003", "\x85", "=", "+", "-", "@"),
        *("\\", ".", "5", "'", "\u00e9", "\x07"),
    ]
)
_FIELD = st.tuples(
    st.lists(_PIECES, max_size=4).map("".join), st.sampled_from(["cell", "quoted", "raw"])
)


def _written(value: str, style: str) -> str:
    if style == "cell":
        return csvsafe.cell(value)
    if style == "quoted":
        return '"' + value.replace('"', '""') + '"'
    return value


@given(st.lists(_FIELD, min_size=3, max_size=3))
def test_a_matching_line_is_its_own_encoding_and_a_usual_scan_line(
    fields: list[tuple[str, str]],
) -> None:
    """Soundness: whatever the pattern accepts is copied unchanged safely, and the scan's
    one-pattern check accepts it too (so the scan's decisions cannot change)."""
    text = ",".join(_written(v, s) for v, s in fields)
    record = text + "," + ",".join(["x"] * (scan.NCOL - 3))
    matched = bool(_pattern(3).match(text))
    polars_matched = pl.Series([text]).str.contains(csvsafe.canonical_record_pattern(3)).item()
    assert polars_matched == matched
    assert bool(re.match(csvsafe.canonical_record_pattern(scan.NCOL), record)) == matched
    if matched:
        values = next(csv.reader([text], strict=True))
        assert csvsafe.line(values) == text + "\n"
        assert pl.Series([record]).str.contains(scan._fast_pattern(False)).item()
