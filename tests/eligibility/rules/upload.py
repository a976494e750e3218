"""Build worked-example uploads end to end: synthetic CSV text → E1's reader → model.Upload."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from eligibility.model import Upload
from tests.eligibility.builders import csv_text, row


def write_upload(
    tmp: Path, files: Sequence[Sequence[dict[str, str]]], county: str = "LOS ANGELES"
) -> Upload:
    """Each file is a list of field dicts (DOJ column names); line numbers start at 2."""
    reader = pytest.importorskip("eligibility.doj.reader")
    sources = []
    for number, rows in enumerate(files, start=1):
        path = tmp / f"research_{number}.csv"
        path.write_text(csv_text([row(**fields) for fields in rows]), encoding="utf-8")
        sources.append(reader.Source(name=path.name, path=path))
    upload: Upload = reader.read_upload(sources, county=county)
    return upload
