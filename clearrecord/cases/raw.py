"""Read access to the raw DOJ rows kept for each upload (a person's whole record).

Everything outside `cases` and `intake` reads raw rows through this module, never through the
storage model, so the storage format can change without touching the pages and writers.
A `RawLine` is one accepted DOJ record: which file of the upload, its line number, and its 95 raw
values in DOJ column order (`eligibility.doj.columns.COLUMNS`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple

from .models import RawRow

CHUNK = 2000


class RawLine(NamedTuple):
    subject_id: str  # the raw SUBJECT_ID, trimmed
    file_number: int
    line: int
    values: list[str]


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
        rows = (
            RawRow.objects.filter(upload_id=upload_id, subject_id__in=chunk)
            .order_by("file_number", "line")
            .values_list("subject_id", "file_number", "line", "values")
        )
        for subject_id, file_number, line, values in rows.iterator(chunk_size=CHUNK):
            found[subject_id].append(RawLine(subject_id, file_number, line, list(values)))
        for sid in chunk:
            yield from found[sid]
