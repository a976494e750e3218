"""Builders for ingest tests: synthetic DOJ files and uploads made through the real service."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from clearrecord.intake import services
from clearrecord.intake.models import Upload
from clearrecord.intake.uploads import IncomingFile, sniff
from eligibility.generate import generate_file

COMPUTE_AT = dt.date(2026, 7, 1)


def synthetic_file(
    folder: Path,
    *,
    rows: int = 600,
    seed: int = 7,
    malformed: float = 0.0,
    county: str = "SACRAMENTO",
) -> Path:
    path = folder / f"doj_{county.lower()}_{seed}_{rows}.csv"
    generate_file(path, county=county, rows=rows, seed=seed, malformed_share=malformed)
    return path


def incoming(path: Path, name: str | None = None) -> IncomingFile:
    """What the upload handler hands the view: a hashed, sniffed file on disk."""
    data = path.read_bytes()
    f = IncomingFile(name or path.name, "text/csv", len(data), None)
    f.write(data)
    f.seek(0)
    f.sha256 = hashlib.sha256(data).hexdigest()
    f.sniffed = sniff(data[:8192])
    return f


def make_upload(
    user: Any, *paths: Path, rule_set: str = "statutory", options: Any = None
) -> Upload:
    return services.upload_create(
        user=user,
        compute_at=COMPUTE_AT,
        rule_set=rule_set,
        options=options,
        files=[incoming(p) for p in paths],
    )
