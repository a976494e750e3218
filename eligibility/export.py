"""The output bundle (shared/spec/prop64-rules.md §9, CSV dialect and safety §10).

Files written into the output directory:

| file | rows |
|---|---|
| ``All_Results{i}.csv`` | every accepted data row of input file i, in order: 95 + 18 columns |
| ``All_Results_Condensed{i}.csv`` | the same rows: the 20 condensed columns + 18 |
| ``Prop64_Results{i}.csv`` | primary rows of the relevant convictions of file i: 95 + 18 |
| ``gogen.json`` | the compatible summary (§8.1) |
| ``ClearRecord_Results.csv`` | one row per determination, upload order (§9.2) |
| ``ClearRecord_Row_Issues.csv`` | ``file, line, field, code, severity`` |
| ``ClearRecord_Summary.json`` | the full statistics (§8.1) |

``{i}`` is ``_1``, ``_2``, … only when the upload has more than one file.

How (never holding a file in memory, DOJ R18):

1. The 18 eligibility columns of §9.1 are computed once per determination from the model (the
   subject-wide values once per subject) into a small polars table keyed by (file, line) of the
   conviction's primary row, CSV-encoded and joined into two pieces around column 3.
2. The rows are streamed again with `eligibility.doj.reader.iter_record_lines` (same scan, same
   decisions) in blocks: each accepted row comes with its line text and its 20 condensed
   values. A line matching `csvsafe.canonical_record_pattern` is exactly what encoding its
   values would give (spec §10), so its 95 DOJ cells are the line itself, copied; any other
   record (a needlessly quoted or formula-like cell, a trailing empty field, CRLF, Latin-1,
   multi-line, ...) is encoded field by field from its 95 values (`csvsafe.encoded_columns`).
   The condensed cells of a canonical line are never formula-like: they are only quoted as
   needed. Column 3 (`Possible Other P64 Charges`, rules §3.4) is computed for EVERY row -- in
   Python once per distinct (OFFENSE_DESCR, COMMENT_TEXT) pair whose comment could mention a
   Prop 64 section, cached across blocks. Each block's keys are joined to the part of the table
   within its lines, and polars writes the lines (text, then the eligibility pieces) in a
   writer thread while the next block is read.

Choices where the spec is silent:

- ``Years Since …`` divide calendar days by 365.25 and format ``%.1f`` (Python's correctly
  rounded formatting, as Go's ``%.1f``); a conviction dated after the compute date is negative.
- ``Years Since Any Conviction`` uses the subject's latest known conviction date, every county
  and section (a conviction with an unknown date is skipped, not fatal).
- ``ClearRecord_Results.csv`` lists case numbers trimmed, without ``NULL`` and blanks, de-duplicated
  (DOJ §4.6 "rich outputs"); ``code_section`` is the canonical form of the parsed section.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, Queue
from typing import IO, Final

import polars as pl

from eligibility import csvsafe
from eligibility.api import RunResult, as_sources, gc_paused
from eligibility.doj import Source
from eligibility.doj.columns import COLUMNS, CONDENSED
from eligibility.doj.reader import iter_record_lines, parse_simple_lines
from eligibility.doj.sections import possible_other_prop64_charge, subsection_path
from eligibility.model import CodeSection, Conviction, Determination, RowRef, Subject
from eligibility.rules import subject_facts

#: The 18 eligibility columns (§9.1), exact headers in order.
ELIGIBILITY_COLUMNS: Final[tuple[str, ...]] = (
    "Case Number",
    "# of convictions on record",
    "Possible Other P64 Charges",
    "Occurred after 11/9/2016",
    "Superstrike Code Section(s)",
    "PC290 Code Section(s)",
    "PC290 Registration",
    "Date of Conviction",
    "Years Since This Conviction",
    "Years Since Any Conviction",
    "# of Prop 64 convictions",
    "# of HS 11357 convictions",
    "# of HS 11358 convictions",
    "# of HS 11359 convictions",
    "# of HS 11360 convictions",
    "Deceased",
    "Eligibility Determination",
    "Eligibility Reason",
)
POSSIBLE_OTHER: Final[str] = ELIGIBILITY_COLUMNS[2]
_DETERMINED: Final[tuple[str, ...]] = tuple(c for c in ELIGIBILITY_COLUMNS if c != POSSIBLE_OTHER)

#: §9.2, in order.
RESULTS_COLUMNS: Final[tuple[str, ...]] = (
    "file", "line", "SUBJECT_ID", "CNT_ORDER", "CII_NUMBER", "name", "dob", "county",
    "court_case", "case_numbers", "fe_court_case", "code_section", "section", "subsection_path",
    "attempt", "conspiracy", "level", "conviction_date", "sentence_end_date", "outcome", "reason",
    "explanation", "rule_id", "citation", "remedy", "remedy_citation", "flags", "evidence",
    "rule_set", "rule_set_version", "prior_timing", "compute_date", "options_digest",
    "compat_determination", "compat_reason",
)  # fmt: skip
ISSUE_COLUMNS: Final[tuple[str, ...]] = ("file", "line", "field", "code", "severity")

PROP64_EFFECTIVE: Final[dt.date] = dt.date(2016, 11, 9)
_HAS_DETERMINATION: Final[str] = "__determined"


def years_since(then: dt.date | None, t: dt.date) -> str:
    """(t - then) in days / 365.25, one decimal; empty when unknown (§9.1 columns 9-10)."""
    if then is None:
        return ""
    return "%.1f" % ((t - then).days / 365.25)


def us_date(d: dt.date | None) -> str:
    """MM/DD/YYYY; empty when unknown (§9.1 column 8)."""
    return "" if d is None else f"{d.month:02d}/{d.day:02d}/{d.year:04d}"


def file_suffix(number: int, files: int) -> str:
    """`_1`, `_2`, … only when the upload has more than one file (§9)."""
    return f"_{number}" if files > 1 else ""


def _rich_case_numbers(raw: Iterable[str]) -> str:
    seen: list[str] = []
    for value in raw:
        v = value.strip()
        if v and v.upper() != "NULL" and v not in seen:
            seen.append(v)
    return "; ".join(seen)


class _Formats:
    """Cached string forms of dates and durations (few distinct values, many convictions)."""

    def __init__(self, t: dt.date) -> None:
        self.t = t
        self._us: dict[dt.date | None, str] = {None: ""}
        self._iso: dict[dt.date | None, str] = {None: ""}
        self._years: dict[dt.date | None, str] = {None: ""}

    def us(self, d: dt.date | None) -> str:
        v = self._us.get(d)
        if v is None:
            v = self._us[d] = us_date(d)
        return v

    def iso(self, d: dt.date | None) -> str:
        v = self._iso.get(d)
        if v is None:
            v = self._iso[d] = d.isoformat() if d is not None else ""
        return v

    def years(self, d: dt.date | None) -> str:
        v = self._years.get(d)
        if v is None:
            v = self._years[d] = years_since(d, self.t)
        return v


_SUBJECT_KEYS: Final[tuple[str, ...]] = (
    "# of convictions on record",
    "Superstrike Code Section(s)",
    "PC290 Code Section(s)",
    "PC290 Registration",
    "Years Since Any Conviction",
    "# of Prop 64 convictions",
    "# of HS 11357 convictions",
    "# of HS 11358 convictions",
    "# of HS 11359 convictions",
    "# of HS 11360 convictions",
    "Deceased",
)


def _subject_values(subject: Subject, result: RunResult, fmt: _Formats) -> tuple[str, ...]:
    """The subject-wide values of §9.1 (columns 2, 5-7, 10-16), in `_SUBJECT_KEYS` order."""
    facts = result.facts.get(subject.subject_id) or subject_facts(subject, result.lists)
    by_section = facts.by_section
    return (
        str(facts.convictions),
        facts.superstrike_column,
        facts.pc290_column,
        facts.registration_column,
        fmt.years(facts.latest_conviction_date),
        str(facts.prop64_convictions),
        str(by_section.get("11357", 0)),
        str(by_section.get("11358", 0)),
        str(by_section.get("11359", 0)),
        str(by_section.get("11360", 0)),
        "Deceased" if facts.deceased else "-",
    )


def _conviction_at(subject: Subject, ref: RowRef) -> Conviction:
    """The subject's conviction whose primary row is `ref` (a subject has a few convictions)."""
    for c in subject.convictions:
        if c.ref is ref:  # the rules hand on the conviction's own RowRef
            return c
    for c in subject.convictions:
        if c.ref == ref:
            return c
    raise KeyError(str(ref))


