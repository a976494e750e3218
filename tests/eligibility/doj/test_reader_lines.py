"""`iter_record_lines` and the scan's text option: the same decisions as `iter_records`."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from eligibility.csvsafe import canonical_record_pattern
from eligibility.doj import Source, iter_records
from eligibility.doj.columns import COLUMNS, CONDENSED
from eligibility.doj.reader import iter_record_lines, parse_simple_lines
from eligibility.doj.scan import FileScan, scan_file
from tests.eligibility.builders import csv_text, row
from tests.eligibility.untidy import untidy_bytes

PATTERN = canonical_record_pattern(len(COLUMNS))


@pytest.fixture
def untidy(tmp_path: Path) -> list[Source]:
    path = tmp_path / "untidy.csv"
    path.write_bytes(untidy_bytes())
    return [Source("untidy.csv", path)]


def _physical_lines(source: Source) -> dict[int, bytes]:
    lines = source.path.read_bytes().removeprefix(b"\xef\xbb\xbf").split(b"\n")
    return {n: raw.removesuffix(b"\r") for n, raw in enumerate(lines, start=1)}


def test_same_rows_lines_and_values_as_iter_records(untidy: list[Source]) -> None:
    reference = pl.concat(list(iter_records(untidy)))
    got = pl.concat(list(iter_record_lines(untidy, CONDENSED, PATTERN, block_bytes=1024)))
    assert got.columns == ["file", "line", *CONDENSED, "text", "matched", "fields"]
    assert got.select("file", "line", *CONDENSED).equals(
        reference.select("file", "line", *CONDENSED)
    )


def test_text_is_the_physical_line_and_fields_hold_careful_records(untidy: list[Source]) -> None:
    reference = {r["line"]: r for r in pl.concat(list(iter_records(untidy))).iter_rows(named=True)}
    physical = _physical_lines(untidy[0])
    frame = pl.concat(list(iter_record_lines(untidy, CONDENSED, PATTERN)))
    careful = 0
    for r in frame.iter_rows(named=True):
        values = [reference[r["line"]][c] for c in COLUMNS]
        if r["text"] is None:  # multi-line, Latin-1, control character: the careful parser
            careful += 1
            assert r["fields"] == values
            assert not r["matched"]
        else:
            assert r["fields"] is None
            assert r["text"].encode() == physical[r["line"]]
            assert r["matched"] == bool(re.match(PATTERN, r["text"]))
    assert careful == 3
    assert 0 < int(frame["matched"].sum()) < frame.height


def test_parse_simple_lines_gives_the_scan_values(untidy: list[Source]) -> None:
    reference = pl.concat(list(iter_records(untidy)))
    frame = pl.concat(list(iter_record_lines(untidy, ["SUBJECT_ID"], PATTERN)))
    simple = frame.filter(pl.col("text").is_not_null())
    values = parse_simple_lines(simple.get_column("text"))
    expected = reference.join(simple.select("line"), on="line", how="semi", maintain_order="left")
    assert values.equals(expected.select(COLUMNS))
    assert parse_simple_lines(pl.Series([], dtype=pl.String)).columns == list(COLUMNS)


@pytest.mark.parametrize("block_bytes", [512, 4096, None])
def test_the_text_option_changes_no_decision(untidy: list[Source], block_bytes: int | None) -> None:
    """Lines taken as usual by the canonical pattern are decided as the scan's own check does."""
    columns = list(range(len(COLUMNS)))
    plain, texted = FileScan(1, "untidy.csv"), FileScan(1, "untidy.csv")
    source = untidy[0]
    kept = [
        f
        for f in scan_file(source, 1, columns, with_hash=True, scan=plain, block_bytes=block_bytes)
    ]
    with_text = list(
        scan_file(
            source, 1, columns, with_hash=True, scan=texted, block_bytes=block_bytes,
            text_pattern=PATTERN, with_sha256=False,
        )
    )  # fmt: skip
    assert pl.concat(with_text).drop("text", "matched", "fields").equals(pl.concat(kept))
    assert texted.issues == plain.issues
    assert (texted.data_rows, texted.quarantined, texted.physical_lines) == (
        plain.data_rows, plain.quarantined, plain.physical_lines,
    )  # fmt: skip
    assert texted.warnings_by_code == plain.warnings_by_code
    assert texted.sha256 == ""
    assert len(plain.sha256) == 64


def test_a_file_of_only_canonical_lines_is_all_matched(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    rows = [row(SUBJECT_ID=f"7{i:07d}", PRI_NAME=f"ALDER,NO{i}") for i in range(30)]
    path.write_text(csv_text(rows), encoding="utf-8")
    frame = pl.concat(list(iter_record_lines([Source("plain.csv", path)], ["PRI_NAME"], PATTERN)))
    assert frame["matched"].all()
    assert frame["PRI_NAME"].to_list() == [f"ALDER,NO{i}" for i in range(30)]


def test_columns_must_be_distinct(untidy: list[Source]) -> None:
    with pytest.raises(ValueError, match="distinct"):
        next(iter_record_lines(untidy, ["PRI_NAME", "PRI_NAME"], PATTERN))
