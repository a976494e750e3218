"""De-identified statistics export (CSV and JSON) with small-cell suppression.

Only aggregate figures leave: the named figures of `figures.figures_of` (counts by section,
outcome, reason, level; the people-level relief figures), never a person or a conviction.
Any count from 1 to 10 is shown as ``"<11"`` (`SUPPRESSED`); 0 stays 0 (an empty cell tells
nothing about a person). Non-count figures (the earliest conviction date, the county, the rule
set) are not suppressed. CSV cells go through `eligibility.csvsafe` (a reason text is free text
from the rules; it could start with ``=``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from eligibility import csvsafe

from .figures import figures_of

THRESHOLD = 11
SUPPRESSED = "<11"


def suppress(value: Any) -> Any:
    """Counts 1..10 become "<11"; anything else (0, >= 11, text, None) is unchanged."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < THRESHOLD:
        return SUPPRESSED
    return value


def export_rows(stats: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """(figure, value) rows, suppressed, in a stable order (metadata first)."""
    meta: list[tuple[str, Any]] = [
        ("county", stats.get("county", "")),
        ("rule_set", stats.get("ruleSet", "")),
        ("rule_set_version", stats.get("ruleSetVersion", "")),
        ("compute_date", stats.get("computeDate", "")),
        ("options_digest", stats.get("optionsDigest", "")),
    ]
    figures = figures_of(stats)
    figures.pop("line_count", None)  # a file property, not a statistic for researchers
    return meta + [(name, suppress(figures[name])) for name in sorted(figures)]


def export_json(stats: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "suppression": {"threshold": THRESHOLD, "shownAs": SUPPRESSED},
        "figures": dict(export_rows(stats)),
    }


def export_csv_lines(stats: Mapping[str, Any]) -> Iterator[str]:
    yield csvsafe.header_line(["figure", "value"])
    for name, value in export_rows(stats):
        yield csvsafe.line([name, "" if value is None else str(value)])
