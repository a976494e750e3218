"""Validating scan of one DOJ research file (DOJ spec §5 R1-R18, §6).

The scan turns a file into blocks of accepted records (polars frames of raw, decoded field
values with the record's physical line number) and a list of row issues, or rejects the file.

How (R18, bounded memory and speed):

1. The file is read in large byte blocks cut at a line break. Each block becomes a one-column
   frame of physical lines (polars' CSV reader with a separator byte absent from the block and no
   quoting, which keeps empty lines so that positions are physical line numbers).
2. Vectorised checks classify every line: blank (skipped, R5), repeated header (R10), *simple*
   (balanced, strictly placed quotes, no control characters, valid UTF-8, at most 4,096 bytes)
   with 95 fields (or 96 with an empty last one, R6), simple with another field count
   (FIELD_COUNT), or *special*.
   One anchored pattern accepts the usual 95-field line; only the other lines go through
   the detailed checks (`_classify_block`).
3. Special lines go through a careful Python parser (`_parse_record`): strict quoting, quoted
   line breaks over at most 5 physical lines (R7, R8), NUL (R9), control characters (R9),
   per-line Latin-1 fallback (R1), limits (R7). A quarantined multi-line record resumes at the
   line after its first line (R8); an accepted one consumes its continuation lines.
4. Simple accepted lines are parsed by polars' CSV reader (only the requested columns).

Messages name files, lines, fields, codes and counts, never values (R16).

Choices where the spec is silent:

- "Whitespace-only" lines are lines whose characters are all whitespace once decoded.
- A record with a NUL is quarantined as NUL_BYTE even if its quotes are also broken.
- LATIN1_FALLBACK and TRAILING_EMPTY_FIELD are one file-level issue each (at the first line
  concerned, with the number of lines in its detail); their report count is the number of lines.
- A repeated header is quarantined (counted in `quarantined`) but excluded from the NOT_DOJ_FILE
  ratio, as R12 says.
- A header written with quotes (`"RECORD_ID","SUBJECT_STATUS",…`) is a header too (R3, R10):
  otherwise a quoted repeated header would be read as a subject called SUBJECT_ID.
- An over-long first line (> 1 MiB) is not a header; it is quarantined as LINE_TOO_LONG.
- NOT_DOJ_FILE for a file with fewer than 100 data records, all quarantined, is decided at its
  end; R13 counts the STP_EVENT_DATE values of accepted rows only.
- A record that spans several lines and is accepted consumes its continuation lines; a line
  inside it that starts with RECORD_ID is field content, not a repeated header.
- UTF-16 is recognised by its byte-order mark (FF FE or FE FF), as R2 says.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Final

import polars as pl

from eligibility.doj.columns import COLUMNS
from eligibility.model import RowIssue, Severity

NCOL: Final[int] = len(COLUMNS)
MAX_FIELD: Final[int] = 4096
MAX_LINE: Final[int] = 1 << 20
MAX_RECORD_LINES: Final[int] = 5
BLOCK_BYTES: Final[int] = 32 << 20
#: Blocks of `iter_records`, which keeps all 95 columns: a block's frames and their encoded
#: copies downstream take about 25 times its size, so 32 MiB blocks would cost ~800 MB (R18).
RECORDS_BLOCK_BYTES: Final[int] = 8 << 20
FIRST_RECORDS: Final[int] = 100
MAX_QUARANTINED_SHARE: Final[float] = 0.05
SUBJECT_ID: Final[int] = COLUMNS.index("SUBJECT_ID")
STP_EVENT_DATE: Final[int] = COLUMNS.index("STP_EVENT_DATE")
BOM: Final[bytes] = b"\xef\xbb\xbf"

# a quoted field (doubled quotes inside); unrolled and without groups, which is several times
# faster. Every match is replaced by \x01; the line is strict when no quote is left and every
# \x01 stands between field boundaries (start, comma, end).
_QUOTED = r'"[^"]*(?:""[^"]*)*"'
_CONTROL = r"[\x00-\x08\x0b-\x1f]"
_CONTROL_RE = re.compile(_CONTROL)
_SEPARATOR_CANDIDATES: Final[bytes] = b"\x1f\x1e\x1d\x1c\x01\x02\x03"


class FileRejected(Exception):
    """The whole upload is rejected because of one file (DOJ spec §5, §6). No row contents."""

    def __init__(self, code: str, file: int, file_name: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.file = file
        self.file_name = file_name
        self.message = message


@dataclass(frozen=True)
class Source:
    """One uploaded file: its display name and where it is on disk."""

    name: str
    path: Path


@dataclass
class FileScan:
    """Facts about one scanned file, filled while its blocks are read."""

    number: int
    name: str
    sha256: str = ""
    physical_lines: int = 0
    header: bool = False
    data_rows: int = 0
    quarantined: int = 0
    malformed: int = 0  # quarantined data records (repeated headers excluded), R12
    issues: list[RowIssue] = field(default_factory=list)
    quarantined_by_code: dict[str, int] = field(default_factory=dict)
    warnings_by_code: dict[str, int] = field(default_factory=dict)
    latin1_lines: int = 0
    latin1_first: int = 0
    trailing_lines: int = 0
    trailing_first: int = 0
    dates_nonblank: int = 0
    dates_invalid: int = 0
    first_outcomes: list[tuple[int, str]] = field(default_factory=list)  # (line, '' | reason)
    nonblank: bool = False

    def label(self) -> str:
        return f"File {self.number} ({self.name})"

    def quarantine(self, line: int, code: str, field_name: str, detail: str) -> None:
        self.issues.append(RowIssue(self.number, line, field_name, code, Severity.ERROR, detail))
        self.quarantined += 1
        self.quarantined_by_code[code] = self.quarantined_by_code.get(code, 0) + 1
        if code != "REPEATED_HEADER":
            self.malformed += 1

    def warn(self, line: int, code: str, field_name: str, detail: str, count: int = 1) -> None:
        self.issues.append(RowIssue(self.number, line, field_name, code, Severity.WARNING, detail))
        self.warnings_by_code[code] = self.warnings_by_code.get(code, 0) + count


_REASON_WORDS: Final[dict[str, str]] = {
    "FIELD_COUNT": "wrong number of fields",
    "BAD_QUOTE": "a quote is misplaced or never closed",
    "NUL_BYTE": "a NUL character",
    "FIELD_TOO_LONG": "a field is too long",
    "LINE_TOO_LONG": "the line is too long",
    "MISSING_SUBJECT_ID": "SUBJECT_ID is empty",
}


def reject(scan: FileScan, code: str, text: str) -> FileRejected:
    """A rejection of the file: `File n (name): text`."""
    return FileRejected(code, scan.number, scan.name, f"{scan.label()}: {text}")


# --- the careful parser for special lines -------------------------------------------------------


@dataclass
class _Parsed:
    fields: list[str] | None  # None when quarantined
    lines_used: int  # physical lines the record spans (1 when quarantined on a single line)
    code: str = ""  # quarantine reason
    field_name: str = ""
    detail: str = ""
    warnings: list[tuple[str, str, str]] = field(default_factory=list)  # code, field, detail
    latin1: list[int] = field(default_factory=list)  # offsets (0-based) of Latin-1 lines
    text: str = ""  # the record as decoded, for the duplicate-row hash
    trailing: bool = False
    need_more: bool = False


def _decode(raw: bytes) -> tuple[str, bool]:
    """UTF-8, else Latin-1 (R1); strips the CR of a CRLF line end."""
    if raw.endswith(b"\r"):
        raw = raw[:-1]
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("latin-1"), True


def _parse_record(raw_lines: Sequence[bytes], start: int, final: bool) -> _Parsed:
    """Parse the record starting at physical line `start` of `raw_lines` (R5-R9)."""
    first_raw = raw_lines[start]
    if len(first_raw) > MAX_LINE:
        return _Parsed(None, 1, "LINE_TOO_LONG", "", "the line is longer than 1 MiB")
    first, first_latin1 = _decode(first_raw)
    latin1 = [0] if first_latin1 else []
    fields: list[str] = []
    buf: list[str] = []
    text = first
    pos = 0
    used = 1
    n = len(text)
    bad_quote = ""
    while True:  # one field per iteration
        if pos < n and text[pos] == '"':
            pos += 1
            buf.clear()
            while True:
                q = text.find('"', pos)
                if q < 0:
                    buf.append(text[pos:])
                    # the quoted field goes on over a line break
                    if used >= MAX_RECORD_LINES:
                        bad_quote = "a quoted field is still open after 5 lines"
                        break
                    if start + used >= len(raw_lines):
                        if not final:
                            return _Parsed(None, used, need_more=True)
                        bad_quote = "a quoted field is never closed"
                        break
                    nxt_raw = raw_lines[start + used]
                    if len(nxt_raw) > MAX_LINE:
                        bad_quote = "a quoted field runs into an over-long line"
                        break
                    nxt, nxt_latin1 = _decode(nxt_raw)
                    if nxt_latin1:
                        latin1.append(used)
                    brk = "\r\n" if raw_lines[start + used - 1].endswith(b"\r") else "\n"
                    buf.append(brk)
                    text = text + brk + nxt
                    pos = len(text) - len(nxt)
                    n = len(text)
                    used += 1
                    continue
                if q + 1 < n and text[q + 1] == '"':
                    buf.append(text[pos : q + 1])
                    pos = q + 2
                    continue
                buf.append(text[pos:q])
                pos = q + 1
                break
            if bad_quote:
                break
            fields.append("".join(buf))
            if pos < n and text[pos] != ",":
                bad_quote = "text follows a closing quote"
                break
        else:
            comma = text.find(",", pos)
            end = n if comma < 0 else comma
            value = text[pos:end]
            if '"' in value:
                bad_quote = "a quote inside an unquoted field"
                break
            fields.append(value)
            pos = end
        if pos >= n:
            break
        pos += 1  # the comma
        if pos >= n:
            fields.append("")
            break
    if bad_quote:
        if "\x00" in first:
            return _Parsed(None, 1, "NUL_BYTE", "", "a NUL character", latin1=latin1[:1])
        return _Parsed(None, 1, "BAD_QUOTE", "", bad_quote, latin1=latin1[:1])
    if "\x00" in text:
        for i, v in enumerate(fields):
            if "\x00" in v:
                name = COLUMNS[i] if i < NCOL else ""
                return _Parsed(None, used, "NUL_BYTE", name, "a NUL character", latin1=latin1)
    trailing = False
    if len(fields) == NCOL + 1 and fields[-1] == "":
        fields.pop()
        trailing = True
    if len(fields) != NCOL:
        detail = f"wrong number of fields ({len(fields)}, expected {NCOL})"
        return _Parsed(None, used, "FIELD_COUNT", "", detail, latin1=latin1)
    for i, v in enumerate(fields):
        if len(v) > MAX_FIELD:
            detail = f"field {COLUMNS[i]} is longer than {MAX_FIELD} characters"
            return _Parsed(None, used, "FIELD_TOO_LONG", COLUMNS[i], detail, latin1=latin1)
    warnings = []
    for i, v in enumerate(fields):
        stripped = v.replace("\r\n", "").replace("\n", "") if used > 1 else v
        if _CONTROL_RE.search(stripped):
            warnings.append(
                ("CONTROL_CHARACTER", COLUMNS[i], f"field {COLUMNS[i]} holds a control character")
            )
    if trailing:
        text = text[:-1]
    return _Parsed(fields, used, warnings=warnings, latin1=latin1, text=text, trailing=trailing)


# --- blocks -------------------------------------------------------------------------------------


def _line_frame(blk: bytes, lossy: bool) -> pl.Series | None:
    """The block's physical lines as strings (None when no separator byte is free)."""
    sep = next((chr(b) for b in _SEPARATOR_CANDIDATES if bytes([b]) not in blk), None)
    if sep is None:
        return None
    frame = pl.read_csv(
        blk,
        has_header=False,
        separator=sep,
        quote_char=None,
        new_columns=["l"],
        schema={"l": pl.String},
        encoding="utf8-lossy" if lossy else "utf8",
    )
    return frame.get_column("l")


