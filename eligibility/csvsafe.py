"""CSV dialect and spreadsheet safety of every exported file (shared/spec/prop64-rules.md §10).

Dialect: UTF-8 without BOM, separator ``,``, line end LF. A field is quoted only when it contains
``,``, ``"``, CR or LF, when its first character is a Unicode whitespace character, or when it
is exactly ``\\.``; ``"`` inside is doubled; an empty field is never quoted. (This is Go's
``encoding/csv`` rule, which wrote the prior tool's files.)

Spreadsheet safety: a cell is *dangerous* when its first character is TAB or CR, or its first
non-whitespace character is ``=``, ``+``, ``-`` or ``@``, unless the trimmed cell is exactly ``-``
or a plain number (``-?[0-9]+(\\.[0-9]+)?``). A dangerous cell gets ``'`` prepended, then is
quoted as needed.

Choices where the spec is silent:

1. "Whitespace" is the Unicode ``White_Space`` property (Go's ``unicode.IsSpace``), spelled out
   as `WHITESPACE` so that the per-cell function and the polars expression agree exactly.
2. "First non-space character" skips every whitespace character, not only U+0020: a formula
   behind a no-break space is still a formula to a spreadsheet.
3. The number and placeholder exemptions are tested on the value trimmed of that whitespace.

`cell()` encodes one value; `safe_field_expr()` is the same rule as a polars expression for
million-row outputs; `line_expr()` builds whole CSV lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Final

import polars as pl

#: Unicode White_Space characters (Go's unicode.IsSpace).
WHITESPACE: Final[str] = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _escaped(chars: str) -> str:
    """`chars` each written ``\\uXXXX``, for a regex character class (Python re and polars)."""
    return "".join(f"\\u{ord(c):04x}" for c in chars)


_WS_CLASS: Final[str] = f"[{_escaped(WHITESPACE)}]"
_NUMBER: Final[str] = r"-?[0-9]+(\.[0-9]+)?"

_DANGEROUS_START: Final[re.Pattern[str]] = re.compile(f"^(?:[\\t\\r]|{_WS_CLASS}*[=+\\-@])")
_EXEMPT: Final[re.Pattern[str]] = re.compile(f"^{_WS_CLASS}*(?:-|{_NUMBER}){_WS_CLASS}*$")
_NEEDS_QUOTES_CHARS: Final[frozenset[str]] = frozenset(',"\r\n')


def is_dangerous(value: str) -> bool:
    """True when a spreadsheet could read `value` as a formula (§10)."""
    return bool(_DANGEROUS_START.match(value)) and not _EXEMPT.match(value)


def neutralise(value: str) -> str:
    """`value` with ``'`` prepended when it is dangerous (§10)."""
    return "'" + value if is_dangerous(value) else value


