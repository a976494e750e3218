"""The DOJ report: what DOJ needs to update each ordered conviction's record, as rows and CSV.

One row per ordered conviction not yet reported (selectors.doj_pending). The person is matched
on CII and DOJ subject id, the conviction on court case number and count; the order says what
the court did. Every CSV cell goes through `eligibility.csvsafe` (never read as a formula).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from eligibility import csvsafe

from .models import OrderOutcome
from .writers import RELIEF

ROWS_PER_FETCH = 2000

HEADER = (
    "cii",
    "doj_subject_id",
    "name",
    "dob",
    "court_case_number",
    "count",
    "code_section",
    "conviction_date",
    "order_date",
    "order_number",
    "outcome",
    "relief_granted",
    "remedy_statute",
    "court_note",
)
KEYS = (
    "cii", "subject_id", "name", "dob", "cases", "count", "code_section", "date",
    "order_date", "order_number", "outcome_label", "relief", "statute", "note",
)  # fmt: skip


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def row(values: dict[str, Any]) -> dict[str, Any]:
    """One DOJ report row from the values of `selectors.DOJ_FIELDS`.

    Relief granted: the relief released for export (the DA's modified remedy, else the engine's)
    when the court granted it; none when it denied relief; the court's own relief, in its note,
    when it modified it.
    """
    outcome = values["outcome"]
    remedy = (
        values["conviction__batch_item__remedy"]
        or values["conviction__current_determination__remedy"]
        or ""
    )
    relief, statute = RELIEF.get(remedy, ("", ""))
    if not values["conviction__batch_item__remedy"]:
        statute = values["conviction__current_determination__remedy_citation"] or statute
    if outcome == OrderOutcome.DENIED:
        relief, statute = "None (relief denied)", ""
    elif outcome == OrderOutcome.MODIFIED:
        relief = "As modified by the court (see note)"
    cases = values["conviction__case_numbers"] or [values["conviction__court_case"]]
    return {
        "line_id": values["id"],
        "conviction_id": values["conviction_id"],
        "batch_id": values["order__batch_id"],
        "cii": values["conviction__subject__cii"] or "",
        "subject_id": values["conviction__subject__subject_id"] or "",
        "name": values["conviction__subject__name"] or "",
        "dob": _date(values["conviction__subject__dob"]),
        "cases": "; ".join(c for c in cases if c),
        "count": values["conviction__cnt_order"] or "",
        "code_section": values["conviction__code_section"] or "",
        "date": _date(values["conviction__date"]),
        "order_date": _date(values["order__order_date"]),
        "order_number": values["order__order_number"],
        "outcome": outcome,
        "outcome_label": OrderOutcome(outcome).label,
        "relief": relief,
        "statute": statute,
        "note": values["note"] or "",
    }


def rows(values: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row(v) for v in values]


def csv_chunks(values: Any) -> Iterator[bytes]:
    """The CSV, streamed: the queryset is read with a server-side cursor in chunks."""
    buffer = [csvsafe.header_line(HEADER)]
    for v in values.iterator(chunk_size=ROWS_PER_FETCH):
        r = row(v)
        buffer.append(csvsafe.line([r[k] for k in KEYS]))
        if len(buffer) >= ROWS_PER_FETCH:
            yield "".join(buffer).encode("utf-8")
            buffer = []
    yield "".join(buffer).encode("utf-8")