def _count_lines(blk: bytes) -> int:
    if not blk:
        return 0
    return blk.count(b"\n") + (0 if blk.endswith(b"\n") else 1)


def _line_count(blk: bytes, lines: pl.Series | None, lossy: bool) -> int:
    """The block's physical line count, from polars' lines when they account for every byte.

    Counting line breaks in Python holds the GIL over the whole block; polars' lines are the
    block's lines exactly when, without CR or invalid UTF-8 (which change bytes), their lengths
    plus one break each add up to the block. Otherwise (a dropped or split line): count.
    """
    if lines is not None and not lossy and b"\r" not in blk:
        breaks = lines.len() - (0 if blk.endswith(b"\n") else 1)
        if int(lines.str.len_bytes().fill_null(0).sum()) + breaks == len(blk):
            return lines.len()
    return _count_lines(blk)


def _split_lines(blk: bytes) -> list[bytes]:
    lines = blk.split(b"\n")
    if blk.endswith(b"\n"):
        lines.pop()
    return lines


def _joined(lines: pl.Series) -> bytes:
    """`lines` as one block for `_read_fields`, each ending with a line break."""
    text: str = lines.str.join("\n").item()
    return (text + "\n").encode("utf-8")


def _read_fields(data: bytes, columns: Sequence[int]) -> pl.DataFrame:
    """Parse simple, validated lines with polars (quotes only as whole fields, 95/96 fields)."""
    frame = pl.read_csv(
        data,
        has_header=False,
        schema={f"c{i}": pl.String for i in range(NCOL)},
        columns=list(columns),
        truncate_ragged_lines=True,
        extra_columns="ignore",
        quote_char='"',
    )
    return frame.with_columns(pl.all().fill_null(""))