class _Tables:
    """Builds the eligibility table and the §9.2 table batch by batch (bounded Python memory)."""

    def __init__(self, result: RunResult) -> None:
        self.result = result
        self.fmt = _Formats(result.compute_at)
        self.subjects = {s.subject_id: s for s in result.upload.subjects}
        # A subject's values once per subject; equal tuples are shared (most subjects have the
        # same counts), which keeps this cache small beside the upload's model (peak memory).
        self.subject_rows: dict[str, tuple[str, ...]] = {}
        self.distinct_rows: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.paths: dict[int, str] = {}

    def batch(self, determinations: Sequence[Determination]) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Both tables for `determinations`, column by column (list comprehensions)."""
        result, fmt, subjects = self.result, self.fmt, self.subjects
        subject_rows, distinct_rows = self.subject_rows, self.distinct_rows
        dets = list(determinations)
        subs: list[Subject] = []
        per_subject: list[tuple[str, ...]] = []
        for d in dets:
            sid = d.subject_id
            subject = subjects[sid]
            values = subject_rows.get(sid)
            if values is None:
                values = _subject_values(subject, result, fmt)
                values = subject_rows[sid] = distinct_rows.setdefault(values, values)
            subs.append(subject)
            per_subject.append(values)
        convs = [_conviction_at(s, d.conviction_ref) for s, d in zip(subs, dets, strict=True)]
        dates = [c.date for c in convs]
        sections = [c.section for c in convs]
        files = [c.ref.file for c in convs]
        lines = [c.ref.line for c in convs]
        # the reader shares one tuple per court case: cached for this batch only, as almost
        # every court case has its own list (a cache of the whole upload held ~50 MB at 1M rows)
        joined: dict[tuple[str, ...], tuple[str, str]] = {}
        cases: list[tuple[str, str]] = []
        for c in convs:
            pair = joined.get(c.case_numbers_raw)
            if pair is None:
                raw = c.case_numbers_raw
                pair = joined[raw] = ("; ".join(raw), _rich_case_numbers(raw))
            cases.append(pair)
        us, iso, years, path = fmt.us, fmt.iso, fmt.years, self._path
        compat_det = [d.compat_determination for d in dets]
        compat_reason = [d.compat_reason for d in dets]
        e: dict[str, list[str]] = {
            "Case Number": [pair[0] for pair in cases],
            "Occurred after 11/9/2016": [
                "" if x is None else ("Y" if x > PROP64_EFFECTIVE else "N") for x in dates
            ],
            "Date of Conviction": [us(x) for x in dates],
            "Years Since This Conviction": [years(x) for x in dates],
            "Eligibility Determination": compat_det,
            "Eligibility Reason": compat_reason,
        }
        subject_columns = (
            list(zip(*per_subject, strict=True)) if per_subject else [()] * len(_SUBJECT_KEYS)
        )
        e.update({k: list(v) for k, v in zip(_SUBJECT_KEYS, subject_columns, strict=True)})
        table = pl.DataFrame(
            [
                pl.Series("file", files, dtype=pl.Int32),
                pl.Series("line", lines, dtype=pl.Int64),
                *(pl.Series(name, e[name], dtype=pl.String) for name in _DETERMINED),
            ]
        )
        # ClearRecord_Results.csv (§9.2)
        r: dict[str, list[str]] = {
            "file": [str(f) for f in files],
            "line": [str(n) for n in lines],
            "SUBJECT_ID": [d.subject_id for d in dets],
            "CNT_ORDER": [c.cnt_order for c in convs],
            "CII_NUMBER": [s.cii for s in subs],
            "name": [s.name for s in subs],
            "dob": [iso(s.dob) for s in subs],
            "county": [c.county or "" for c in convs],
            "court_case": [c.court_case or "" for c in convs],
            "case_numbers": [pair[1] for pair in cases],
            "fe_court_case": ["; ".join(c.fe_court_case) for c in convs],
            "code_section": ["" if x is None else x.canonical for x in sections],
            "section": [c.prop64_section or "" for c in convs],
            "subsection_path": [path(x) for x in sections],
            "attempt": ["true" if x is not None and x.attempt else "false" for x in sections],
            "conspiracy": ["true" if x is not None and x.conspiracy else "false" for x in sections],
            "level": [c.level.value for c in convs],
            "conviction_date": [iso(x) for x in dates],
            "sentence_end_date": [iso(c.sentence_end) for c in convs],
            "outcome": [d.outcome.value for d in dets],
            "reason": [d.reason for d in dets],
            "explanation": [d.explanation for d in dets],
            "rule_id": [d.rule_id for d in dets],
            "citation": [d.citation for d in dets],
            "remedy": ["" if d.remedy is None else d.remedy.value for d in dets],
            "remedy_citation": [d.remedy_citation for d in dets],
            "flags": ["; ".join(d.flags) for d in dets],
            "evidence": ["; ".join([str(x) for x in d.evidence]) for d in dets],
            "rule_set": [d.rule_set for d in dets],
            "rule_set_version": [d.rule_set_version for d in dets],
            "prior_timing": [d.prior_timing for d in dets],
            "compute_date": [iso(d.compute_date) for d in dets],
            "options_digest": [d.options_digest for d in dets],
            "compat_determination": compat_det,
            "compat_reason": compat_reason,
        }
        results = pl.DataFrame(
            [pl.Series(name, r[name], dtype=pl.String) for name in RESULTS_COLUMNS]
        )
        return table, results

    def _path(self, section: CodeSection | None) -> str:
        """`subsection_path` of a section's primary part, cached by part."""
        if section is None:
            return ""
        primary = section.primary
        key = id(primary)
        path = self.paths.get(key)
        if path is None:
            path = self.paths[key] = subsection_path(primary) if primary is not None else ""
        return path


