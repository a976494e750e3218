"""Rule set ``bear`` 1.0.0: Code for America's statewide configurable flow (rules spec §4).

Reproduces the public tool behind the BEAR desktop app rule for rule, with its reason strings,
under H&S 11361.8 and 11361.9 (automatic relief; the county chooses which sections it dismisses
or reduces, ``baselineEligibility``, and which additional relief it grants, ``additionalRelief``).
There is no 11/9/2016, superstrike, PC 290 or two-priors rule: those facts appear only in the
evidence and flags. Deliberate differences from the original are listed in spec §4.3 (unknown
dates and DOBs never fire a rule, everything is as of the compute date `t`, rule B10).

The tests B2..B10 are reused by the statutory rule set as S10..S18 (§5.2).
"""

from __future__ import annotations

from collections.abc import Callable

from eligibility.model import Conviction, Evidence, Level, Outcome
from eligibility.rules.decisions import (
    LEVEL_WORDS,
    Context,
    Finding,
    Rule,
    birthday,
    section_of,
)
from eligibility.rules.history import History, dob_evidence, dob_where, iso, where
from eligibility.rules.options import Options

CITE_DATE = "H&S 11361.8(a), (e)"
CITE_MISDEMEANOR = "H&S 11361.8(e)\u2013(f); 11361.9"
CITE_DISMISS_LIST = "H&S 11361.9(b); county policy baselineEligibility.dismiss"
CITE_REDUCE_LIST = "H&S 11361.8(e)\u2013(f); 11361.9"
CITE_NEITHER = "H&S 11361.9(b)"


def _relief(option: str) -> str:
    return f"H&S 11361.9(b); county policy additionalRelief.{option}"