@dataclass
class _BlockResult:
    frame: pl.DataFrame  # line, [hash], c<i>...
    lines_done: int
    n_lines: int  # physical lines in the block


def _classify(lines: pl.Series, lossy: bool, control: bool) -> pl.DataFrame:
    line = pl.col("l")
    has_q = line.str.contains('"', literal=True)
    frame = lines.to_frame().with_columns(
        r=pl.when(has_q).then(line.str.replace_all(_QUOTED, "\x01")).otherwise(line)
    )
    r = pl.col("r")
    # a quoted field must start the line or follow a comma, and end the line or precede one
    opened_right = r.str.count_matches("\x01", literal=True) == r.str.count_matches(
        ",\x01", literal=True
    ) + r.str.starts_with("\x01").cast(pl.UInt32)
    special = has_q & (
        r.str.contains('"', literal=True) | r.str.contains("\x01[^,]") | ~opened_right
    )
    if control:
        special = special | line.str.contains(_CONTROL)
    if lossy:
        special = special | line.str.contains("\ufffd", literal=True)
    frame = frame.with_columns(
        blank=line.is_null() | (line.str.strip_chars() == ""),
        header=line.str.strip_chars_start().str.strip_prefix('"').str.starts_with("RECORD_ID"),
        lb=line.str.len_bytes(),
        special=special,
        nf=pl.col("r").str.count_matches(",", literal=True) + 1,
        last_empty=pl.col("r").str.ends_with(","),
    )
    return frame.drop("r").with_columns(
        special=pl.col("special")
        | (pl.col("lb") > MAX_FIELD)
        | ((pl.col("nf") == NCOL + 1) & ~pl.col("last_empty"))
    )


