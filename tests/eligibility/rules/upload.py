"""Build worked-example uploads end to end: synthetic CSV text → the DOJ reader → model.Upload."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from eligibility.doj.reader import Source, read_upload
from eligibility.model import Upload
from tests.eligibility.builders import csv_text, row


def write_upload(
    tmp: Path, files: Sequence[Sequence[dict[str, str]]], county: str = "LOS ANGELES"
) -> Upload:
    """Each file is a list of field dicts (DOJ column names); line numbers start at 2."""
    sources = []
    for number, rows in enumerate(files, start=1):
        path = tmp / f"research_{number}.csv"
        path.write_text(csv_text([row(**fields) for fields in rows]), encoding="utf-8")
        sources.append(Source(name=path.name, path=path))
    return read_upload(sources, county=county)