def date_unknown(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    if c.date is not None:
        return None
    return Finding(
        f"The conviction {where(c.ref)} has no valid conviction date (STP_EVENT_DATE), so no "
        "rule that needs it can be applied; check the court record."
    )


def not_felony(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    if c.level is Level.FELONY:
        return None
    text = f"The HS {section_of(c)} conviction {where(c.ref)} is {LEVEL_WORDS[c.level]}"
    if c.level is Level.UNKNOWN:
        text += (
            " (neither CONV_STAT_DESCR nor OFFENSE_TOC names the level); as in the original flow"
        )
        text += ", a conviction that is not a felony is dismissed"
    return Finding(text + ".")


def in_dismiss_list(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    k = section_of(c)
    if k not in ctx.options.dismiss:
        return None
    return Finding(
        f"The {c.level.value} HS {k} conviction {where(c.ref)}: HS {k} is in the county's "
        "dismiss list (baselineEligibility.dismiss).",
        reason=f"Dismiss all HS {k} convictions",
    )


def _dob_missing(h: History, notes: list[str], rule: str) -> bool:
    if h.subject.dob is None:
        notes.append(f"Date of birth unknown, so the {rule} rule was not applied.")
        return True
    return False


def under_21_at_conviction(
    c: Conviction, h: History, ctx: Context, notes: list[str]
) -> Finding | None:
    if not ctx.options.subject_under_21_at_conviction or c.date is None:
        return None
    dob = h.subject.dob
    if dob is None:
        _dob_missing(h, notes, "under-21")
        return None
    twenty_first = birthday(dob, 21)
    if not twenty_first > c.date:
        return None
    return Finding(
        f"Born {iso(dob)}{dob_where(h)}, the subject was under 21 when convicted on "
        f"{iso(c.date)} {where(c.ref)}; the 21st birthday is {iso(twenty_first)}.",
        dob_evidence(h),
        citation=_relief("subjectUnder21AtConviction"),
    )


def age_threshold(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    n = ctx.options.subject_age_threshold
    if n == 0:
        return None
    dob = h.subject.dob
    if dob is None:
        _dob_missing(h, notes, "age")
        return None
    if not birthday(dob, n) <= ctx.t:
        return None
    return Finding(
        f"Born {iso(dob)}{dob_where(h)}, the subject is at least {n} years old on the compute "
        f"date {iso(ctx.t)} (turned {n} on {iso(birthday(dob, n))}).",
        dob_evidence(h),
        reason=f"{n} years or older",
        citation=_relief("subjectAgeThreshold"),
    )


def years_since_conviction(
    c: Conviction, h: History, ctx: Context, notes: list[str]
) -> Finding | None:
    n = ctx.options.years_since_conviction_threshold
    if n == 0 or c.date is None:
        return None
    cutoff = ctx.years_ago(n)
    if not c.date <= cutoff:
        return None
    return Finding(
        f"Convicted {iso(c.date)} {where(c.ref)}, on or before {iso(cutoff)}, {n} years before "
        f"the compute date {iso(ctx.t)}.",
        reason=f"Conviction occurred {n} or more years ago",
        citation=_relief("yearsSinceConvictionThreshold"),
    )


def crime_free(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    n = ctx.options.years_crime_free_threshold
    if n == 0:
        return None
    latest = h.most_recent
    if latest is None or latest.date is None:
        unknown = h.unknown_dates[0].ref if h.unknown_dates else None
        notes.append(
            "The most recent conviction is unknown (a conviction has no valid date"
            + (f", {where(unknown)}" if unknown else "")
            + "), so the crime-free rule was not applied."
        )
        return None
    cutoff = ctx.years_ago(n)
    if not latest.date < cutoff:
        return None
    return Finding(
        f"The subject's most recent conviction, {iso(latest.date)} {where(latest.ref)}, is "
        f"before {iso(cutoff)}, {n} years before the compute date {iso(ctx.t)}.",
        (Evidence("most_recent_conviction", latest.ref),),
        reason=f"No convictions in the past {n} years",
        citation=_relief("yearsCrimeFreeThreshold"),
    )


def only_prop64(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    if not ctx.options.subject_has_only_prop64_charges or not h.only_prop64:
        return None
    return Finding(
        f"{_all_convictions(h)} HS 11357\u201311360 (Prop 64).",
        citation=_relief("subjectHasOnlyProp64Charges"),
    )


def deceased(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    ref = h.subject.deceased_ref
    if not ctx.options.subject_is_deceased or ref is None:
        return None
    return Finding(
        f"The subject is deceased: DECEASED row {where(ref)}.",
        (Evidence("deceased", ref),),
        citation=_relief("subjectIsDeceased"),
    )


def in_reduce_list(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    k = section_of(c)
    if k not in ctx.options.reduce:
        return None
    return Finding(
        f"The felony HS {k} conviction {where(c.ref)}: HS {k} is in the county's reduce list "
        "(baselineEligibility.reduce) and no dismissal rule applied.",
        reason=f"Reduce all HS {k} convictions",
    )


def otherwise(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding:
    k = section_of(c)
    return Finding(
        f"The felony HS {k} conviction {where(c.ref)}: HS {k} is in neither the dismiss nor the "
        "reduce list of the county's options and no dismissal rule applied."
    )


def _all_convictions(h: History) -> str:
    n = len(h.subject.convictions)
    return (
        "The subject's only conviction is"
        if n == 1
        else f"All {n} of the subject's convictions are"
    )


D, R = Outcome.ELIGIBLE_DISMISSAL, Outcome.ELIGIBLE_REDUCTION
NR = Outcome.NEEDS_REVIEW

# Which option switches each county-policy rule on (a rule that is off can never fire).
ENABLED: dict[str, Callable[[Options], bool]] = {
    "B2": lambda o: bool(o.dismiss),
    "B3": lambda o: o.subject_under_21_at_conviction,
    "B4": lambda o: o.subject_age_threshold != 0,
    "B5": lambda o: o.years_since_conviction_threshold != 0,
    "B6": lambda o: o.years_crime_free_threshold != 0,
    "B7": lambda o: o.subject_has_only_prop64_charges,
    "B8": lambda o: o.subject_is_deceased,
    "B9": lambda o: bool(o.reduce),
}

# fmt: off
TABLE: tuple[Rule, ...] = (
    Rule("B0", NR, "Conviction date unknown", CITE_DATE, date_unknown),
    Rule("B1", D, "Misdemeanor or Infraction", CITE_MISDEMEANOR, not_felony),
    Rule("B2", D, "Dismiss all HS K convictions", CITE_DISMISS_LIST, in_dismiss_list,
         enabled=ENABLED["B2"]),
    Rule("B3", D, "21 years or younger", _relief("subjectUnder21AtConviction"),
         under_21_at_conviction, enabled=ENABLED["B3"]),
    Rule("B4", D, "N years or older", _relief("subjectAgeThreshold"), age_threshold,
         enabled=ENABLED["B4"]),
    Rule("B5", D, "Conviction occurred N or more years ago",
         _relief("yearsSinceConvictionThreshold"), years_since_conviction, enabled=ENABLED["B5"]),
    Rule("B6", D, "No convictions in the past N years", _relief("yearsCrimeFreeThreshold"),
         crime_free, enabled=ENABLED["B6"]),
    Rule("B7", D, "Only has 11357-60 charges", _relief("subjectHasOnlyProp64Charges"),
         only_prop64, enabled=ENABLED["B7"]),
    Rule("B8", D, "Individual is deceased", _relief("subjectIsDeceased"), deceased,
         enabled=ENABLED["B8"]),
    Rule("B9", R, "Reduce all HS K convictions", CITE_REDUCE_LIST, in_reduce_list,
         enabled=ENABLED["B9"]),
    Rule("B10", NR, "Section in neither the dismiss nor the reduce list", CITE_NEITHER,
         otherwise),
)
# fmt: on