def _fast_pattern(lossy: bool, trailing: bool = False) -> str:
    """A whole line of exactly 95 strictly quoted fields without control characters.

    Such a line is what `_classify` calls simple with 95 fields: each quoted field is the same
    quoted-field pattern, standing between field boundaries, and no other quote is left.
    `lossy` keeps U+FFFD lines out (they may hide invalid bytes). The CR of a CRLF line end is
    not part of a line (the line splitting drops it). With `trailing`, the 95 fields are
    followed by one extra empty field (a line ending with a comma, R6).
    """
    banned = "\\x00-\\x08\\x0b-\\x1f" + ("\\x{FFFD}" if lossy else "")
    quoted = f'"[^"{banned}]*(?:""[^"{banned}]*)*"'
    field_ = f'(?:{quoted}|[^",{banned}]*)'
    return f"^{field_}(?:,{field_}){{{NCOL - 1}}}{',' if trailing else ''}$"


_CLASSES: Final[tuple[str, ...]] = ("blank", "header", "special", "nf", "last_empty")


def _usual(pattern: str, lossy: bool = False) -> pl.Expr:
    """A line matching `pattern` that may be taken as a usual line without the other checks.

    At most `MAX_FIELD` bytes, no RECORD_ID anywhere (it may be a repeated header) and, in a
    lossy block, no U+FFFD (it may hide invalid bytes).
    """
    line = pl.col("l")
    usual = (
        line.str.contains(pattern)
        & (line.str.len_bytes() <= MAX_FIELD)
        & ~line.str.contains("RECORD_ID", literal=True)
    )
    if lossy:
        usual = usual & ~line.str.contains("\ufffd", literal=True)
    return usual.fill_null(False)


def _as_usual(lines: pl.Series, **extra: pl.Series) -> pl.DataFrame:
    """`_classify` of `lines` as if every one were a usual line of 95 fields (plus `extra`)."""
    line = pl.col("l")
    return lines.to_frame().with_columns(
        blank=pl.lit(False),
        header=pl.lit(False),
        lb=line.str.len_bytes(),
        special=pl.lit(False),
        nf=pl.lit(NCOL, dtype=pl.UInt32),
        last_empty=line.str.ends_with(",").fill_null(False),
        **extra,
    )


def _with_rest(out: pl.DataFrame, others: pl.Series, rest: pl.DataFrame) -> pl.DataFrame:
    """`out` with the classification `rest` of the lines at positions `others`."""
    return out.with_columns(
        out.get_column(name).scatter(others, rest.get_column(name)) for name in _CLASSES
    )


def _classify_block(lines: pl.Series, lossy: bool) -> pl.DataFrame:
    """`_classify` of every line, checking the usual line with one vectorised pattern.

    Most lines of a DOJ file are plain 95-field records: one regular expression accepts them
    (about a quarter of `_classify`'s cost); only the other lines (blank, headers, other field
    counts, quotes to check, control characters, long lines) go through `_classify`. A line
    holding RECORD_ID anywhere is left to `_classify` (it may be a repeated header). Control
    characters are looked for in those other lines only: a usual line has none.

    A file written with an extra empty field at the end of every line (R6) would miss that
    pattern on every line: the lines it misses are tried with the 96-field form of it first.
    """
    usual = lines.to_frame().select(_usual(_fast_pattern(lossy))).to_series()
    out = _as_usual(lines)
    if usual.all():
        return out
    others = usual.not_().arg_true()
    missed = lines.gather(others)
    trailing = missed.to_frame().select(_usual(_fast_pattern(lossy, trailing=True))).to_series()
    if trailing.any():
        out = out.with_columns(
            out.get_column("nf").scatter(others.filter(trailing), NCOL + 1),
        )
        others, missed = others.filter(~trailing), missed.filter(~trailing)
        if others.len() == 0:
            return out
    return _with_rest(out, others, _classify(missed, lossy, control=True))


