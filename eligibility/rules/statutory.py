"""Rule set ``statutory`` 1.0.0, the default (rules spec §5): the statute as written.

H&S 11361.8(a), (e) give relief for convictions entered before Prop 64 took effect on
2016-11-09; misdemeanors and infractions are dismissed and sealed (11361.8(e)-(f), 11361.9).
A felony under H&S 11358, 11359 or 11360 stays a felony when the person has a prior superstrike
(PC 667(e)(2)(C)(iv); 11358(d)(1), 11359(c)(1), 11360(a)(3)(A)), a prior PC 290(c) offence or
registration, or two prior convictions of the same section (11358(d)(2), 11359(c)(2),
11360(a)(3)(B)); H&S 11357 has no such carve-out. "Prior" follows the ``priorTiming`` option
(§2). Subsections that Prop 64 kept as felonies (11359(c)(3), 11359(d), 11360(a)(3)(C)-(D))
need a human (S9). Then the county's choices, S10..S18 = B2..B10 of ``bear``.

Choices where the spec is silent:

1. S7 counts a court case once however many counts it has; a same-section conviction in the
   conviction's own court case is never a prior. S8's "would fire" adds the distinct court cases
   of unknown-dated same-section convictions to the known prior cases.
2. S8's citation is the one of the first of S5, S6, S7 that would fire.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from eligibility.doj.sections import subsection_path
from eligibility.model import Conviction, Evidence, Level, Outcome
from eligibility.rules import bear
from eligibility.rules.decisions import (
    LEVEL_WORDS,
    POLICY_WORDS,
    Context,
    Finding,
    Rule,
    event_list,
    same_section_cases,
    section_of,
    split_events,
    this_conviction,
)
from eligibility.rules.history import Event, History, iso, where
from eligibility.rules.options import BEFORE_COMPUTE_DATE

PROP64_EFFECTIVE = dt.date(2016, 11, 9)
PROP64_DATE_TEXT = "11/09/2016"
CARVE_OUT = ("11358", "11359", "11360")
CITE_AFTER = "H&S 11361.8(a), (e)"
CITE_SUPERSTRIKE = {
    "11358": "H&S 11358(d)(1); PC 667(e)(2)(C)(iv)",
    "11359": "H&S 11359(c)(1); PC 667(e)(2)(C)(iv)",
    "11360": "H&S 11360(a)(3)(A); PC 667(e)(2)(C)(iv)",
}
CITE_PC290 = {
    "11358": "H&S 11358(d)(1); PC 290(c)",
    "11359": "H&S 11359(c)(1); PC 290(c)",
    "11360": "H&S 11360(a)(3)(A); PC 290(c)",
}
CITE_TWO_PRIORS = {
    "11358": "H&S 11358(d)(2)",
    "11359": "H&S 11359(c)(2)",
    "11360": "H&S 11360(a)(3)(B)",
}
CITE_KEPT_FELONY = "H&S 11359(c)(3), 11359(d), 11360(a)(3)(C), 11360(a)(3)(D)"
KEPT_FELONY = {
    ("11359", "(C)(3)"): "HS 11359(c)(3) (use of a person 20 years of age or younger)",
    ("11359", "(D)"): "HS 11359(d) (sale to a minor)",
    ("11360", "(A)(3)(C)"): "HS 11360(a)(3)(C) (sale or furnishing to a minor)",
    ("11360", "(A)(3)(D)"): "HS 11360(a)(3)(D) (import or export of more than 28.5 grams)",
}


def _prior_clause(c: Conviction, ctx: Context) -> str:
    if ctx.policy == BEFORE_COMPUTE_DATE:
        return f"before the compute date {iso(ctx.t)}"
    return f"before {this_conviction(c)}"


def _evidence(events: list[Event]) -> tuple[Evidence, ...]:
    return tuple(ev for e in events for ev in e.evidence)


def after_prop64(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    if c.date is None or c.date < PROP64_EFFECTIVE:
        return None
    return Finding(
        f"Convicted {iso(c.date)} {where(c.ref)}, on or after {PROP64_DATE_TEXT} when Prop 64 "
        "took effect; H&S 11361.8 relieves convictions entered before that date."
    )


def misdemeanor(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    if c.level not in (Level.MISDEMEANOR, Level.INFRACTION):
        return None
    return Finding(f"The HS {section_of(c)} conviction {where(c.ref)} is {LEVEL_WORDS[c.level]}.")


def level_unknown(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    if c.level is not Level.UNKNOWN:
        return None
    return Finding(
        f"The level of the conviction {where(c.ref)} is unknown (neither CONV_STAT_DESCR nor "
        "OFFENSE_TOC names felony, misdemeanor or infraction); check the court record."
    )


def prior_superstrike(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    return _prior_event(h.superstrikes, c, ctx, CITE_SUPERSTRIKE)


def prior_pc290(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    return _prior_event(h.pc290, c, ctx, CITE_PC290)


def _prior_event(
    events: tuple[Event, ...], c: Conviction, ctx: Context, citations: Mapping[str, str]
) -> Finding | None:
    """S5/S6: a superstrike or PC 290 event prior under the policy keeps 11358-11360 a felony."""
    k = section_of(c)
    if not events or k not in CARVE_OUT:
        return None
    prior, _, _ = split_events(events, c, ctx)
    if not prior:
        return None
    return Finding(
        f"{event_list(prior)}: {_prior_clause(c, ctx)}; prior timing: {ctx.policy_words}.",
        _evidence(prior),
        citation=citations[k],
    )


def two_prior_cases(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    k = section_of(c)
    if k not in CARVE_OUT:
        return None
    prior, _ = same_section_cases(c, h, ctx)
    if len(prior) < 2:
        return None
    listed = "; ".join(f"{iso(p.date)} {where(p.ref)}" for p in prior)
    return Finding(
        f"Prior HS {k} convictions in {len(prior)} other court cases ({listed}): "
        f"{_prior_clause(c, ctx)}; prior timing: {ctx.policy_words}.",
        tuple(Evidence("prior_same_section", p.ref) for p in prior),
        citation=CITE_TWO_PRIORS[k],
    )


def unknown_dated_prior(
    c: Conviction, h: History, ctx: Context, notes: list[str]
) -> Finding | None:
    k = section_of(c)
    if k not in CARVE_OUT:
        return None
    if not (h.superstrikes or h.pc290 or h.unknown_dates):
        notes.append(_no_disqualifier(k, ctx))
        return None  # nothing with an unknown date could be prior
    _, strikes, _ = split_events(h.superstrikes, c, ctx)
    _, pc290, _ = split_events(h.pc290, c, ctx)
    prior, unknown = same_section_cases(c, h, ctx)
    cases = unknown if unknown and len(prior) + len(unknown) >= 2 else []
    if not (strikes or pc290 or cases):
        notes.append(_no_disqualifier(k, ctx))
        return None
    parts = [e.words for e in (*strikes, *pc290)]
    parts += [f"HS {k} conviction {where(u.ref)} with unknown date" for u in cases]
    if cases and prior:
        parts.append(
            "with the prior HS "
            + k
            + " case(s) "
            + "; ".join(f"{iso(p.date)} {where(p.ref)}" for p in prior)
        )
    citation = CITE_SUPERSTRIKE[k] if strikes else CITE_PC290[k] if pc290 else CITE_TWO_PRIORS[k]
    evidence = [ev for e in (*strikes, *pc290) for ev in e.evidence]
    evidence += [Evidence("prior_same_section", u.ref) for u in (*prior, *cases)]
    return Finding(
        f"{'; '.join(parts)}: would disqualify if prior ({ctx.policy_words}), but the date is "
        "unknown; check the record.",
        tuple(evidence),
        citation=citation,
    )


def _no_disqualifier(k: str, ctx: Context) -> str:
    """The note that S5-S8 were checked and none applies (named facts, §3.1)."""
    return _NO_DISQUALIFIER[(k, ctx.policy)]


_NO_DISQUALIFIER = {
    (k, policy): (
        f"No prior superstrike, PC 290 offense or registration, or prior HS {k} convictions in "
        f"two other court cases (prior timing: {words})."
    )
    for k in CARVE_OUT
    for policy, words in POLICY_WORDS.items()
}


def kept_felony(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    k = section_of(c)
    if k not in ("11359", "11360") or c.section is None or c.section.primary is None:
        return None
    primary = c.section.primary
    if not primary.subsections and not primary.suffix:
        return None
    path = subsection_path(primary)
    for (section, prefix), words in KEPT_FELONY.items():
        if section == k and path.startswith(prefix):
            return Finding(
                f"The record names {words}, conduct that Prop 64 kept as a felony. That "
                "subsection did not exist in the numbering in force before 11/9/2016, when this "
                "conviction was entered, so the label was applied later or is an error; check "
                "the court record."
            )
    return None


D, R = Outcome.ELIGIBLE_DISMISSAL, Outcome.ELIGIBLE_REDUCTION
NE, NR = Outcome.NOT_ELIGIBLE, Outcome.NEEDS_REVIEW
B = {rule.id: rule for rule in bear.TABLE}

# fmt: off
TABLE: tuple[Rule, ...] = (
    Rule("S1", NR, "Conviction date unknown", bear.CITE_DATE, bear.date_unknown),
    Rule("S2", NE, "Convicted on or after 11/09/2016", CITE_AFTER, after_prop64),
    Rule("S3", D, "Misdemeanor or Infraction", bear.CITE_MISDEMEANOR, misdemeanor),
    Rule("S4", NR, "Felony or misdemeanor status unknown", bear.CITE_DATE, level_unknown),
    Rule("S5", NE, "Prior superstrike conviction", "PC 667(e)(2)(C)(iv)", prior_superstrike),
    Rule("S6", NE, "Prior PC 290 offense or registration", "PC 290(c)", prior_pc290),
    Rule("S7", NE, "Two or more prior convictions of the same section",
         "H&S 11358(d)(2); 11359(c)(2); 11360(a)(3)(B)", two_prior_cases),
    Rule("S8", NR, "Possible disqualifying prior with unknown date", "PC 667(e)(2)(C)(iv)",
         unknown_dated_prior),
    Rule("S9", NR, "Subsection kept as a felony by Prop 64", CITE_KEPT_FELONY, kept_felony),
    # S10..S18 = B2..B10 of bear: same conditions, options, reasons and citations.
    Rule("S10", D, B["B2"].reason, B["B2"].citation, bear.in_dismiss_list,
         enabled=bear.ENABLED["B2"]),
    Rule("S11", D, B["B3"].reason, B["B3"].citation, bear.under_21_at_conviction,
         enabled=bear.ENABLED["B3"]),
    Rule("S12", D, B["B4"].reason, B["B4"].citation, bear.age_threshold,
         enabled=bear.ENABLED["B4"]),
    Rule("S13", D, B["B5"].reason, B["B5"].citation, bear.years_since_conviction,
         enabled=bear.ENABLED["B5"]),
    Rule("S14", D, B["B6"].reason, B["B6"].citation, bear.crime_free,
         enabled=bear.ENABLED["B6"]),
    Rule("S15", D, B["B7"].reason, B["B7"].citation, bear.only_prop64,
         enabled=bear.ENABLED["B7"]),
    Rule("S16", D, B["B8"].reason, B["B8"].citation, bear.deceased,
         enabled=bear.ENABLED["B8"]),
    Rule("S17", R, B["B9"].reason, B["B9"].citation, bear.in_reduce_list,
         enabled=bear.ENABLED["B9"]),
    Rule("S18", NR, B["B10"].reason, B["B10"].citation, bear.otherwise),
)
# fmt: on
