"""CSV dialect and spreadsheet safety (rules spec §10): every example, both implementations."""

from __future__ import annotations

import csv
import io

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from eligibility import csvsafe

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