def _classify_block_text(lines: pl.Series, lossy: bool, pattern: str) -> pl.DataFrame:
    """`_classify_block` plus `matched`: the line matched `pattern` (see `scan_file`).

    A line matching `pattern` (which only matches lines of 95 strictly quoted fields without
    control characters, as `_fast_pattern` does) is classified as a usual line directly when
    `_classify_block` would check it with its own pattern (at most `MAX_FIELD` bytes, no
    RECORD_ID, no U+FFFD in a lossy block); every other line goes through `_classify_block`.
    """
    matched = lines.to_frame().select(_usual(pattern, lossy)).to_series()
    out = _as_usual(lines, matched=matched)
    if matched.all():
        return out
    others = matched.not_().arg_true()
    return _with_rest(out, others, _classify_block(lines.gather(others), lossy))


def _process_block(
    blk: bytes,
    first_line: int,
    final: bool,
    scan: FileScan,
    columns: Sequence[int],
    with_hash: bool,
    text_pattern: str | None = None,
) -> _BlockResult:
    """Scan one block of lines whose first physical line is `first_line`.

    With `text_pattern`, the frame also has `text`, `matched` and `fields` (see `scan_file`).
    """
    # polars validates UTF-8 while it splits the lines (a Python decode of the block would cost
    # as much again); invalid bytes make the block lossy: its U+FFFD lines are parsed carefully
    lossy = False
    try:
        lines = _line_frame(blk, lossy)
    except pl.exceptions.ComputeError:
        lossy = True
        lines = _line_frame(blk, lossy)
    n_lines = _line_count(blk, lines, lossy)
    if lines is None or lines.len() != n_lines:
        # no free separator byte: decode line by line (rare, slow but correct)
        lines = pl.Series(
            "l", [_decode(r)[0] + ("\ufffd" if _decode(r)[1] else "") for r in _split_lines(blk)]
        )
        lossy = True
    if text_pattern is None:
        cls = _classify_block(lines, lossy)
    else:
        cls = _classify_block_text(lines, lossy, text_pattern)
    # the flags travel without the line text, which is only needed for the good lines
    flag_exprs: list[pl.Expr] = [
        pl.exclude("l"),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("i"),
    ]
    if with_hash:
        text = (
            pl.when(pl.col("nf") == NCOL + 1)
            .then(pl.col("l").str.strip_suffix(","))
            .otherwise(pl.col("l"))
        )
        flag_exprs.append(text.hash(seed=0).alias("hash"))
    cls = cls.select(flag_exprs)

    header_rows = cls.filter(~pl.col("blank") & pl.col("header"))
    special_idx = cls.filter(~pl.col("blank") & ~pl.col("header") & pl.col("special")).get_column(
        "i"
    )

    consumed: set[int] = set()
    slow_lines: list[int] = []
    slow_fields: list[list[str]] = []
    slow_text: list[str] = []
    lines_done = n_lines
    if special_idx.len():
        raw = _split_lines(blk)
        for i in special_idx.to_list():
            if i in consumed:
                continue
            parsed = _parse_record(raw, i, final)
            if parsed.need_more:
                lines_done = i
                break
            line_no = first_line + i
            for off in parsed.latin1:
                scan.latin1_lines += 1
                if not scan.latin1_first:
                    scan.latin1_first = line_no + off
            if parsed.fields is None:
                scan.quarantine(line_no, parsed.code, parsed.field_name, parsed.detail)
                continue
            consumed.update(range(i + 1, i + parsed.lines_used))
            for code, fname, detail in parsed.warnings:
                scan.warn(line_no, code, fname, detail)
            if parsed.trailing:
                _trailing(scan, line_no)
            slow_lines.append(line_no)
            slow_fields.append(parsed.fields)
            slow_text.append(parsed.text)

    simple_expr = (
        (pl.col("i") < lines_done) & ~pl.col("blank") & ~pl.col("header") & ~pl.col("special")
    )
    if consumed:
        simple_expr = simple_expr & ~pl.col("i").is_in(sorted(consumed))
    for i in header_rows.filter(pl.col("i") < lines_done).get_column("i").to_list():
        if i in consumed:
            continue
        scan.quarantine(first_line + i, "REPEATED_HEADER", "", "a repeated header line")
    ok = (pl.col("nf") == NCOL) | (pl.col("nf") == NCOL + 1)
    for i, nf in cls.filter(simple_expr & ~ok).select("i", "nf").iter_rows():
        detail = f"wrong number of fields ({nf}, expected {NCOL})"
        scan.quarantine(first_line + i, "FIELD_COUNT", "", detail)
    good_mask = cls.select(simple_expr & ok).to_series()
    good = cls.filter(good_mask)
    trailing = good.filter(pl.col("nf") == NCOL + 1)
    if trailing.height:
        scan.trailing_lines += trailing.height
        if not scan.trailing_first or scan.trailing_first > first_line + trailing.item(0, "i"):
            scan.trailing_first = first_line + int(trailing.item(0, "i"))

    names = [f"c{i}" for i in columns]
    good_lines = lines.filter(good_mask) if text_pattern is not None else None
    if good.height == n_lines and not lossy:
        data = blk
    else:
        data = _joined(good_lines if good_lines is not None else lines.filter(good_mask))
    if good.height:
        fast = _read_fields(data, columns)
        if fast.height != good.height:  # pragma: no cover - validated lines always align
            raise RuntimeError("internal error: simple lines did not align with parsed records")
    else:
        fast = pl.DataFrame({n: pl.Series([], dtype=pl.String) for n in names})
    extra: list[pl.Series] = [(good.get_column("i") + first_line).alias("line")]
    if with_hash:
        extra.append(good.get_column("hash"))
    if good_lines is not None:
        extra += [
            good_lines.alias("text"),
            good.get_column("matched"),
            pl.Series("fields", [None] * good.height, dtype=pl.List(pl.String)),
        ]
    fast = fast.with_columns(extra)
    if slow_fields:
        slow = pl.DataFrame(
            {n: [f[c] for f in slow_fields] for n, c in zip(names, columns, strict=True)},
            schema={n: pl.String for n in names},
        ).with_columns(pl.Series("line", [int(x) for x in slow_lines], dtype=pl.Int64))
        if with_hash:
            slow = slow.with_columns(pl.Series("hash", slow_text).hash(seed=0).alias("hash"))
        if text_pattern is not None:
            slow = slow.with_columns(
                pl.lit(None, dtype=pl.String).alias("text"),
                pl.lit(False).alias("matched"),
                pl.Series("fields", slow_fields, dtype=pl.List(pl.String)),
            )
        fast = pl.concat([fast, slow.select(fast.columns)]).sort("line")
    return _BlockResult(fast, lines_done, n_lines)


