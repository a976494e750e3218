"""Synthetic canary people: unique, invented values planted in a generated DOJ file.

Tests plant them, run the real pipeline and then prove the values never leave where they may be
(logs, Celery messages, error output, URLs; and, for identifiers, pages/API/exports unmasked).
"""

from __future__ import annotations

import csv
from pathlib import Path

from eligibility.generate import generate_file

#: identifier column -> canary value (unique strings that occur nowhere else)
IDENTIFIERS: dict[str, str] = {
    "PRI_SSN": "987-65-4391",
    "REQ_SSN": "987-65-4392",
    "PRI_CDL": "Q7391846",
    "REQ_CDL": "Q7391847",
    "FBI_NUMBER": "FBI7391848CAN",
}
NAME = "ZYXWCANARY,QUILLIAM"
CII = "A73918490"

#: every canary value, and the digits of the SSNs without dashes
ALL = [*IDENTIFIERS.values(), NAME, "ZYXWCANARY", CII, "987654391", "987654392"]


def canary_file(
    folder: Path,
    *,
    rows: int = 800,
    seed: int = 11,
    county: str = "SACRAMENTO",
    malformed: float = 0.0,
) -> Path:
    """A synthetic DOJ file whose every row carries the canary identifiers, and whose first
    subject is named `NAME` with CII `CII`."""
    source = folder / f"plain_{seed}.csv"
    generate_file(source, county=county, rows=rows, seed=seed, malformed_share=malformed)
    out = folder / f"doj_{county.lower()}_canary_{seed}.csv"
    with (
        source.open(newline="", encoding="utf-8") as fin,
        out.open("w", newline="", encoding="utf-8") as fout,
    ):
        reader = csv.reader(fin)
        writer = csv.writer(fout, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        index = {c: header.index(c) for c in [*IDENTIFIERS, "SUBJECT_ID", "PRI_NAME", "CII_NUMBER"]}
        first_subject = None
        for row in reader:
            if len(row) != len(header):
                writer.writerow(row)
                continue
            for column, value in IDENTIFIERS.items():
                row[index[column]] = value
            if first_subject is None:
                first_subject = row[index["SUBJECT_ID"]]
            if row[index["SUBJECT_ID"]] == first_subject:
                row[index["PRI_NAME"]] = NAME
                row[index["CII_NUMBER"]] = CII
            writer.writerow(row)
    source.unlink()
    return out


def leaks(text: str, values: list[str] | None = None) -> list[str]:
    """The canary values found in `text`."""
    return [v for v in (values or ALL) if v in text]