def quote(value: str) -> str:
    """The CSV field for `value`, quoted only when the dialect needs it (§10)."""
    if not value:
        return value
    if value[0] in WHITESPACE or value == "\\." or not _NEEDS_QUOTES_CHARS.isdisjoint(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def cell(value: str) -> str:
    """One exported CSV field: neutralised, then quoted as needed."""
    return quote(neutralise(value))


def line(values: Iterable[str]) -> str:
    """One exported CSV record, LF-terminated."""
    return ",".join(cell(v) for v in values) + "\n"


def safe_field_expr(expr: pl.Expr) -> pl.Expr:
    """Polars version of `cell()` for a String expression (nulls become empty fields)."""
    s = expr.fill_null("")
    dangerous = s.str.contains(_DANGEROUS_START.pattern) & ~s.str.contains(_EXEMPT.pattern)
    return quote_expr(pl.when(dangerous).then(pl.lit("'") + s).otherwise(s))


def _needs_quotes(v: pl.Expr) -> pl.Expr:
    """The values that `quote()` quotes."""
    return v.str.contains(f'^{_WS_CLASS}|[,"\\r\\n]') | (v == "\\.")


def quote_expr(expr: pl.Expr) -> pl.Expr:
    """Polars version of `quote()` for a String expression (nulls become empty fields)."""
    v = expr.fill_null("")
    return (
        pl.when(_needs_quotes(v))
        .then(pl.lit('"') + v.str.replace_all('"', '""', literal=True) + pl.lit('"'))
        .otherwise(v)
    )


def quoted_columns(df: pl.DataFrame, columns: Sequence[str]) -> list[pl.Expr]:
    """Expressions applying `quote()` to `columns` of `df`: only to those that need it.

    For values known not to be formula-like (`cell(v) == quote(v)`), such as the fields of a
    line matching `canonical_record_pattern`: cheaper than `encoded_columns`.
    """
    flags = df.select([_needs_quotes(pl.col(c)).any().alias(c) for c in columns]).row(0)
    return [
        quote_expr(pl.col(c)).alias(c) if flag else pl.col(c).fill_null("").alias(c)
        for c, flag in zip(columns, flags, strict=True)
    ]


def line_expr(columns: Sequence[str | pl.Expr], name: str = "line") -> pl.Expr:
    """One String expression holding each row's CSV record (without the line end)."""
    exprs = [pl.col(c) if isinstance(c, str) else c for c in columns]
    return pl.concat_str([safe_field_expr(e) for e in exprs], separator=",").alias(name)


def header_line(names: Iterable[str]) -> str:
    """The header record of an exported file."""
    return line(names)


#: Cells that `cell()` might change: leading whitespace or =+-@, a character needing quotes, `\.`.
_MAY_CHANGE: Final[str] = f'^(?:{_WS_CLASS}|[=+\\-@])|[,"\\r\\n]|^\\\\\\.$'


def encoded_columns(df: pl.DataFrame, columns: Sequence[str]) -> list[pl.Expr]:
    """Expressions encoding `columns` of `df` like `cell()`, cheaply.

    1. One pass finds the columns in which some cell could change; the others are written as
       they are (most DOJ columns never need quotes).
    2. A column that must change but has few distinct values (padded codes, repeated comments)
       is encoded value by value with `cell()` and mapped back, which is much cheaper than
       the full expression; other columns get `safe_field_expr`.
    """
    flags = df.select(
        [pl.col(c).fill_null("").str.contains(_MAY_CHANGE).any().alias(c) for c in columns]
    ).row(0)
    flagged = [c for c, flag in zip(columns, flags, strict=True) if flag]
    distinct: dict[str, int] = {}
    if flagged:
        distinct = dict(
            zip(
                flagged,
                df.select([pl.col(c).fill_null("").n_unique() for c in flagged]).row(0),
                strict=True,
            )
        )
    few = max(1000, df.height // 20)
    out: list[pl.Expr] = []
    for c in columns:
        if c not in distinct:
            out.append(pl.col(c).fill_null("").alias(c))
        elif distinct[c] <= few:
            keys = df.get_column(c).fill_null("").unique().to_list()
            values = [cell(k) for k in keys]
            out.append(
                pl.col(c)
                .fill_null("")
                .replace_strict(keys, values, return_dtype=pl.String)
                .alias(c)
            )
        else:
            out.append(safe_field_expr(pl.col(c)).alias(c))
    return out


#: Control characters that a canonical record never holds (TAB is allowed after a field start).
_CONTROLS: Final[str] = "".join(chr(i) for i in range(0x20) if i != 0x09)
_ALLOWED_WS: Final[str] = "".join(c for c in WHITESPACE if c not in _CONTROLS)  # incl. TAB


def canonical_record_pattern(fields: int) -> str:
    """A regular expression matching a record of `fields` fields written as `line()` writes them.

    A matching line (without its line end) is its own encoding: parsing it as CSV and writing
    its values with `cell()` gives the same text back, so it can be copied to an export as it
    is. Every field is either unquoted, not empty-or-safe as written (no leading whitespace, no
    ``=+-@``, not ``\\.``), or quoted because it must be (it starts with whitespace, holds ``,``
    or ``"``) and is not formula-like. Lines with a control character other than TAB (inside a
    field) never match, nor do these lines that would be their own encoding too (they take the
    per-field way, with the same result): a field ``-`` or a signed number, a quoted ``\\.``.
    A match is always a line of strictly quoted fields without control characters.
    """
    if fields < 1:
        raise ValueError("a record has at least one field")
    ctrl = _escaped(_CONTROLS)
    quote, comma, backslash, dot = "\\u0022", "\\u002c", "\\u005c", "\\u002e"
    danger = _escaped("=+-@")
    ws = _escaped(_ALLOWED_WS)
    lead_ws = "[" + _escaped(_ALLOWED_WS.replace("\t", "")) + "]"  # TAB first: formula-like (§10)
    any_ws = f"[{ws}]"
    unit = f"(?:[^{quote}{ctrl}]|{quote}{quote})"  # one character of a quoted field
    plain = f"[^{quote}{comma}{ctrl}]"  # a character of an unquoted field
    # a first character that is neither whitespace, formula-like, a quote nor a control
    first = f"[^{quote}{danger}{ws}{ctrl}]"
    quoted_ws = f"{quote}{lead_ws}{any_ws}*(?:(?:{first}|{quote}{quote}){unit}*)?{quote}"
    quoted_sep = f"{quote}(?:{comma}|{quote}{quote}){unit}*{quote}"
    quoted_text = f"{quote}{first}{plain}*(?:{comma}|{quote}{quote}){unit}*{quote}"
    unquoted_first = f"[^{quote}{comma}{danger}{backslash}{ws}{ctrl}]"
    after_backslash = f"(?:[^{dot}{quote}{comma}{ctrl}]{plain}*|{dot}{plain}+)"
    unquoted = f"(?:{unquoted_first}{plain}*|{backslash}{after_backslash}?)?"
    field = f"(?:{quoted_ws}|{quoted_sep}|{quoted_text}|{unquoted})"
    return f"^{field}(?:,{field}){{{fields - 1}}}$"