def _trailing(scan: FileScan, line: int) -> None:
    scan.trailing_lines += 1
    if not scan.trailing_first or line < scan.trailing_first:
        scan.trailing_first = line


# --- the file -----------------------------------------------------------------------------------


_HEADER_KEYS: Final[frozenset[str]] = frozenset(c.upper() for c in COLUMNS)


def _check_header(first: bytes, scan: FileScan) -> bool:
    """True when the first line is a (valid) header; raises on a wrong one (R3, R4)."""
    text, _ = _decode(first)
    parsed = _parse_record([first], 0, True)
    if text.strip().removeprefix('"').startswith("RECORD_ID"):
        names = (
            [f.strip().upper() for f in parsed.fields]
            if parsed.fields is not None
            else [f.strip().upper() for f in text.split(",")]
        )
        if parsed.trailing:
            _trailing(scan, 1)
        elif len(names) == NCOL + 1 and names[-1] == "":
            names.pop()
            _trailing(scan, 1)
        for pos, expected in enumerate(COLUMNS):
            if pos >= len(names) or names[pos] != expected:
                raise reject(
                    scan,
                    "HEADER_MISMATCH",
                    f"the header does not match the DOJ research file at column {pos + 1} "
                    f"(expected {expected}).",
                )
        if len(names) != NCOL:
            raise reject(
                scan,
                "HEADER_MISMATCH",
                f"the header has {len(names)} columns, expected {NCOL}.",
            )
        return True
    fields = text.split(",")
    if sum(1 for f in fields if f.strip().strip('"').strip().upper() in _HEADER_KEYS) >= 3:
        raise reject(
            scan,
            "HEADER_MISMATCH",
            "a header row was found but it does not start with RECORD_ID.",
        )
    return False


