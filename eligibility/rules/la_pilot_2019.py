"""Rule set ``la_pilot_2019`` 1.0.0: the Los Angeles flow of Code for America's pilot tool
(``gogen_pilots``, October 2019), rules spec §6, with the date fixes of §6.3. It never reduces.

Law: H&S 11361.8(a), (e) (pre-Prop 64 convictions only, L2), the felony carve-outs of
H&S 11358(d), 11359(c), 11360(a)(3) with PC 667(e)(2)(C)(iv) and PC 290(c) (L4-L6u), and the
Los Angeles District Attorney's 2019 policy under H&S 11361.9(b) for everything else
(misdemeanors to the City Attorneys, L1; age, youth, completed sentences, years conviction-free,
deceased). "Before" is always the conviction's own date (prior timing ``beforeConviction``).

Choices where the spec is silent:

1. L6 counts other counts of section K of any county and court case dated before the
   conviction; L6u fires when those plus the unknown-dated ones would reach two.
2. L9 and L10 look at every conviction of the subject, every county and section.
3. L11's evidence names the first conviction still being served: role ``conviction`` when it is
   this one, else ``sentence_part`` (its sentence is the fact used; §3.1 has no other role).
"""

from __future__ import annotations

from collections.abc import Mapping

from eligibility.model import Conviction, Evidence, Level, Outcome
from eligibility.rules import bear, statutory
from eligibility.rules.decisions import (
    LEVEL_WORDS,
    Context,
    Finding,
    Rule,
    birthday,
    event_list,
    same_section_counts,
    section_of,
    split_events,
    this_conviction,
)
from eligibility.rules.history import Event, History, dob_evidence, dob_where, iso, where

CITE_POLICY = "H&S 11361.9(b); Los Angeles DA policy (2019)"
CITY_ATTORNEYS = "To be reviewed by City Attorneys"