def _determination_tables(
    result: RunResult, batch: int = 20_000
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(eligibility cells keyed by file/line, the §9.2 table), one row per determination.

    The first table holds `file`, `line` and the CSV-encoded eligibility columns joined in two
    pieces around column 3 (computed per row while writing): `_HEAD` (columns 1-2) and `_TAIL`
    (columns 4-18). Built column by column, in batches whose Python strings are dropped once
    they are in polars; repeated strings come from caches.
    """
    tables = _Tables(result)
    dets = result.determinations
    parts = [tables.batch(dets[i : i + batch]) for i in range(0, max(len(dets), 1), batch)]
    table = pl.concat([p[0] for p in parts], rechunk=True)
    results = pl.concat([p[1] for p in parts], rechunk=True)
    encoded = table.select(
        pl.col("file"), pl.col("line"), *csvsafe.encoded_columns(table, list(_DETERMINED))
    )
    table = encoded.select(
        pl.col("file"),
        pl.col("line"),
        pl.concat_str(list(_HEAD_COLUMNS), separator=",").alias(_HEAD),
        pl.concat_str(list(_TAIL_COLUMNS), separator=",").alias(_TAIL),
    )
    return table, results


_HEAD: Final[str] = "__head"
_TAIL: Final[str] = "__tail"
_HEAD_COLUMNS: Final[tuple[str, ...]] = ELIGIBILITY_COLUMNS[:2]
_TAIL_COLUMNS: Final[tuple[str, ...]] = ELIGIBILITY_COLUMNS[3:]
#: The encoded cells of a row without determination, around column 3.
_EMPTY_HEAD: Final[str] = "," * (len(_HEAD_COLUMNS) - 1)
_EMPTY_TAIL: Final[str] = "," * (len(_TAIL_COLUMNS) - 1)


class _PossibleOther:
    """Column 3 for every row (rules §3.4), CSV-encoded, cached per (offense, comment) pair."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, str], str] = {}

    def column(self, chunk: pl.DataFrame) -> pl.Series:
        offense = chunk["OFFENSE_DESCR"].fill_null("")
        comment = chunk["COMMENT_TEXT"].fill_null("")
        # a mention needs 11357-11360 in the comment: only those rows can be non-empty
        candidate = comment.str.contains("113[56]")
        out = pl.Series(POSSIBLE_OTHER, [""] * chunk.height, dtype=pl.String)
        if not candidate.any():
            return out
        pairs = pl.DataFrame({"o": offense, "c": comment}).filter(candidate)
        values: list[str] = []
        cache = self.cache
        for o, c in pairs.iter_rows():
            key = (o, c)
            value = cache.get(key)
            if value is None:
                value = csvsafe.cell(possible_other_prop64_charge(o, c))
                cache[key] = value
            values.append(value)
        return out.scatter(candidate.arg_true(), pl.Series(values, dtype=pl.String))


class _FileWriters:
    """The three row files of one input file, opened with their header lines."""

    def __init__(self, outdir: Path, number: int, files: int) -> None:
        suffix = file_suffix(number, files)
        self.paths = (
            outdir / f"All_Results{suffix}.csv",
            outdir / f"All_Results_Condensed{suffix}.csv",
            outdir / f"Prop64_Results{suffix}.csv",
        )
        self.handles: list[IO[bytes]] = [p.open("wb") for p in self.paths]
        full = csvsafe.header_line([*COLUMNS, *ELIGIBILITY_COLUMNS]).encode()
        condensed = csvsafe.header_line([*CONDENSED, *ELIGIBILITY_COLUMNS]).encode()
        self.handles[0].write(full)
        self.handles[1].write(condensed)
        self.handles[2].write(full)

    def close(self) -> None:
        for h in self.handles:
            h.close()


def write_row_file_headers(outdir: Path, number: int, files: int) -> list[Path]:
    """The three row files of input file `number` (of `files`) with their header lines only.

    For a caller writing the bundle of part of an upload in which this file has no rows.
    """
    writers = _FileWriters(outdir, number, files)
    writers.close()
    return list(writers.paths)


def _prefetched(frames: Iterator[pl.DataFrame], depth: int = 1) -> Iterator[pl.DataFrame]:
    """`frames`, produced by a background thread up to `depth` chunks ahead (memory: one chunk).

    Reading the next chunk (the reader) overlaps with encoding and writing this one (polars,
    which releases the GIL); an exception of the reader is raised here, in order.
    """
    queue: Queue[tuple[pl.DataFrame | None, BaseException | None]] = Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for frame in frames:
                if stop.is_set():
                    return
                queue.put((frame, None))
            queue.put((None, None))
        except BaseException as exc:  # handed to the consumer, re-raised there
            queue.put((None, exc))

    worker = threading.Thread(target=produce, name="bundle-reader", daemon=True)
    worker.start()
    try:
        while True:
            frame, error = queue.get()
            if error is not None:
                raise error
            if frame is None:
                return
            yield frame
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                queue.get_nowait()
            except Empty:
                worker.join(timeout=0.05)


def _write_encoded(frame: pl.DataFrame, handle: IO[bytes]) -> None:
    """Write already-encoded String columns as CSV records (no further quoting)."""
    if frame.height:
        frame.write_csv(handle, include_header=False, quote_style="never")


#: A line that is its own encoding in the export dialect (`csvsafe.canonical_record_pattern`).
_CANONICAL: Final[str] = csvsafe.canonical_record_pattern(len(COLUMNS))
#: `_FULL`: the encoded 95 DOJ columns of a row; `_SHORT`: its encoded condensed columns.
_FULL: Final[str] = "__full"
_SHORT: Final[str] = "__condensed"


def _record_texts(chunk: pl.DataFrame) -> pl.DataFrame:
    """`_FULL` and `_SHORT` of each row of an `iter_record_lines` chunk.

    A row whose line matched `_CANONICAL` is its own encoding: `_FULL` is its text, and its
    values are never formula-like, so `_SHORT` only quotes them as needed. Every other row (a
    needlessly quoted or formula-like cell, a trailing empty field, a record of the careful
    parser: multi-line, Latin-1, ...) is encoded field by field from its 95 values.
    """
    matched = chunk.get_column("matched")
    canonical = chunk.filter(matched) if not matched.all() else chunk
    texts = canonical.select(
        pl.col("text").alias(_FULL),
        pl.concat_str(csvsafe.quoted_columns(canonical, CONDENSED), separator=",").alias(_SHORT),
    )
    if canonical.height == chunk.height:
        return texts
    others = matched.not_().arg_true()
    encoded = _encoded_rows(chunk[others])
    # in chunk order: the canonical rows' texts go to their positions, the others' to theirs
    merged = pl.concat([texts, encoded]).with_columns(
        pl.concat([matched.arg_true(), others]).alias("__position")
    )
    return merged.sort("__position").drop("__position")


def _encoded_rows(rows: pl.DataFrame) -> pl.DataFrame:
    """`_FULL` and `_SHORT` of `rows` from their 95 values, each cell encoded (`csvsafe`)."""
    position = pl.int_range(pl.len(), dtype=pl.UInt32).alias("__position")
    numbered = rows.with_columns(position)
    simple = numbered.filter(pl.col("text").is_not_null())
    careful = numbered.filter(pl.col("text").is_null())
    parts = []
    if simple.height:
        values = parse_simple_lines(simple.get_column("text"))
        parts.append(values.with_columns(simple.get_column("__position")))
    if careful.height:
        parts.append(
            careful.select(
                *(pl.col("fields").list.get(i).alias(name) for i, name in enumerate(COLUMNS)),
                pl.col("__position"),
            )
        )
    values = pl.concat(parts).sort("__position") if len(parts) > 1 else parts[0]
    encoded = values.select(csvsafe.encoded_columns(values, COLUMNS))
    return encoded.select(
        pl.concat_str(list(COLUMNS), separator=",").alias(_FULL),
        pl.concat_str(list(CONDENSED), separator=",").alias(_SHORT),
    )


#: (file, line) as one increasing Int64: file * stride + line (line numbers stay far below).
_FILE_STRIDE: Final[int] = 1 << 40


class _TableByLine:
    """The eligibility table sorted by (file, line), sliced to the lines of a chunk.

    A chunk is joined to the few determinations within its line range rather than to the
    whole table (which a join would hash again for every chunk).
    """

    def __init__(self, table: pl.DataFrame) -> None:
        self.table = table.sort("file", "line")
        self.keys = self.table.select(
            pl.col("file").cast(pl.Int64) * _FILE_STRIDE + pl.col("line").cast(pl.Int64)
        ).to_series()

    def within(self, number: int, first_line: int, last_line: int) -> pl.DataFrame:
        """The rows of file `number` whose line is in [first_line, last_line]."""
        lo = int(self.keys.search_sorted(number * _FILE_STRIDE + first_line, "left"))
        hi = int(self.keys.search_sorted(number * _FILE_STRIDE + last_line, "right"))
        return self.table.slice(lo, hi - lo)

    def cells(self, chunk: pl.DataFrame, possible_other: _PossibleOther) -> pl.DataFrame:
        """The 18 encoded eligibility cells of a one-file chunk's rows, in three pieces.

        `_HEAD` (columns 1-2), column 3, `_TAIL` (columns 4-18), and `_HAS_DETERMINATION`.
        """
        number = int(chunk.item(0, "file"))
        lines = chunk.get_column("line")
        near = self.within(number, int(lines.min()), int(lines.max()))  # type: ignore[arg-type]
        joined = chunk.select("line").join(
            near.select("line", _HEAD, _TAIL), on="line", how="left", maintain_order="left"
        )
        if joined.height != chunk.height:  # pragma: no cover - one determination per row
            raise RuntimeError("internal error: a row matched two determinations")
        return joined.select(
            pl.col(_HEAD).fill_null(_EMPTY_HEAD),
            possible_other.column(chunk),
            pl.col(_TAIL).fill_null(_EMPTY_TAIL),
            pl.col(_HEAD).is_not_null().alias(_HAS_DETERMINATION),
        )


#: The DOJ columns the row files need parsed: the condensed ones (column 3 reads two of them).
_READ_COLUMNS: Final[tuple[str, ...]] = CONDENSED
#: Blocks of the row files' scan. Its frames hold the lines' text and 22 parsed columns (not
#: all 95): a 16 MiB block costs about 100 MB with its outputs, well below the run's peak, and
#: twice `RECORDS_BLOCK_BYTES` takes a fifth off the time of the row files (fewer, larger steps).
_ROW_BLOCK_BYTES: Final[int] = 16 << 20


class _Writer:
    """Runs writes in one background thread, in order, at most `depth` of them waiting.

    Polars writes CSV without the GIL, and the kernel's copy into the page cache is a large part
    of the bundle's cost: writing beside the reading and assembling uses the second core. An
    error of a write is raised by a later `submit` or by `finish`.
    """

    def __init__(self, depth: int = 6) -> None:
        self.depth = depth
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bundle-writer")
        self.pending: deque[Future[object]] = deque()

    def submit(self, write: Callable[..., object], *args: object) -> None:
        self.pending.append(self.pool.submit(write, *args))
        while len(self.pending) > self.depth:
            self.pending.popleft().result()

    def finish(self) -> None:
        """Wait for every write (raising the first error)."""
        while self.pending:
            self.pending.popleft().result()

    def close(self) -> None:
        """Drop the writes not started and wait for the running one (after an error)."""
        for future in self.pending:
            future.cancel()
        self.pool.shutdown(wait=True)


def _write_rows(
    total: int,
    sources: Sequence[Source],
    outdir: Path,
    table: pl.DataFrame,
    progress: Callable[[int, int], None] | None,
    chunk_rows: int,
    writer: _Writer,
) -> list[Path]:
    n_files = len(sources)
    writers = [_FileWriters(outdir, i, n_files) for i in range(1, n_files + 1)]
    possible_other = _PossibleOther()
    by_line = _TableByLine(table)
    eligibility = [_HEAD, POSSIBLE_OTHER, _TAIL]
    done = 0
    try:
        blocks = iter_record_lines(sources, _READ_COLUMNS, _CANONICAL, block_bytes=_ROW_BLOCK_BYTES)
        for block in _prefetched(blocks, depth=2):
            for start in range(0, block.height, chunk_rows):
                chunk = block.slice(start, chunk_rows)
                w = writers[int(chunk.item(0, "file")) - 1]
                part = pl.concat(
                    [_record_texts(chunk), by_line.cells(chunk, possible_other)],
                    how="horizontal",
                )
                has_determination = part.get_column(_HAS_DETERMINATION)
                full = part.select(_FULL, *eligibility)
                writer.submit(_write_encoded, full, w.handles[0])
                writer.submit(_write_encoded, part.select(_SHORT, *eligibility), w.handles[1])
                if has_determination.any():
                    writer.submit(_write_encoded, full.filter(has_determination), w.handles[2])
                done += chunk.height
                if progress is not None:
                    progress(done, total)
        writer.finish()
    finally:
        writer.close()
        for w in writers:
            w.close()
    return [p for w in writers for p in w.paths]


def _write_table(path: Path, frame: pl.DataFrame) -> Path:
    """A whole table (String columns) as an exported CSV with its header."""
    with path.open("wb") as out:
        out.write(csvsafe.header_line(frame.columns).encode())
        _write_encoded(frame.select(csvsafe.encoded_columns(frame, frame.columns)), out)
    return path


def _write_json(path: Path, data: object, *, end: str = "\n") -> Path:
    """Compact JSON, keys in the order given (gogen.json ends without a line break, as before)."""
    path.write_text(
        json.dumps(data, separators=(",", ":"), ensure_ascii=False) + end, encoding="utf-8"
    )
    return path


def gogen_summary(result: RunResult) -> dict[str, object]:
    """gogen.json (§8.1) with the run's processing time."""
    return result.statistics.gogen_json(result.processing_seconds)


@dataclass(frozen=True, slots=True)
class PreparedBundle:
    """Everything the bundle needs from a `RunResult`, without the subjects.

    A caller that drops its `RunResult` after `prepare_bundle` frees the upload's model
    before the rows are streamed again, which lowers the peak memory of a whole run.
    """

    sources: tuple[Source, ...]
    data_rows: int
    table: pl.DataFrame  # eligibility columns by (file, line), CSV-encoded
    results: pl.DataFrame  # ClearRecord_Results.csv
    issues: pl.DataFrame  # ClearRecord_Row_Issues.csv
    gogen: dict[str, object]
    summary: dict[str, object]


def prepare_bundle(
    result: RunResult, sources: Sequence[Source | Path | str] | None = None
) -> PreparedBundle:
    """Step 1 of the module docstring, plus the summary files' contents."""
    with gc_paused():
        table, results = _determination_tables(result)
    issues = result.upload.issues
    issue_table = pl.DataFrame(
        [
            pl.Series("file", [str(i.file) for i in issues], dtype=pl.String),
            pl.Series("line", [str(i.line) for i in issues], dtype=pl.String),
            pl.Series("field", [i.field for i in issues], dtype=pl.String),
            pl.Series("code", [i.code for i in issues], dtype=pl.String),
            pl.Series("severity", [i.severity.value for i in issues], dtype=pl.String),
        ]
    )
    return PreparedBundle(
        sources=as_sources(sources) if sources is not None else result.sources,
        data_rows=result.upload.data_rows,
        table=table,
        results=results,
        issues=issue_table,
        gogen=gogen_summary(result),
        summary=result.statistics.summary(result.processing_seconds),
    )


def write_prepared(
    prepared: PreparedBundle,
    outdir: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    chunk_rows: int = 200_000,
) -> list[Path]:
    """Step 2 of the module docstring and the other files; returns the paths written."""
    outdir.mkdir(parents=True, exist_ok=True)
    writer = _Writer()
    results = outdir / "ClearRecord_Results.csv"
    try:
        # the §9.2 table is written first, by the writer, while the reader starts on the rows
        writer.submit(_write_table, results, prepared.results)
        paths = _write_rows(
            prepared.data_rows,
            prepared.sources,
            outdir,
            prepared.table,
            progress,
            chunk_rows,
            writer,
        )
    finally:
        writer.close()
    paths.append(_write_json(outdir / "gogen.json", prepared.gogen, end=""))
    paths.append(results)
    paths.append(_write_table(outdir / "ClearRecord_Row_Issues.csv", prepared.issues))
    paths.append(_write_json(outdir / "ClearRecord_Summary.json", prepared.summary))
    return paths


def write_bundle(
    result: RunResult,
    sources: Sequence[Source | Path | str] | None,
    outdir: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    chunk_rows: int = 200_000,
) -> list[Path]:
    """Write the whole §9 bundle into `outdir` (created if needed); returns the paths written.

    `sources` default to the run's own; when given they must be the same files in the same
    order (they are streamed again for the row files).
    """
    return write_prepared(
        prepare_bundle(result, sources), outdir, progress=progress, chunk_rows=chunk_rows
    )