def _after_block(scan: FileScan, frame: pl.DataFrame, first_issue: int) -> pl.DataFrame:
    """Quarantine rows without SUBJECT_ID, collect R12/R13 counters; returns accepted rows."""
    sid = f"c{SUBJECT_ID}"
    missing = frame.get_column(sid).str.strip_chars() == ""
    if missing.any():
        for line in frame.filter(missing).get_column("line").to_list():
            scan.quarantine(line, "MISSING_SUBJECT_ID", "SUBJECT_ID", "SUBJECT_ID is empty")
        frame = frame.filter(~missing)
    date_col = f"c{STP_EVENT_DATE}"
    if date_col in frame.columns:
        d = frame.get_column(date_col).str.strip_chars()
        nonblank = d != ""
        valid = date_is_valid(d)
        scan.dates_nonblank += int(nonblank.sum())
        scan.dates_invalid += int((nonblank & ~valid).sum())
    scan.data_rows += frame.height
    if len(scan.first_outcomes) < FIRST_RECORDS:
        outcomes = [(ln, "") for ln in frame.get_column("line").head(FIRST_RECORDS).to_list()]
        outcomes += [
            (i.line, i.code)
            for i in scan.issues[first_issue:]
            if i.severity is Severity.ERROR and i.code != "REPEATED_HEADER"
        ]
        scan.first_outcomes = sorted(scan.first_outcomes + outcomes)[:FIRST_RECORDS]
        _check_first_records(scan, final=False)
    return frame


def date_is_valid(d: pl.Series) -> pl.Series:
    """Vectorised DOJ §4.12 validity of trimmed `YYYYMMDD` strings."""
    parsed = d.str.strptime(pl.Date, "%Y%m%d", strict=False)
    return (
        d.str.contains(r"^[0-9]{8}$") & parsed.is_not_null() & (parsed.dt.year() >= 1900)
    ).fill_null(False)


def _first_problem(scan: FileScan) -> str:
    for issue in scan.issues:
        if issue.severity is Severity.ERROR and issue.code != "REPEATED_HEADER":
            return f"line {issue.line}, {_REASON_WORDS.get(issue.code, issue.code)}"
    return "none"


def _check_first_records(scan: FileScan, *, final: bool) -> None:
    outcomes = scan.first_outcomes
    if not outcomes or (len(outcomes) < FIRST_RECORDS and not final):
        return
    if all(code for _, code in outcomes):
        count = "first 100" if len(outcomes) >= FIRST_RECORDS else f"{len(outcomes)}"
        raise FileRejected(
            "NOT_DOJ_FILE",
            scan.number,
            scan.name,
            f"{scan.label()} is not a DOJ research file: the {count} data lines could not be "
            f"read (first problem: {_first_problem(scan)}).",
        )


def scan_file(
    source: Source,
    number: int,
    columns: Sequence[int],
    *,
    with_hash: bool,
    scan: FileScan,
    progress: Callable[[int], None] | None = None,
    block_bytes: int | None = None,
    text_pattern: str | None = None,
    with_sha256: bool = True,
) -> Iterator[pl.DataFrame]:
    """Yield frames of accepted records (`line`, [`hash`], `c<i>` raw values) of one file.

    Fills `scan` as it goes; raises FileRejected. After the last frame the file-level checks
    (R12 at the end, R13, R14) have run.

    With `text_pattern` (a regular expression that only matches lines of 95 strictly quoted
    fields without control characters, i.e. a subset of what `_fast_pattern(False)` accepts),
    the lines it matches are taken as usual lines without `_fast_pattern` (same decisions), and
    the frames also have `text` (String: the physical line of a record read from one simple
    line, without its line end; null for a record of the careful parser), `matched` (Boolean:
    the line matched `text_pattern`) and `fields` (List(String): all 95 raw values of a record
    of the careful parser; null otherwise). `with_sha256=False` leaves `scan.sha256` empty.
    """
    if block_bytes is None:
        block_bytes = BLOCK_BYTES
    digest: Any = hashlib.sha256() if with_sha256 else _NoDigest()
    # hashlib releases the GIL: the file's SHA-256 is computed beside the parsing, in order
    hasher = ThreadPoolExecutor(max_workers=1)
    try:
        yield from _scan_blocks(
            source, scan, columns, with_hash, progress, block_bytes, digest, hasher, text_pattern
        )
    finally:
        hasher.shutdown(wait=True)
    scan.sha256 = digest.hexdigest()
    _finish(scan, scan.nonblank)


class _NoDigest:
    """A digest that hashes nothing (`scan_file(with_sha256=False)`)."""

    def update(self, data: bytes) -> None:
        pass

    def hexdigest(self) -> str:
        return ""


def _to_line_end(f: BinaryIO, block_bytes: int) -> int:
    """How many bytes to read so that the block ends at a line break (when one comes soon).

    Peeks at the line that the block would cut and reads it whole, so a block needs no copy to
    join a carried partial line (each 32 MiB copy costs ~12 ms). Returns `block_bytes` when the
    file ends or the cut line is over-long: the carry logic of the caller handles those.
    """
    start = f.tell()
    f.seek(start + block_bytes)
    tail = f.readline(MAX_LINE + 1)
    f.seek(start)
    return block_bytes + len(tail) if tail.endswith(b"\n") else block_bytes


