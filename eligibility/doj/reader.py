"""Reading an upload of DOJ research files into the data model (DOJ spec §4, §5, §6).

`read_upload` scans every file of the upload in upload order (R15), quarantining bad records and
rejecting bad files (`scan.py`), then builds subjects across all files (`subjects.py`).
`iter_records` yields the accepted rows with all 95 raw values, making exactly the same accept
and quarantine decisions (same scan); `iter_record_lines` yields some of the values and the rows'
line text (for exports that copy lines as they are).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import polars as pl

from eligibility.doj import scan as scan_module
from eligibility.doj.columns import COLUMNS
from eligibility.doj.counties import normalise_county
from eligibility.doj.scan import FileRejected, FileScan, Source, scan_file
from eligibility.doj.subjects import build_subjects, needed_columns, prepare_block
from eligibility.model import FileReport, RowIssue, Upload

__all__ = [
    "FileRejected",
    "Source",
    "describe",
    "iter_record_lines",
    "iter_records",
    "parse_simple_lines",
    "read_upload",
]


def describe(issue: RowIssue, file_name: str) -> str:
    """The spec's message form (§6): `File 2 (la_part2.csv), line 5120: <detail>.`

    Built only from the file name, the line number and the issue's detail (never row contents).
    """
    where = f"File {issue.file} ({file_name})"
    if issue.line:
        where += f", line {issue.line}"
    detail = issue.detail or issue.code
    return f"{where}: {detail}."


class _Progress:
    def __init__(self, total: int, callback: Callable[[int, int], None] | None) -> None:
        self.done = 0
        self.total = total
        self.callback = callback

    def __call__(self, n: int) -> None:
        self.done += n
        if self.callback is not None:
            self.callback(self.done, self.total)


def _report(scan: FileScan) -> FileReport:
    warnings = dict(scan.warnings_by_code)
    return FileReport(
        number=scan.number,
        name=scan.name,
        sha256=scan.sha256,
        physical_lines=scan.physical_lines,
        data_rows=scan.data_rows,
        quarantined=scan.quarantined,
        warnings_by_code=dict(sorted(warnings.items())),
        quarantined_by_code=dict(sorted(scan.quarantined_by_code.items())),
        header=scan.header,
    )


def read_upload(
    sources: Sequence[Source],
    *,
    county: str,
    progress: Callable[[int, int], None] | None = None,
) -> Upload:
    """Read, validate and build an upload. Raises FileRejected, or ValueError for the county."""
    canonical = normalise_county(county)
    if canonical is None:
        raise ValueError("county must be one of the 58 California counties")
    if not sources:
        raise ValueError("an upload needs at least one file")
    tick = _Progress(sum(s.path.stat().st_size for s in sources), progress)
    columns = needed_columns()
    people: list[pl.DataFrame] = []
    events: list[pl.DataFrame] = []
    scans: list[FileScan] = []
    model_issues: list[RowIssue] = []
    pending: deque[Future[tuple[pl.DataFrame, pl.DataFrame, list[RowIssue]]]] = deque()

    def collect(future: Future[tuple[pl.DataFrame, pl.DataFrame, list[RowIssue]]]) -> None:
        block_people, block_events, row_issues = future.result()
        people.append(block_people)
        events.append(block_events)
        model_issues.extend(row_issues)

    # Normalising a block (polars, GIL released) overlaps with scanning the next one; at most
    # two blocks wait, so memory stays bounded. Results are collected in upload order.
    with ThreadPoolExecutor(max_workers=1) as worker:
        try:
            for number, source in enumerate(sources, start=1):
                scan = FileScan(number, source.name)
                for frame in scan_file(
                    source, number, columns, with_hash=True, scan=scan, progress=tick
                ):
                    pending.append(worker.submit(prepare_block, frame, number))
                    while len(pending) > 2:
                        collect(pending.popleft())
                scans.append(scan)
            while pending:
                collect(pending.popleft())
        finally:
            for future in pending:
                future.cancel()
    subjects, subject_issues, subjects_total, convictions = build_subjects(people, events)
    model_issues += subject_issues
    reports = [_report(s) for s in scans]
    counted: dict[int, dict[str, int]] = {}
    for issue in model_issues:
        by = counted.setdefault(issue.file, {})
        by[issue.code] = by.get(issue.code, 0) + 1
    files = []
    for rep in reports:
        merged = dict(rep.warnings_by_code)
        for code, n in counted.get(rep.number, {}).items():
            merged[code] = merged.get(code, 0) + n
        files.append(
            FileReport(
                number=rep.number,
                name=rep.name,
                sha256=rep.sha256,
                physical_lines=rep.physical_lines,
                data_rows=rep.data_rows,
                quarantined=rep.quarantined,
                warnings_by_code=dict(sorted(merged.items())),
                quarantined_by_code=rep.quarantined_by_code,
                header=rep.header,
            )
        )
    issues = [i for s in scans for i in s.issues] + model_issues
    issues.sort(key=lambda i: (i.file, i.line, i.code, i.field))
    return Upload(
        county=canonical,
        files=tuple(files),
        issues=tuple(issues),
        subjects=tuple(subjects),
        subjects_total=subjects_total,
        data_rows=sum(s.data_rows for s in scans),
        quarantined=sum(s.quarantined for s in scans),
        physical_lines=sum(s.physical_lines for s in scans),
        convictions_total=convictions,
    )


def iter_records(
    sources: Sequence[Source], *, chunk_rows: int = 200_000, block_bytes: int | None = None
) -> Iterator[pl.DataFrame]:
    """Accepted data rows of every file in upload order, with all 95 raw values.

    Columns: `file` (Int32), `line` (Int64), then the 95 DOJ column names (String). Frames hold
    at most `chunk_rows` rows and never mix files. Files are scanned in blocks of
    `block_bytes` (default `RECORDS_BLOCK_BYTES`), smaller than `read_upload`'s (all 95 columns
    are kept; memory follows the block size); the accept and
    quarantine decisions do not depend on the block size. Raises FileRejected like `read_upload`
    (a file is rejected only after its rows were yielded when the problem shows at its end).
    """
    all_columns = list(range(len(COLUMNS)))
    rename = {f"c{i}": name for i, name in enumerate(COLUMNS)}
    for number, frame in _scanned(sources, all_columns, block_bytes):
        out = frame.select(
            pl.lit(number, dtype=pl.Int32).alias("file"),
            pl.col("line").cast(pl.Int64),
            *[pl.col(f"c{i}").alias(rename[f"c{i}"]) for i in all_columns],
        )
        for start in range(0, out.height, chunk_rows):
            yield out.slice(start, chunk_rows)


def _scanned(
    sources: Sequence[Source],
    columns: Sequence[int],
    block_bytes: int | None,
    **options: Any,
) -> Iterator[tuple[int, pl.DataFrame]]:
    """(file number, frame) of `scan_file` over every file in upload order, without row hashes.

    Blocks of `block_bytes` (default `RECORDS_BLOCK_BYTES`); `options` go to `scan_file`.
    """
    for number, source in enumerate(sources, start=1):
        scan = FileScan(number, source.name)
        for frame in scan_file(
            source,
            number,
            columns,
            with_hash=False,
            scan=scan,
            block_bytes=block_bytes or scan_module.RECORDS_BLOCK_BYTES,
            **options,
        ):
            yield number, frame


def iter_record_lines(
    sources: Sequence[Source],
    columns: Sequence[str],
    pattern: str,
    *,
    block_bytes: int | None = None,
) -> Iterator[pl.DataFrame]:
    """Accepted data rows of every file in upload order with their line text, block by block.

    The same accept and quarantine decisions and line numbers as `iter_records` and
    `read_upload` (same scan), but only the named `columns` are parsed. Columns: `file`
    (Int32), `line` (Int64), `columns` (String, raw values), then `text`, `matched` and
    `fields` as `scan.scan_file` describes them for `text_pattern=pattern`: `text` is the
    record's physical line when it was read from one simple line (null when the careful parser
    read it), `matched` says that `text` matched `pattern` (which must match only lines of 95
    strictly quoted fields without control characters), `fields` holds all 95 raw values of a
    careful-parser record. Frames never mix files; the files' SHA-256 is not computed. Raises
    FileRejected like `iter_records`.
    """
    wanted = [COLUMNS.index(name) for name in columns]
    if len(set(wanted)) != len(wanted):
        raise ValueError("columns must be distinct")
    # the scan checks SUBJECT_ID and STP_EVENT_DATE of every accepted row (R11, R13)
    checked = [scan_module.SUBJECT_ID, scan_module.STP_EVENT_DATE]
    parsed = sorted({*wanted, *checked})
    for number, frame in _scanned(
        sources, parsed, block_bytes, text_pattern=pattern, with_sha256=False
    ):
        yield frame.select(
            pl.lit(number, dtype=pl.Int32).alias("file"),
            pl.col("line").cast(pl.Int64),
            *[pl.col(f"c{i}").alias(COLUMNS[i]) for i in wanted],
            pl.col("text"),
            pl.col("matched"),
            pl.col("fields"),
        )


def parse_simple_lines(texts: pl.Series) -> pl.DataFrame:
    """All 95 raw values (columns named as the DOJ columns) of `iter_record_lines` texts.

    `texts` must be non-null `text` values of `iter_record_lines` (lines the scan accepted as
    simple lines); they are parsed as the scan parses them.
    """
    if texts.len() == 0:
        return pl.DataFrame({name: pl.Series([], dtype=pl.String) for name in COLUMNS})
    frame = scan_module._read_fields(scan_module._joined(texts), range(len(COLUMNS)))
    if frame.height != texts.len():  # pragma: no cover - accepted simple lines always align
        raise RuntimeError("internal error: simple lines did not parse one record each")
    return frame.rename({f"c{i}": name for i, name in enumerate(COLUMNS)})
