"""The county's progress figures for the home page: numbers and a bar chart (one query)."""

from __future__ import annotations

from typing import Any

from clearrecord.reports.charts import bar_chart

from .selectors import county_progress

#: figure key -> label, in the order the work flows
MEASURES = (
    ("identified", "Identified by DOJ's file"),
    ("challenged", "Challenged by the DA"),
    ("not_challenged", "Not challenged (incl. modified)"),
    ("ordered", "Ordered by the court"),
    ("reported", "Reported to DOJ"),
)


def county_figures(*, county: str) -> dict[str, Any]:
    figures = county_progress(county=county)
    chart = bar_chart(
        slug="county-progress",
        title="Progress in the county",
        description="Convictions identified, decided by the DA, ordered by the court and"
        " reported to DOJ.",
        rows=[(label, figures[key]) for key, label in MEASURES],
        series="Convictions",
    )
    return {"figures": figures, "chart": chart}