def _scan_blocks(
    source: Source,
    scan: FileScan,
    columns: Sequence[int],
    with_hash: bool,
    progress: Callable[[int], None] | None,
    block_bytes: int,
    digest: Any,
    hasher: ThreadPoolExecutor,
    text_pattern: str | None = None,
) -> Iterator[pl.DataFrame]:
    first_line = 1
    carry = b""
    started = False
    nonblank = False
    with source.path.open("rb") as f:
        while True:
            chunk = f.read(_to_line_end(f, block_bytes))
            hasher.submit(digest.update, chunk)
            if progress is not None and chunk:
                progress(len(chunk))
            final = not chunk
            data = carry + chunk if carry else chunk
            carry = b""
            if not started:
                if len(data) < 4 and not final:
                    carry = data
                    continue
                started = True
                if data.startswith((b"\xff\xfe", b"\xfe\xff")):
                    raise reject(
                        scan,
                        "UNSUPPORTED_ENCODING",
                        "the file is UTF-16 encoded; save it as UTF-8 or plain text.",
                    )
                if data.startswith(BOM):
                    data = data[len(BOM) :]
                nl = data.find(b"\n")
                if nl < 0 and not final and len(data) <= MAX_LINE:
                    carry = data
                    started = False
                    continue
                first = data if nl < 0 else data[:nl]
                # an over-long first line is no header: it is quarantined like any other (R7)
                if len(first) <= MAX_LINE and first.strip():
                    scan.header = _check_header(first, scan)
                if scan.header:
                    data = b"" if nl < 0 else data[nl + 1 :]
                    first_line = 2
                    scan.physical_lines = 1
            if not final:
                cut = data.rfind(b"\n")
                if cut < 0:
                    if len(data) > MAX_LINE:
                        # R7: skip the rest of an over-long line without holding it
                        scan.quarantine(
                            first_line, "LINE_TOO_LONG", "", "the line is longer than 1 MiB"
                        )
                        rest = b""
                        while True:
                            more = f.read(block_bytes)
                            hasher.submit(digest.update, more)
                            if progress is not None and more:
                                progress(len(more))
                            if not more:
                                break
                            nl = more.find(b"\n")
                            if nl >= 0:
                                rest = more[nl + 1 :]
                                break
                        scan.physical_lines += 1
                        first_line += 1
                        carry = rest
                        if not rest:
                            # the over-long line was the last one, or the rest is still unread
                            continue
                        continue
                    carry = data
                    continue
                blk, carry = data[: cut + 1], data[cut + 1 :]
            else:
                blk = data
            if not blk:
                if final:
                    break
                continue
            if not nonblank and blk.strip():
                nonblank = True
            first_issue = len(scan.issues)
            result = _process_block(blk, first_line, final, scan, columns, with_hash, text_pattern)
            if result.lines_done < result.n_lines:
                offset = 0
                for _ in range(result.lines_done):
                    offset = blk.index(b"\n", offset) + 1
                carry = blk[offset:] + carry
            scan.physical_lines += result.lines_done
            first_line += result.lines_done
            frame = _after_block(scan, result.frame, first_issue)
            if frame.height:
                yield frame
            if final:
                break
    scan.nonblank = nonblank


def _finish(scan: FileScan, nonblank: bool) -> None:
    """File-level checks at the end of a file (R1, R6, R12-R14)."""
    if scan.latin1_lines:
        scan.warn(
            scan.latin1_first,
            "LATIN1_FALLBACK",
            "",
            f"{scan.latin1_lines} lines were not valid UTF-8 and were read as Latin-1",
            scan.latin1_lines,
        )
    if scan.trailing_lines:
        scan.warn(
            scan.trailing_first,
            "TRAILING_EMPTY_FIELD",
            "",
            f"{scan.trailing_lines} lines end with an extra empty field",
            scan.trailing_lines,
        )
    records = scan.data_rows + scan.malformed
    if records == 0:
        if scan.header:
            raise reject(scan, "NO_DATA_ROWS", "the file has a header but no data rows.")
        if not nonblank or scan.quarantined == 0:
            raise reject(scan, "EMPTY_FILE", "the file is empty.")
        raise reject(scan, "NO_DATA_ROWS", "the file has no data rows.")
    _check_first_records(scan, final=True)
    if scan.malformed > MAX_QUARANTINED_SHARE * records:
        raise FileRejected(
            "NOT_DOJ_FILE",
            scan.number,
            scan.name,
            f"{scan.label()} is not a DOJ research file: {scan.malformed} of {records} data "
            f"lines could not be read (first problem: {_first_problem(scan)}).",
        )
    if scan.dates_nonblank >= 20 and scan.dates_invalid * 2 > scan.dates_nonblank:
        raise reject(
            scan,
            "DATES_UNREADABLE",
            "dates are not in YYYYMMDD form — was the file opened and saved in a spreadsheet "
            "program?",
        )
    scan.issues.sort(key=lambda i: (i.line, i.code, i.field))
