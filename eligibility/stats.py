"""Impact statistics as of the compute date (rules spec §8) and gogen.json / summary (§8.1).

For a result set R (this evaluation, or the counterfactual "dismiss all Prop 64" in which every
relevant conviction is eligible_dismissal):

* ``CountSubjectsNoFelony``: subjects with >= 1 felony conviction (any county and section) whose
  felonies all have outcome dismissal or reduction in R;
* ``CountSubjectsNoConviction``: subjects with >= 1 conviction all dismissed in R;
* ``CountSubjectsNoConvictionLast7Years``: subjects with >= 1 conviction dated strictly after
  add_years(t, -7) whose such convictions are all dismissed in R (unknown dates are outside).

A conviction without a determination is never relieved, so only subjects with a determination
can count; the denominators need one pass over every subject.

Cost: one dictionary of outcomes keyed by row, one pass over the convictions of every subject
(no per-conviction re-scan); the per-group counts (section, outcome, reason) are a polars
group-by over the determinations. Well under a second for a 1M-row upload.

Choices where the spec is silent:

1. ``summary()`` writes dates as ISO ``YYYY-MM-DD`` and nested maps with sorted keys.
2. ``processingTimeInSeconds`` is an argument of `Statistics.gogen_json` (the engine never reads
   the clock); it defaults to 0.0.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from eligibility.doj.dates import add_years
from eligibility.model import Determination, Level, Outcome, Upload
from eligibility.rules import RULE_SETS
from eligibility.rules.decisions import paused_gc
from eligibility.rules.options import Options

DISMISSAL = Outcome.ELIGIBLE_DISMISSAL.value
REDUCTION = Outcome.ELIGIBLE_REDUCTION.value
P64 = frozenset({"11357", "11358", "11359", "11360"})
RELIEF_KEYS = (
    "CountSubjectsNoConviction",
    "CountSubjectsNoConvictionLast7Years",
    "CountSubjectsNoFelony",
)


@dataclass(frozen=True, slots=True)
class Relief:
    """The three relief figures of one result set, with their denominators."""

    no_conviction: int
    no_conviction_last_7_years: int
    no_felony: int

    def gogen(self) -> dict[str, int]:
        return dict(
            zip(
                RELIEF_KEYS,
                (self.no_conviction, self.no_conviction_last_7_years, self.no_felony),
                strict=True,
            )
        )


@dataclass(frozen=True, slots=True)
class Statistics:
    county: str
    compute_date: dt.date
    rule_set: str
    rule_set_version: str
    options: Options
    lists: tuple[str, ...]
    prior_timing: str
    line_count: int
    files: tuple[dict[str, object], ...]
    subjects: int  # distinct subjects, with or without convictions
    convictions: int  # every conviction, every county and section
    prop64_convictions_all_counties: int
    earliest_conviction: dt.date | None
    relief: Relief  # R = this evaluation
    relief_dismiss_all: Relief  # the counterfactual
    subjects_with_felony: int
    subjects_with_conviction: int
    subjects_with_conviction_last_7_years: int
    by_section: Mapping[str, int]
    subjects_with_prop64_in_county: int
    felony: int
    non_felony: int
    subjects_with_some_relief: int
    dismissal_by_section: Mapping[str, int]
    reduction_by_section: Mapping[str, int]
    dismissal_by_additional_relief: Mapping[str, int]
    by_outcome: Mapping[str, int]
    by_outcome_and_reason: Mapping[str, Mapping[str, int]]
    by_outcome_and_section: Mapping[str, Mapping[str, int]]

    def gogen_json(self, processing_seconds: float = 0.0) -> dict[str, object]:
        """The compatible summary, keys in the order of spec §8.1."""
        earliest = self.earliest_conviction
        return {
            "county": self.county,
            "earliestConviction": (
                f"{earliest.isoformat()}T00:00:00Z" if earliest is not None else None
            ),
            "lineCount": self.line_count,
            "processingTimeInSeconds": processing_seconds,
            "reliefWithCurrentEligibilityChoices": self.relief.gogen(),
            "reliefWithDismissAllProp64": self.relief_dismiss_all.gogen(),
            "prop64ConvictionsCountInCountyByCodeSection": _sorted(self.by_section),
            "subjectsWithProp64ConvictionCountInCounty": self.subjects_with_prop64_in_county,
            "prop64FelonyConvictionsCountInCounty": self.felony,
            "prop64NonFelonyConvictionsCountInCounty": self.non_felony,
            "subjectsWithSomeReliefCount": self.subjects_with_some_relief,
            "convictionDismissalCountByCodeSection": _sorted(self.dismissal_by_section),
            "convictionReductionCountByCodeSection": _sorted(self.reduction_by_section),
            "convictionDismissalCountByAdditionalRelief": _sorted(
                self.dismissal_by_additional_relief
            ),
        }

    def summary(self, processing_seconds: float = 0.0) -> dict[str, object]:
        """ClearRecord_Summary.json: gogen.json plus the fields of §8.1."""
        denominators = {
            "subjectsWithFelony": self.subjects_with_felony,
            "subjectsWithConviction": self.subjects_with_conviction,
            "subjectsWithConvictionLast7Years": self.subjects_with_conviction_last_7_years,
        }
        return {
            **self.gogen_json(processing_seconds),
            "ruleSet": self.rule_set,
            "ruleSetVersion": self.rule_set_version,
            "options": json.loads(self.options.canonical_json),
            "optionsDigest": self.options.digest,
            "optionsWarnings": list(self.options.warnings),
            "lists": list(self.lists),
            "priorTiming": self.prior_timing,
            "computeDate": self.compute_date.isoformat(),
            "files": [dict(f) for f in self.files],
            "subjects": self.subjects,
            "convictions": self.convictions,
            "prop64ConvictionsAllCounties": self.prop64_convictions_all_counties,
            "byOutcome": _sorted(self.by_outcome),
            "byOutcomeAndReason": {
                k: _sorted(v) for k, v in sorted(self.by_outcome_and_reason.items())
            },
            "byOutcomeAndSection": {
                k: _sorted(v) for k, v in sorted(self.by_outcome_and_section.items())
            },
            "reliefDenominators": {
                "reliefWithCurrentEligibilityChoices": denominators,
                "reliefWithDismissAllProp64": denominators,
            },
        }


def _sorted(m: Mapping[str, int]) -> dict[str, int]:
    return {k: m[k] for k in sorted(m)}


def _file_info(upload: Upload) -> tuple[dict[str, object], ...]:
    return tuple(
        {
            "file": f.number,
            "name": f.name,
            "sha256": f.sha256,
            "rows": f.data_rows,
            "quarantined": f.quarantined,
            "warningsByCode": _sorted(f.warnings_by_code),
            "quarantinedByCode": _sorted(f.quarantined_by_code),
        }
        for f in upload.files
    )


def _group_counts(frame: pl.DataFrame) -> list[tuple[str, str, str, int]]:
    """(outcome, reason, section, count) groups of the determinations."""
    if frame.height == 0:
        return []
    grouped = frame.group_by(["outcome", "reason", "section"]).agg(pl.len().alias("n"))
    return [(str(o), str(r), str(k), int(n)) for o, r, k, n in grouped.iter_rows()]


def compute(
    upload: Upload,
    determinations: Sequence[Determination],
    *,
    compute_at: dt.date,
    rule_set: str,
    options: Options,
    lists: Sequence[str] | None = None,
) -> Statistics:
    """All figures of §8 as of `compute_at` for this evaluation and the dismiss-all one."""
    with paused_gc():
        return _compute(upload, determinations, compute_at, rule_set, options, lists)


def _compute(
    upload: Upload,
    determinations: Sequence[Determination],
    compute_at: dt.date,
    rule_set: str,
    options: Options,
    lists: Sequence[str] | None,
) -> Statistics:
    t = compute_at
    window_start = add_years(t, -7)  # "last 7 years" = strictly after this date
    # (file, line) tuples hash in C; RowRef's dataclass __hash__ is a Python call.
    index_by_row: dict[tuple[int, int], int] = {
        (d.conviction_ref.file, d.conviction_ref.line): i for i, d in enumerate(determinations)
    }
    outcomes = [d.outcome for d in determinations]
    sections = [""] * len(determinations)

    with_felony = with_conviction = with_recent = 0
    r_felony = r_all = r_recent = 0
    cf_felony = cf_all = cf_recent = 0
    prop64_all = 0
    convictions_total = 0
    earliest: dt.date | None = None
    felony_relevant = 0
    relevant_subjects: set[str] = set()
    felony = Level.FELONY
    county = upload.county
    get = index_by_row.get
    dismissal, reduction = Outcome.ELIGIBLE_DISMISSAL, Outcome.ELIGIBLE_REDUCTION
    for subject in upload.subjects:
        convictions = subject.convictions
        convictions_total += len(convictions)
        any_felony = any_recent = False
        # R: felonies all D/R, all D, recent all D; CF: the same with every relevant one D.
        felony_ok = all_ok = recent_ok = True
        cf_felony_ok = cf_all_ok = cf_recent_ok = True
        relevant_here = False
        for c in convictions:
            section = c.section
            outcome = None
            # Prop 64 = primary statute number exactly 11357-11360 (DOJ §4.8), read inline.
            if section is not None and section.statutes:
                k = section.statutes[0].number
                if k in P64:
                    prop64_all += 1
                    if c.county == county:
                        ref = c.ref
                        i = get((ref.file, ref.line))
                        if i is not None:
                            outcome = outcomes[i]
                            sections[i] = k
            is_felony = c.level is felony
            recent = c.date is not None and c.date > window_start
            if outcome is None:
                all_ok = cf_all_ok = False
                if is_felony:
                    felony_ok = cf_felony_ok = False
                if recent:
                    recent_ok = cf_recent_ok = False
            else:
                relevant_here = True
                if is_felony:
                    felony_relevant += 1
                if c.date is not None and (earliest is None or c.date < earliest):
                    earliest = c.date
                if outcome is not dismissal:
                    all_ok = False
                    if recent:
                        recent_ok = False
                    if is_felony and outcome is not reduction:
                        felony_ok = False
            any_felony = any_felony or is_felony
            any_recent = any_recent or recent
        if convictions:
            with_conviction += 1
        if any_felony:
            with_felony += 1
        if any_recent:
            with_recent += 1
        if not relevant_here:
            continue
        relevant_subjects.add(subject.subject_id)
        if convictions:
            r_all += all_ok
            cf_all += cf_all_ok
        if any_felony:
            r_felony += felony_ok
            cf_felony += cf_felony_ok
        if any_recent:
            r_recent += recent_ok
            cf_recent += cf_recent_ok

    frame = pl.DataFrame(
        {
            "subject": [d.subject_id for d in determinations],
            "outcome": [str(o) for o in outcomes],
            "reason": [d.reason for d in determinations],
            "section": sections,
        },
        schema={"subject": pl.String, "outcome": pl.String, "reason": pl.String,
                "section": pl.String},
    )  # fmt: skip
    by_section: Counter[str] = Counter()
    by_outcome: Counter[str] = Counter()
    by_outcome_reason: dict[str, dict[str, int]] = {}
    by_outcome_section: dict[str, dict[str, int]] = {}
    for o, r, k, count in _group_counts(frame):
        by_section[k] += count
        by_outcome[o] += count
        by_outcome_reason.setdefault(o, {})[r] = by_outcome_reason.get(o, {}).get(r, 0) + count
        by_outcome_section.setdefault(o, {})[k] = by_outcome_section.get(o, {}).get(k, 0) + count
    some_relief = (
        frame.filter(pl.col("outcome").is_in([DISMISSAL, REDUCTION]))["subject"].n_unique()
        if frame.height
        else 0
    )
    dismissals = by_outcome_reason.get(DISMISSAL, {})
    reductions = by_outcome_reason.get(REDUCTION, {})
    if rule_set == "la_pilot_2019":
        dismissal_by_section: dict[str, int] = {}
        reduction_by_section: dict[str, int] = {}
    else:
        dismissal_by_section = {
            k: dismissals.get(f"Dismiss all HS {k} convictions", 0) for k in options.dismiss
        }
        reduction_by_section = {
            k: reductions.get(f"Reduce all HS {k} convictions", 0) for k in options.reduce
        }
    additional = {
        reason: n
        for reason, n in dismissals.items()
        if not reason.startswith("Dismiss all HS") and reason != "Misdemeanor or Infraction" and n
    }
    if lists is None:
        lists = determinations[0].lists if determinations else ()
    chosen = RULE_SETS[rule_set]
    return Statistics(
        county=upload.county,
        compute_date=t,
        rule_set=rule_set,
        rule_set_version=chosen.version,
        options=options,
        lists=tuple(lists),
        prior_timing=chosen.prior_timing(options),
        line_count=upload.data_rows,
        files=_file_info(upload),
        subjects=upload.subjects_total,
        convictions=convictions_total,
        prop64_convictions_all_counties=prop64_all,
        earliest_conviction=earliest,
        relief=Relief(r_all, r_recent, r_felony),
        relief_dismiss_all=Relief(cf_all, cf_recent, cf_felony),
        subjects_with_felony=with_felony,
        subjects_with_conviction=with_conviction,
        subjects_with_conviction_last_7_years=with_recent,
        by_section=dict(by_section),
        subjects_with_prop64_in_county=len(relevant_subjects),
        felony=felony_relevant,
        non_felony=len(determinations) - felony_relevant,
        subjects_with_some_relief=int(some_relief),
        dismissal_by_section=dismissal_by_section,
        reduction_by_section=reduction_by_section,
        dismissal_by_additional_relief=additional,
        by_outcome=dict(by_outcome),
        by_outcome_and_reason=by_outcome_reason,
        by_outcome_and_section=by_outcome_section,
    )
