"""Strict quoting (DOJ spec R5): the vectorised pre-check never accepts what the careful parser
rejects, and counts fields the same way."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.doj.scan import NCOL, _classify, _classify_block, _parse_record

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


# fields of lines near the DOJ width: each token is a whole field, quoted well or badly
FIELD_TOKENS = [
    "",
    "a",
    "AB C",
    '"a"',
    '"a,b"',
    '"a""b"',
    '""',
    '"a"b',
    'a"b',
    '"ab',
    " ",
    "\x07",
    "a\r",
    '"a"\r',
    "\ufffd",
    "RECORD_ID",
    "\u00e9",
]


@st.composite
def wide_lines(draw: st.DrawFn) -> str | None:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.sampled_from([None, "", "   ", "RECORD_ID,X", ' "RECORD_ID",A']))
    count = draw(st.sampled_from([NCOL - 1, NCOL, NCOL, NCOL, NCOL + 1, NCOL + 2]))
    fields = draw(st.lists(st.sampled_from(FIELD_TOKENS[:3]), min_size=count, max_size=count))
    for _ in range(draw(st.integers(0, 3))):
        fields[draw(st.integers(0, count - 1))] = draw(st.sampled_from(FIELD_TOKENS))
    if draw(st.integers(0, 19)) == 0:
        fields[1] = "x" * 4100
    return ",".join(fields) + draw(st.sampled_from(["", "", "\r", ","]))


@settings(max_examples=300, deadline=None)
@given(st.lists(wide_lines(), min_size=1, max_size=12), st.booleans())
def test_block_classification_equals_the_line_by_line_checks(
    lines: list[str | None], lossy: bool
) -> None:
    # the one-pattern check of the usual 95-field line must never change a classification
    series = pl.Series("l", lines, dtype=pl.String)
    control = any(re.search(r"[\x00-\x08\x0b-\x1f]", line or "") for line in lines)
    expected = _classify(series, lossy, control)
    got = _classify_block(series, lossy)
    assert got.columns == expected.columns
    assert got.schema == expected.schema
    assert got.to_dicts() == expected.to_dicts()


@pytest.mark.parametrize("lossy", [False, True])
def test_lines_with_an_extra_empty_field_take_the_96_field_pattern(
    lossy: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a file whose every line ends with a comma (R6) is classified by the 96-field form of the
    # usual pattern, without the line-by-line checks, and exactly as they would classify it
    import eligibility.doj.scan as scan

    plain = ",".join(['"SMITH, JO"', "A"] + ["x"] * (NCOL - 2))
    lines = [plain + ",", plain + ",", plain, plain + ",,", plain[:-2] + ","]
    series = pl.Series("l", lines, dtype=pl.String)
    expected = _classify(series, lossy, control=False)
    seen: list[int] = []
    checked = scan._classify

    def spy(lines: pl.Series, lossy: bool, control: bool) -> pl.DataFrame:
        seen.append(lines.len())
        return checked(lines, lossy, control)

    monkeypatch.setattr(scan, "_classify", spy)
    got = _classify_block(series, lossy)
    assert got.to_dicts() == expected.to_dicts()
    assert got.get_column("nf").to_list() == [NCOL + 1, NCOL + 1, NCOL, NCOL + 2, NCOL]
    # a 95-field line whose last field is empty is usual; only the 97-field line went line by line
    assert seen == [1]
