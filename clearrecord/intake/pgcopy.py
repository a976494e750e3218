"""Bulk writes through PostgreSQL COPY (psycopg2 `copy_expert`), never one query per row.

- `copy_text` streams tuples in COPY's text format (None is NULL; lists become arrays).
- `copy_raw_frame` turns an `eligibility.doj.iter_records` frame into `cases_rawblock` rows (one
  per run of a person's records) with polars (the CSV is built in Rust, not row by row in Python).
- `reserve_ids` takes n ids from a table's identity sequence in one query, so rows that refer to
  each other can be COPYed without reading ids back.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl

from eligibility.doj.columns import COLUMNS

#: rows per COPY statement for tuple streams; each chunk is built in memory
CHUNK_ROWS = 50_000


_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _escape(value: str) -> str:
    # most values hold none of the four characters: one regex scan, no copies
    return value.translate(_ESCAPES) if _NEEDS_ESCAPE.search(value) else value


def _array(values: Sequence[Any]) -> str:
    items = ('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "{" + ",".join(items) + "}"


def _field(value: Any) -> str:
    kind = type(value)  # exact types first: the common cases, cheapest checks
    if kind is str:
        return _escape(value)
    if kind is int:
        return str(value)
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list | tuple):
        return _escape(_array(value))
    if isinstance(value, dict):
        return _escape(json.dumps(value, sort_keys=True, separators=(",", ":")))
    return _escape(str(value))


def copy_text(
    cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """COPY `rows` into `table` in chunks; returns the number of rows written."""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    written = 0
    buf = io.StringIO()
    pending = 0
    for row in rows:
        buf.write("\t".join(map(_field, row)))
        buf.write("\n")
        pending += 1
        if pending >= CHUNK_ROWS:
            buf.seek(0)
            cursor.copy_expert(sql, buf)
            written += pending
            buf = io.StringIO()
            pending = 0
    if pending:
        buf.seek(0)
        cursor.copy_expert(sql, buf)
        written += pending
    return written


def reserve_ids(cursor: Any, table: str, n: int) -> list[int]:
    if n == 0:
        return []
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n]
    )
    return [row[0] for row in cursor.fetchall()]


#: ends each record in `write_csv` output; a value holding it takes the slower general path
_RECORD_END = "\x1e"
_COPY_ESCAPES = ((b"\\", b"\\\\"), (b"\t", b"\\t"), (b"\r", b"\\r"), (b"\n", b"\\n"))


def _quoted(column: str) -> pl.Expr:
    return pl.concat_str(
        [
            pl.lit('"'),
            pl.col(column).fill_null("").str.replace_all('"', '""', literal=True),
            pl.lit('"'),
        ]
    )


def _record_texts(frame: pl.DataFrame) -> list[bytes]:
    """One CSV record (line number, the 95 values) per row, escaped for COPY's text format.

    polars writes the CSV in Rust, with a record separator that no DOJ value holds, so the
    records are cut apart without parsing; if some value does hold it, each record is built as
    one quoted string instead (same CSV, read back by `cases.raw.parse_records` alike).
    """
    buf = io.BytesIO()
    frame.select(pl.col("line"), *COLUMNS).write_csv(
        buf, include_header=False, line_terminator=_RECORD_END, quote_style="necessary"
    )
    data = buf.getvalue()
    del buf
    if data.count(_RECORD_END.encode()) != frame.height:
        records = frame.select(
            pl.concat_str(
                [pl.col("line").cast(pl.String), *[_quoted(c) for c in COLUMNS]], separator=","
            ).alias("r")
        )["r"]
        return [_escape(r).encode() for r in records.to_list()]
    for raw, escaped in _COPY_ESCAPES:
        data = data.replace(raw, escaped)
    return data.split(_RECORD_END.encode())[:-1]


def raw_frame_payload(upload_id: int, frame: pl.DataFrame) -> bytes:
    """COPY text (`RAW_BLOCK_COPY`) of one `iter_records` frame (`file`, `line`, the 95 columns).

    One block per run of consecutive rows of one person (`models.RawBlock`).
    """
    if frame.height == 0:
        return b""
    records = _record_texts(frame)
    subject_ids = frame["SUBJECT_ID"].fill_null("").str.strip_chars()
    starts = (subject_ids != subject_ids.shift(1)).fill_null(True).arg_true()
    first_lines = frame["line"].gather(starts).to_list()
    sids = [_escape(s).encode() for s in subject_ids.gather(starts).to_list()]
    bounds = [*starts.to_list(), frame.height]
    del subject_ids, starts
    file_number = int(frame["file"][0])
    out = io.BytesIO()
    write = out.write
    for k, sid in enumerate(sids):
        begin, end = bounds[k], bounds[k + 1]
        write(b"%d\t%d\t%d\t%d\t%s\t" % (upload_id, file_number, first_lines[k], end - begin, sid))
        write(b"\\n".join(records[begin:end]))
        write(b"\n")
    return out.getvalue()


RAW_BLOCK_COPY = (
    "COPY cases_rawblock (upload_id, file_number, first_line, line_count, subject_id, records)"
    " FROM STDIN"
)


def copy_raw_payload(cursor: Any, payload: bytes) -> None:
    """COPY a `raw_frame_payload` into cases_rawblock."""
    if payload:
        cursor.copy_expert(RAW_BLOCK_COPY, io.BytesIO(payload))


def copy_raw_frame(cursor: Any, upload_id: int, frame: pl.DataFrame) -> int:
    """COPY one `iter_records` frame into cases_rawblock; the number of records written."""
    copy_raw_payload(cursor, raw_frame_payload(upload_id, frame))
    return frame.height
