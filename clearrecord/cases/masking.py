"""Masking of personal identifiers (SSN, driver's licence, FBI number) — issue #7.

The one place that decides how an identifier in a raw DOJ row is shown. Every page, API
response and export that renders raw values goes through `mask_values` / `mask_row`, so a
new place cannot forget it. Only users with the `view_identifiers` capability (held by no role
by default, see `clearrecord.accounts.policy`) see the values unmasked.

Masked values keep the last four characters only (`•••-••-1234`) so a person can still be told
apart from a namesake; values of four characters or fewer are masked completely.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from clearrecord.accounts.policy import can
from eligibility.doj.columns import COLUMNS

#: DOJ columns holding identifiers that are masked unless the user may view them
IDENTIFIER_COLUMNS: frozenset[str] = frozenset(
    {"PRI_SSN", "REQ_SSN", "PRI_CDL", "REQ_CDL", "FBI_NUMBER"}
)
_SSN_COLUMNS = frozenset({"PRI_SSN", "REQ_SSN"})
_INDEXES: tuple[int, ...] = tuple(i for i, c in enumerate(COLUMNS) if c in IDENTIFIER_COLUMNS)
DOT = "\u2022"


def mask_identifier(value: str | None, *, column: str = "") -> str:
    """`value` with everything but its last four characters replaced by dots.

    SSNs keep their shape (`•••-••-1234`); other identifiers become `••••1234`.
    """
    value = (value or "").strip()
    if not value:
        return ""
    digits = value.replace("-", "").replace(" ", "")
    if len(digits) <= 4:
        return DOT * 4
    last4 = digits[-4:]
    if column in _SSN_COLUMNS:
        return f"{DOT * 3}-{DOT * 2}-{last4}"
    return f"{DOT * 4}{last4}"


def may_view_identifiers(user: Any) -> bool:
    return can(user, "view_identifiers")


def mask_values(values: Sequence[str], *, user: Any) -> list[str]:
    """The 95 raw values of a `raw.RawLine` (DOJ column order), identifiers masked for `user`."""
    out = list(values)
    if may_view_identifiers(user):
        return out
    for i in _INDEXES:
        if i < len(out):
            out[i] = mask_identifier(out[i], column=COLUMNS[i])
    return out


def mask_row(row: Mapping[str, Any], *, user: Any) -> dict[str, Any]:
    """A row keyed by DOJ column name (API, CSV export), identifiers masked for `user`."""
    out = dict(row)
    if may_view_identifiers(user):
        return out
    for column in IDENTIFIER_COLUMNS & out.keys():
        out[column] = mask_identifier(out[column], column=column)
    return out


def raw_row_fields(values: Sequence[str], *, user: Any) -> list[tuple[str, str]]:
    """(column, value) pairs of a raw row for display, masked, empty values left out."""
    return [(c, v) for c, v in zip(COLUMNS, mask_values(values, user=user), strict=False) if v]
