"""The 58 California counties and county-name normalisation (DOJ spec §4.11)."""

from __future__ import annotations

import re
from typing import Final

COUNTIES: Final[tuple[str, ...]] = (
    "ALAMEDA", "ALPINE", "AMADOR", "BUTTE", "CALAVERAS", "COLUSA", "CONTRA COSTA", "DEL NORTE",
    "EL DORADO", "FRESNO", "GLENN", "HUMBOLDT", "IMPERIAL", "INYO", "KERN", "KINGS", "LAKE",
    "LASSEN", "LOS ANGELES", "MADERA", "MARIN", "MARIPOSA", "MENDOCINO", "MERCED", "MODOC",
    "MONO", "MONTEREY", "NAPA", "NEVADA", "ORANGE", "PLACER", "PLUMAS", "RIVERSIDE",
    "SACRAMENTO", "SAN BENITO", "SAN BERNARDINO", "SAN DIEGO", "SAN FRANCISCO", "SAN JOAQUIN",
    "SAN LUIS OBISPO", "SAN MATEO", "SANTA BARBARA", "SANTA CLARA", "SANTA CRUZ", "SHASTA",
    "SIERRA", "SISKIYOU", "SOLANO", "SONOMA", "STANISLAUS", "SUTTER", "TEHAMA", "TRINITY",
    "TULARE", "TUOLUMNE", "VENTURA", "YOLO", "YUBA",
)  # fmt: skip

_COUNTY_SET: Final[frozenset[str]] = frozenset(COUNTIES)
_WS_RUN = re.compile(r"\s+")


def normalise_county(name: str) -> str | None:
    """The canonical county for a name (trimmed, upper-cased, whitespace collapsed), else None."""
    key = _WS_RUN.sub(" ", name).strip().upper()
    return key if key in _COUNTY_SET else None