def not_felony(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    if c.level is Level.FELONY:
        return None
    return Finding(
        f"The HS {section_of(c)} conviction {where(c.ref)} is {LEVEL_WORDS[c.level]}; Los Angeles "
        "sends misdemeanors and infractions to the City Attorneys."
    )


def after_prop64(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    return statutory.after_prop64(c, h, ctx, notes)


def possession_a_or_b(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    section = c.section
    if section_of(c) != "11357" or section is None or section.primary is None:
        return None
    if section.attempt or section.conspiracy:
        return None
    subs = section.primary.subsections
    if not subs or subs[0] not in ("(A)", "(B)"):
        return None
    return Finding(
        f"HS 11357{subs[0].lower()} {where(c.ref)}: possession that Los Angeles dismisses."
    )


def other_possession(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    if section_of(c) != "11357":
        return None
    return Finding(
        f"HS 11357 {where(c.ref)} without a parenthesised (a) or (b) as the first subsection, "
        "or attempted or conspiracy: Los Angeles reviews it by hand."
    )


def prior_superstrike(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    return _prior_event(h.superstrikes, c, ctx, statutory.CITE_SUPERSTRIKE)


def prior_pc290(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    return _prior_event(h.pc290, c, ctx, statutory.CITE_PC290)


def _prior_event(
    events: tuple[Event, ...], c: Conviction, ctx: Context, citations: Mapping[str, str]
) -> Finding | None:
    """L4/L5: a superstrike or PC 290 event dated before this conviction (always)."""
    if not events:
        return None
    prior, _, _ = split_events(events, c, ctx)
    if not prior:
        return None
    return Finding(
        f"{event_list(prior)}: before {this_conviction(c)}; prior timing: {ctx.policy_words}.",
        tuple(ev for e in prior for ev in e.evidence),
        citation=citations[section_of(c)],
    )


def two_prior_counts(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    prior, _ = same_section_counts(c, h)
    if len(prior) < 2:
        return None
    k = section_of(c)
    listed = "; ".join(f"{iso(p.date)} {where(p.ref)}" for p in prior)
    return Finding(
        f"{len(prior)} other HS {k} convictions (counts) dated before {this_conviction(c)}: "
        f"{listed}; prior timing: {ctx.policy_words}.",
        tuple(Evidence("prior_same_section", p.ref) for p in prior),
        citation=statutory.CITE_TWO_PRIORS[k],
    )


NONE_BEFORE = {
    k: f"No superstrike, PC 290 event or two other HS {k} convictions before this conviction."
    for k in statutory.CARVE_OUT
}


def unknown_dated_prior(
    c: Conviction, h: History, ctx: Context, notes: list[str]
) -> Finding | None:
    k = section_of(c)
    none_before = NONE_BEFORE[k]
    if not (h.superstrikes or h.pc290 or h.unknown_dates):
        notes.append(none_before)
        return None  # nothing with an unknown date could be before c
    _, strikes, _ = split_events(h.superstrikes, c, ctx)
    _, pc290, _ = split_events(h.pc290, c, ctx)
    prior, unknown = same_section_counts(c, h)
    counts = unknown if unknown and len(prior) + len(unknown) >= 2 else []
    if not (strikes or pc290 or counts):
        notes.append(none_before)
        return None
    parts = [e.words for e in (*strikes, *pc290)]
    parts += [f"HS {k} conviction {where(u.ref)} with unknown date" for u in counts]
    citation = (
        statutory.CITE_SUPERSTRIKE[k]
        if strikes
        else statutory.CITE_PC290[k]
        if pc290
        else statutory.CITE_TWO_PRIORS[k]
    )
    evidence = [ev for e in (*strikes, *pc290) for ev in e.evidence]
    evidence += [Evidence("prior_same_section", u.ref) for u in (*prior, *counts)]
    return Finding(
        f"{'; '.join(parts)}: would disqualify if before this conviction, but the date is "
        "unknown; check the record.",
        tuple(evidence),
        citation=citation,
    )


def age(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    n = ctx.options.individual_dismiss_age
    dob = h.subject.dob
    if dob is None:
        notes.append("Date of birth unknown, so the age rules were not applied.")
        return None
    if not birthday(dob, n) <= ctx.t:
        return None
    return Finding(
        f"Born {iso(dob)}{dob_where(h)}, the subject is at least {n} years old on the compute "
        f"date {iso(ctx.t)}.",
        dob_evidence(h),
        reason=f"{n} years or older",
    )


def young(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    dob = h.subject.dob
    if dob is None or not ctx.t <= birthday(dob, 21):
        return None
    return Finding(
        f"Born {iso(dob)}{dob_where(h)}, the subject is 21 or younger on the compute date "
        f"{iso(ctx.t)} (21st birthday {iso(birthday(dob, 21))}).",
        dob_evidence(h),
    )


def only_prop64_completed(
    c: Conviction, h: History, ctx: Context, notes: list[str]
) -> Finding | None:
    if not h.only_prop64 or not h.all_completed:
        return None
    return Finding(
        f"{bear._all_convictions(h)} HS 11357\u201311360 and every sentence ended on or before "
        f"the compute date {iso(ctx.t)}."
    )


def conviction_free(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    y = ctx.options.years_conviction_free
    latest = h.most_recent
    if latest is None or latest.date is None:
        notes.append(
            "A conviction of the subject has an unknown date, so the conviction-free rule was "
            "not applied."
        )
        return None
    cutoff = ctx.years_ago(y)
    if latest.date > cutoff:
        return None
    return Finding(
        f"The subject's most recent conviction, {iso(latest.date)} {where(latest.ref)}, is on or "
        f"before {iso(cutoff)}, {y} years before the compute date {iso(ctx.t)}.",
        (Evidence("most_recent_conviction", latest.ref),),
        reason=f"No convictions in past {y} years",
    )


def serving_sentence(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    x = h.serving
    if x is None or x.sentence_end is None:
        return None
    return Finding(
        f"The sentence of the conviction {where(x.ref)} ends {iso(x.sentence_end)}, "
        f"after the compute date {iso(ctx.t)}.",
        (Evidence("conviction" if x is c else "sentence_part", x.ref),),
    )


def deceased(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding | None:
    ref = h.subject.deceased_ref
    if ref is None:
        return None
    return Finding(
        f"The subject is deceased: DECEASED row {where(ref)}.", (Evidence("deceased", ref),)
    )


def otherwise(c: Conviction, h: History, ctx: Context, notes: list[str]) -> Finding:
    dob = h.subject.dob
    age = ctx.options.individual_dismiss_age
    facts = []
    if dob is not None:
        facts.append(f"born {iso(dob)}{dob_where(h)}, the subject is under {age} and over 21")
    if not h.only_prop64:
        facts.append("has convictions other than HS 11357\u201311360")
    latest = h.most_recent
    if latest is not None:
        facts.append(
            f"was last convicted {iso(latest.date)} {where(latest.ref)}, within "
            f"{ctx.options.years_conviction_free} years of the compute date {iso(ctx.t)}"
        )
    detail = (": " + "; ".join(facts)) if facts else ""
    return Finding(f"No eligibility criterion of the Los Angeles policy applies{detail}.")


D = Outcome.ELIGIBLE_DISMISSAL
NE, NR = Outcome.NOT_ELIGIBLE, Outcome.NEEDS_REVIEW

# fmt: off
TABLE: tuple[Rule, ...] = (
    Rule("L0", NR, "Conviction date unknown", CITE_POLICY, bear.date_unknown),
    Rule("L1", NR, "Misdemeanor or Infraction", CITE_POLICY, not_felony, compat=CITY_ATTORNEYS),
    Rule("L2", NE, "Occurred after 11/09/2016", statutory.CITE_AFTER, after_prop64),
    Rule("L3a", D, "11357(a) or 11357(b)", CITE_POLICY, possession_a_or_b),
    Rule("L3b", NR, "Other 11357", CITE_POLICY, other_possession),
    Rule("L4", NE, "PC 667(e)(2)(c)(iv)", "PC 667(e)(2)(C)(iv)", prior_superstrike),
    Rule("L5", NE, "PC 290", "PC 290(c)", prior_pc290),
    Rule("L6", NE, "Two priors", "H&S 11358(d)(2); 11359(c)(2); 11360(a)(3)(B)",
         two_prior_counts),
    Rule("L6u", NR, "Possible disqualifying prior with unknown date", "PC 667(e)(2)(C)(iv)",
         unknown_dated_prior),
    Rule("L7", D, "A years or older", CITE_POLICY, age),
    Rule("L8", D, "21 years or younger", CITE_POLICY, young),
    Rule("L9", D, "Only has 11357-60 charges and completed sentence", CITE_POLICY,
         only_prop64_completed),
    Rule("L10", D, "No convictions in past Y years", CITE_POLICY, conviction_free),
    Rule("L11", NR, "Currently serving sentence", CITE_POLICY, serving_sentence),
    Rule("L12", D, "Deceased", CITE_POLICY, deceased),
    Rule("L13", NR, "No applicable eligibility criteria", CITE_POLICY, otherwise),
)
# fmt: on
