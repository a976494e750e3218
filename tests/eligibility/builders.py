"""Builders for synthetic DOJ research-file rows used by engine tests. Synthetic data only."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from eligibility.doj.columns import COLUMNS, INDEX

#: Defaults that make a plausible court-action conviction row in LOS ANGELES.
DEFAULTS: Mapping[str, str] = {
    "RECORD_ID": "0",
    "SUBJECT_STATUS": "ACTIVE",
    "REQ_SEG_SEP": "#",
    "PII_SEG_SEP": "#",
    "PDR_SEG_SEP": "#",
    "CYC_SEG_SEP": "#",
    "STP_SEG_SEP": "#",
    "CNT_SEG_SEP": "#",
    "SENT_SEG_SEP": "#",
    "END_OF_REC": "#",
    "STP_TYPE_DESCR": "COURT ACTION",
    "STP_ORI_DESCR": "CASC LOS ANGELES",
    "STP_ORI_CNTY_NAME": "LOS ANGELES",
    "DISP_DESCR": "CONVICTED",
}


def row(**fields: str) -> list[str]:
    """A 95-field row: DEFAULTS overridden by `fields` (keys are DOJ column names)."""
    values = [""] * len(COLUMNS)
    for name, value in {**DEFAULTS, **fields}.items():
        values[INDEX[name]] = value
    return values


def csv_line(values: Iterable[str]) -> str:
    """One CSV record, quoting only where needed."""
    out = []
    for v in values:
        if any(c in v for c in ',"\r\n'):
            v = '"' + v.replace('"', '""') + '"'
        out.append(v)
    return ",".join(out)


def csv_text(rows: Iterable[Iterable[str]], *, header: bool = True, newline: str = "\n") -> str:
    """A whole research file as text, with or without the header line."""
    lines = [",".join(COLUMNS)] if header else []
    lines.extend(csv_line(r) for r in rows)
    return newline.join(lines) + newline
