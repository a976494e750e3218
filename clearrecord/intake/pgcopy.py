"""Bulk writes through PostgreSQL COPY (psycopg2 `copy_expert`), never one query per row.

- `copy_text` streams tuples in COPY's text format (None is NULL; lists become arrays).
- `copy_raw_frame` turns an `eligibility.doj.iter_records` frame into `cases_rawrow` rows with
  polars (the CSV is built in Rust, not row by row in Python).
- `reserve_ids` takes n ids from a table's identity sequence in one query, so rows that refer to
  each other can be COPYed without reading ids back.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl

from eligibility.doj.columns import COLUMNS

#: rows per COPY statement for tuple streams; each chunk is built in memory
CHUNK_ROWS = 50_000


def _escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _array(values: Sequence[Any]) -> str:
    items = ('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "{" + ",".join(items) + "}"


def _field(value: Any) -> str:
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
        buf.write("\t".join(_field(v) for v in row))
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


def _array_expr(columns: Sequence[str]) -> pl.Expr:
    escaped = [
        pl.col(c)
        .fill_null("")
        .str.replace_all("\\", "\\\\", literal=True)
        .str.replace_all('"', '\\"', literal=True)
        for c in columns
    ]
    return pl.concat_str([pl.lit('{"'), pl.concat_str(escaped, separator='","'), pl.lit('"}')])


def copy_raw_frame(cursor: Any, upload_id: int, frame: pl.DataFrame) -> int:
    """COPY one `iter_records` frame (`file`, `line`, the 95 columns) into cases_rawrow."""
    out = frame.select(
        pl.lit(upload_id, dtype=pl.Int64).alias("upload_id"),
        pl.col("file").alias("file_number"),
        pl.col("line"),
        pl.col("SUBJECT_ID").fill_null("").str.strip_chars().alias("subject_id"),
        _array_expr(COLUMNS).alias("values"),
    )
    buf = io.BytesIO()
    out.write_csv(buf, include_header=False, quote_style="always")
    buf.seek(0)
    cursor.copy_expert(
        'COPY cases_rawrow (upload_id, file_number, line, subject_id, "values") '
        "FROM STDIN WITH (FORMAT csv)",
        buf,
    )
    return out.height
