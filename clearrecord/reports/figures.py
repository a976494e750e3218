"""The dashboard's figures, read from `Evaluation.stats` (eligibility.stats summary, spec §8).

`figures_of(stats)` flattens the summary into named figures (``relief.current.no_felony``,
``by_section.11357`` …). The page prints each with ``data-figure="<name>"`` so tests compare
what the page shows with the engine's statistics; the export reuses the same names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clearrecord.cases.models import ReviewState

from .charts import Chart, bar_chart, stacked_chart

OUTCOME_LABELS = {
    "eligible_dismissal": "Dismissal",
    "eligible_reduction": "Reduction",
    "not_eligible": "Not eligible",
    "needs_review": "Needs review",
}
OUTCOMES = tuple(OUTCOME_LABELS)
SECTIONS = ("11357", "11358", "11359", "11360")
RELIEF = (
    ("no_felony", "CountSubjectsNoFelony", "People who will no longer have a felony",
     "subjectsWithFelony"),
    ("no_conviction", "CountSubjectsNoConviction", "People who will no longer have any conviction",
     "subjectsWithConviction"),
    ("no_conviction_last_7_years", "CountSubjectsNoConvictionLast7Years",
     "People with no conviction in the last 7 years", "subjectsWithConvictionLast7Years"),
)  # fmt: skip
CURRENT = "reliefWithCurrentEligibilityChoices"
DISMISS_ALL = "reliefWithDismissAllProp64"


def outcome_label(outcome: str) -> str:
    return OUTCOME_LABELS.get(outcome, outcome.replace("_", " ").capitalize())


def figures_of(stats: Mapping[str, Any]) -> dict[str, int | str | None]:
    """Every figure of the dashboard by name (integers, plus the earliest conviction date)."""
    f: dict[str, int | str | None] = {}
    for key, gogen, _, _ in RELIEF:
        f[f"relief.current.{key}"] = int(stats.get(CURRENT, {}).get(gogen, 0))
        f[f"relief.dismiss_all.{key}"] = int(stats.get(DISMISS_ALL, {}).get(gogen, 0))
    f["subjects_with_conviction"] = int(stats.get("subjectsWithProp64ConvictionCountInCounty", 0))
    f["subjects_with_some_relief"] = int(stats.get("subjectsWithSomeReliefCount", 0))
    f["felony"] = int(stats.get("prop64FelonyConvictionsCountInCounty", 0))
    f["non_felony"] = int(stats.get("prop64NonFelonyConvictionsCountInCounty", 0))
    f["line_count"] = int(stats.get("lineCount", 0))
    earliest = stats.get("earliestConviction")
    f["earliest_conviction"] = earliest[:10] if earliest else None
    for k, n in stats.get("prop64ConvictionsCountInCountyByCodeSection", {}).items():
        f[f"by_section.{k}"] = int(n)
    for o, n in stats.get("byOutcome", {}).items():
        f[f"by_outcome.{o}"] = int(n)
    for o, reasons in stats.get("byOutcomeAndReason", {}).items():
        for r, n in reasons.items():
            f[f"by_outcome_reason.{o}.{r}"] = int(n)
    for o, sections in stats.get("byOutcomeAndSection", {}).items():
        for k, n in sections.items():
            f[f"by_outcome_section.{o}.{k}"] = int(n)
    return f


def relief_rows(stats: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The three people-level figures for the county's choices and for dismiss-all."""
    denominators = stats.get("reliefDenominators", {}).get(CURRENT, {})
    return [
        {
            "key": key,
            "label": label,
            "current": int(stats.get(CURRENT, {}).get(gogen, 0)),
            "dismiss_all": int(stats.get(DISMISS_ALL, {}).get(gogen, 0)),
            "of": denominators.get(denominator),
        }
        | {
            "gap": int(stats.get(DISMISS_ALL, {}).get(gogen, 0))
            - int(stats.get(CURRENT, {}).get(gogen, 0))
        }
        for key, gogen, label, denominator in RELIEF
    ]


def charts_of(stats: Mapping[str, Any], review: Mapping[str, int]) -> dict[str, Chart]:
    relief = relief_rows(stats)
    by_outcome_section = stats.get("byOutcomeAndSection", {})
    sections = sorted(stats.get("prop64ConvictionsCountInCountyByCodeSection", {}))
    outcomes = [o for o in OUTCOMES if o in stats.get("byOutcome", {})] + sorted(
        o for o in stats.get("byOutcome", {}) if o not in OUTCOMES
    )
    reasons = stats.get("byOutcomeAndReason", {})
    return {
        "relief": stacked_chart(
            slug="relief",
            title="People relieved: the county's choices beside dismissing every cannabis conviction",
            description="For each measure, two bars: the county's choices and the counterfactual "
            "in which every cannabis conviction is dismissed.",
            series=["County's choices", "Dismiss all cannabis convictions"],
            rows=[
                (
                    r["label"],
                    {
                        "County's choices": r["current"],
                        "Dismiss all cannabis convictions": r["dismiss_all"],
                    },
                )
                for r in relief
            ],
            grouped=True,
        ),
        "by_section": stacked_chart(
            slug="by-section",
            title="Convictions by code section and outcome",
            description="One bar per Health and Safety Code section, split by outcome.",
            series=[outcome_label(o) for o in outcomes],
            rows=[
                (
                    f"HS {k}",
                    {outcome_label(o): by_outcome_section.get(o, {}).get(k, 0) for o in outcomes},
                )
                for k in sections
            ],
        ),
        "by_outcome": bar_chart(
            slug="by-outcome",
            title="Convictions by outcome",
            description="How many convictions each outcome has.",
            rows=[(outcome_label(o), stats["byOutcome"][o]) for o in outcomes],
        ),
        "by_reason": bar_chart(
            slug="by-reason",
            title="Convictions by outcome and reason",
            description="Each reason the rules gave, with its outcome.",
            rows=[
                (f"{outcome_label(o)}: {r}", n)
                for o in outcomes
                for r, n in sorted(reasons.get(o, {}).items(), key=lambda x: (-x[1], x[0]))
            ],
        ),
        "level": bar_chart(
            slug="level",
            title="Felony and non-felony convictions",
            description="Non-felony includes misdemeanours, infractions and unknown levels.",
            rows=[
                ("Felony", int(stats.get("prop64FelonyConvictionsCountInCounty", 0))),
                (
                    "Misdemeanour or other",
                    int(stats.get("prop64NonFelonyConvictionsCountInCounty", 0)),
                ),
            ],
        ),
        "review": bar_chart(
            slug="review",
            title="Review progress",
            description="Convictions of this upload in each review state.",
            rows=[(label, review.get(value, 0)) for value, label in ReviewState.choices],
        ),
    }
