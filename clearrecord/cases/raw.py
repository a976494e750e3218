"""Read access to the raw DOJ rows kept for each upload (a person's whole record).

Everything outside `cases` and `intake` reads raw rows through this module, never through the
storage model, so the storage format can change without touching the pages and writers.
A `RawLine` is one accepted DOJ record: which file of the upload, its line number, and its 95 raw
values in DOJ column order (`eligibility.doj.columns.COLUMNS`).

Storage (`models.RawBlock`): one row per run of one person's consecutive records in one file,
its `records` a CSV text with one record a line (the line number, then the 95 values). The
ingest pipeline writes blocks with `clearrecord.intake.pgcopy.copy_raw_frame`; `store_raw_lines`
writes a few lines the same way (tests, demo data).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from django.db.models import Sum

from .models import RawBlock

CHUNK = 2000


class RawLine(NamedTuple):
    subject_id: str  # the raw SUBJECT_ID, trimmed
    file_number: int
    line: int
    values: list[str]


def parse_records(subject_id: str, file_number: int, records: str) -> list[RawLine]:
    """The `RawLine`s of one block's `records` text."""
    return [
        RawLine(subject_id, file_number, int(row[0]), row[1:])
        for row in csv.reader(io.StringIO(records, newline=""))
    ]


def format_records(lines: Iterable[tuple[int, list[str]]]) -> str:
    """`records` text of (line, values) pairs, as `parse_records` reads it back."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for line, values in lines:
        writer.writerow([line, *values])
    return out.getvalue()


def raw_lines_of(*, upload_id: int, subject_id: str) -> list[RawLine]:
    """Every accepted row of one person in one upload, in file order."""
    return list(raw_lines_of_many(upload_id=upload_id, subject_ids=[subject_id]))


def raw_lines_of_many(*, upload_id: int, subject_ids: Iterable[str]) -> Iterator[RawLine]:
    """The accepted rows of many people of one upload, person by person in the order given,
    each person's rows in file order. Reads in chunks, so memory stays flat."""
    ids = list(dict.fromkeys(subject_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found: dict[str, list[RawLine]] = {sid: [] for sid in chunk}
        blocks = (
            RawBlock.objects.filter(upload_id=upload_id, subject_id__in=chunk)
            .order_by("file_number", "first_line")
            .values_list("subject_id", "file_number", "records")
        )
        for subject_id, file_number, records in blocks.iterator(chunk_size=CHUNK):
            found[subject_id].extend(parse_records(subject_id, file_number, records))
        for sid in chunk:
            yield from found[sid]


def raw_line_count(*, upload_id: int) -> int:
    """How many raw rows the upload keeps (its accepted data rows once published)."""
    return RawBlock.objects.filter(upload_id=upload_id).aggregate(n=Sum("line_count"))["n"] or 0


def store_raw_lines(*, upload_id: int, lines: Iterable[RawLine]) -> int:
    """Store a few raw rows (one block per run of a person's lines in a file); the count.

    For tests and demo data: the ingest pipeline COPYs whole frames instead.
    """
    blocks: list[RawBlock] = []
    run: list[RawLine] = []

    def flush() -> None:
        if run:
            blocks.append(
                RawBlock(
                    upload_id=upload_id,
                    file_number=run[0].file_number,
                    first_line=run[0].line,
                    line_count=len(run),
                    subject_id=run[0].subject_id,
                    records=format_records((ln.line, ln.values) for ln in run),
                )
            )

    for ln in sorted(lines, key=lambda ln: (ln.file_number, ln.line)):
        if run and (ln.subject_id, ln.file_number) != (run[0].subject_id, run[0].file_number):
            flush()
            run = []
        run.append(ln)
    flush()
    RawBlock.objects.bulk_create(blocks, batch_size=2000)
    return sum(b.line_count for b in blocks)
