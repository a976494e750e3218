"""The machinery shared by the three decision tables (rules spec §2, §3).

A rule set is a tuple of `Rule`s tried in order; the first whose test returns a `Finding` decides
(§4.2, §5.2, §6.2). A test that cannot decide because a fact is unknown (DOB, a date) does not
fire and adds a note naming the missing fact to the explanation (§2). This module also builds the
flags (§3.4), the remedy (§3.3, H&S 11361.8(a)-(b), (e)-(f)) and the compatible strings (§3.2)
and assembles the `Determination` (§3.1).

Choices where the spec is silent:

1. `related_charge_in_cycle` is written ``related_charge_in_cycle(148(A)(1) PC, 11364 HS)``: the
   display spans of the related convictions of the same cycle, upload order.
2. Evidence always holds the conviction, its sentence-part rows, every row a rule or flag used
   (DOB, disqualifying events, priors, most recent conviction, DECEASED row, related charges).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from eligibility.doj.dates import add_years
from eligibility.lists import Lists
from eligibility.model import (
    Conviction,
    Determination,
    Evidence,
    Level,
    Outcome,
    Remedy,
    new_determination,
    new_evidence,
)
from eligibility.rules.history import Event, History, iso, where
from eligibility.rules.options import BEFORE_COMPUTE_DATE, BEFORE_CONVICTION, Options

VERSION = "1.0.0"

CITE_RECALL = "H&S 11361.8(a)\u2013(b)"
CITE_PETITION = "H&S 11361.8(e)\u2013(f)"

COMPAT: dict[Outcome, str] = {
    Outcome.ELIGIBLE_DISMISSAL: "Eligible for Dismissal",
    Outcome.ELIGIBLE_REDUCTION: "Eligible for Reduction",
    Outcome.NOT_ELIGIBLE: "Not eligible",
    Outcome.NEEDS_REVIEW: "Hand Review",
}

POLICY_WORDS = {
    BEFORE_CONVICTION: "before this conviction",
    BEFORE_COMPUTE_DATE: "any time before the compute date",
}


@dataclass(frozen=True, slots=True)
class Context:
    """Everything that is the same for every conviction of one evaluation."""

    rule_set: str
    county: str
    t: dt.date
    options: Options
    lists: Lists
    policy: str  # prior timing in force for decisions and flags (bear, la: beforeConviction)
    prior_timing: str  # as recorded on determinations ('' for bear)
    labels: tuple[str, ...] = ()  # lists.labels, computed once
    # one tuple per distinct flag list of this evaluation (determinations hold them, R18)
    flag_tuples: dict[tuple[str, ...], tuple[str, ...]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def years_ago(self, n: int) -> dt.date:
        """add_years(t, -n)."""
        return birthday(self.t, -n)

    @property
    def policy_words(self) -> str:
        return POLICY_WORDS[self.policy]


@dataclass(slots=True)  # not frozen: built once per conviction, construction is the hot path
class Finding:
    """Why a rule fired: explanation, evidence, and the reason/citation when they carry values."""

    explanation: str
    evidence: tuple[Evidence, ...] = ()
    reason: str = ""  # '' → the rule's fixed reason
    citation: str = ""  # '' → the rule's citation


Test = Callable[[Conviction, History, Context, list[str]], Finding | None]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str  # e.g. 'B3'; the determination's rule_id is '<rule set>.<id>'
    outcome: Outcome
    reason: str  # exact reason; N / K placeholders are filled in by the finding
    citation: str
    test: Test
    compat: str = ""  # '' → COMPAT[outcome]
    # False when the options switch the rule off (it could never fire); None = always on.
    enabled: Callable[[Options], bool] | None = None

    def applies(self, options: Options) -> bool:
        return self.enabled is None or self.enabled(options)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector around allocation-heavy passes over an upload.

    Evaluation and statistics allocate millions of small acyclic objects; each automatic
    collection would walk the whole upload again (measured: up to half the time). Reference
    counting still frees everything; the collector's previous state is restored.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@functools.lru_cache(maxsize=1 << 16)
def birthday(d: dt.date, years: int) -> dt.date:
    """add_years (rules §2, Feb 29 → Mar 1), cached: the same DOBs and t recur on every row."""
    return add_years(d, years)


# -- shared facts (§2) ---------------------------------------------------------------------


def section_of(c: Conviction) -> str:
    """K: the conviction's Prop 64 section (only relevant convictions reach the rules).

    For a Prop 64 section K is its primary statute number (DOJ §4.8); reading it directly
    keeps the hot path free of property calls.
    """
    section = c.section
    return section.statutes[0].number if section is not None and section.statutes else ""


def is_prior(d: dt.date, c: Conviction, ctx: Context) -> bool:
    """The event date is prior under the policy in force (§2)."""
    if ctx.policy == BEFORE_COMPUTE_DATE:
        return d < ctx.t
    return c.date is not None and d < c.date


def split_events(
    events: tuple[Event, ...], c: Conviction, ctx: Context
) -> tuple[list[Event], list[Event], list[Event]]:
    """(prior, unknown-dated, dated but not prior) events other than `c` itself."""
    prior: list[Event] = []
    unknown: list[Event] = []
    later: list[Event] = []
    for e in events:
        if e.source is c:
            continue
        if e.date is None:
            unknown.append(e)
        elif is_prior(e.date, c, ctx):
            prior.append(e)
        else:
            later.append(e)
    return prior, unknown, later


def same_section_cases(
    c: Conviction, h: History, ctx: Context
) -> tuple[list[Conviction], list[Conviction]]:
    """Statutory S7: (one prior conviction per distinct other court case, unknown-dated others).

    A conviction without a court case is a case of its own (DOJ §4.3). A case with a known
    prior conviction is not counted again as unknown.
    """
    group = h.prop64_by_section.get(section_of(c), ())
    if len(group) < 2:
        return [], []
    seen: set[object] = set()
    prior: list[Conviction] = []
    undated: list[Conviction] = []
    own = c.court_case
    for other in group:
        if other is c or (own is not None and other.court_case == own):
            continue
        if other.date is None:
            undated.append(other)
            continue
        key: object = other.court_case if other.court_case is not None else other.ref
        if key not in seen and is_prior(other.date, c, ctx):
            seen.add(key)
            prior.append(other)
    unknown: list[Conviction] = []
    for other in undated:
        key = other.court_case if other.court_case is not None else other.ref
        if key not in seen:
            seen.add(key)
            unknown.append(other)
    return prior, unknown


def same_section_counts(c: Conviction, h: History) -> tuple[list[Conviction], list[Conviction]]:
    """la_pilot_2019 L6: (other counts of K dated before c, other counts with unknown dates)."""
    group = h.prop64_by_section.get(section_of(c), ())
    if len(group) < 2:
        return [], []
    prior: list[Conviction] = []
    unknown: list[Conviction] = []
    for other in group:
        if other is c:
            continue
        if other.date is None:
            unknown.append(other)
        elif c.date is not None and other.date < c.date:
            prior.append(other)
    return prior, unknown


def event_list(events: list[Event]) -> str:
    return "; ".join(e.words for e in events)


def conviction_words(c: Conviction) -> str:
    return f"{iso(c.date)} {where(c.ref)}"


def this_conviction(c: Conviction) -> str:
    return f"this conviction of {iso(c.date)} {where(c.ref)}"


def serving(c: Conviction, t: dt.date) -> bool:
    return c.sentence_end is not None and c.sentence_end > t


# -- flags (§3.4) ---------------------------------------------------------------------------


def flags_for(
    c: Conviction, h: History, ctx: Context
) -> tuple[tuple[str, ...], list[Evidence], list[str]]:
    """(flags, evidence rows, explanation notes) of a relevant conviction."""
    flags: list[str] = []
    evidence: list[Evidence] = []
    notes: list[str] = []
    subject = h.subject
    if c.possible_other_prop64_charge:
        flags.append("possible_other_prop64_charge")
    if c.cycle is not None and c.cycle in h.related_by_cycle:
        related = [r for r in h.related_by_cycle[c.cycle] if r is not c]
        if related:
            spans = ", ".join(r.section.display if r.section else r.offense_text for r in related)
            flags.append(f"related_charge_in_cycle({spans})")
            evidence.extend(Evidence("related_charge", r.ref) for r in related)
    if subject.deceased_ref is not None:
        flags.append("deceased")
        evidence.append(Evidence("deceased", subject.deceased_ref))
    if serving(c, ctx.t):
        flags.append("currently_serving")
    section = c.section
    if section is not None:
        # Prop 64 statute with code letters other than HS (DOJ §4.8); c is Prop 64 here.
        if section.code and section.code != "HS":
            flags.append("unexpected_code_letters")
        if section.attempt:
            flags.append("attempt")
        if section.conspiracy:
            flags.append("conspiracy")
    if h.superstrikes or h.pc290:
        events = (*h.superstrikes, *h.pc290)
        prior, _unknown, later = split_events(events, c, ctx)
        if later:
            flags.append("later_disqualifier")
            for e in later:
                evidence.extend(e.evidence)
            notes.append(
                f"{event_list(later)}: not prior to {this_conviction(c)} under the prior "
                f"timing in force ({ctx.policy_words}), so not a disqualifier."
            )
        if prior and section_of(c) == "11357":
            flags.append("disqualifier_not_applicable")
            for e in prior:
                evidence.extend(e.evidence)
            notes.append(
                f"{event_list(prior)}: prior ({ctx.policy_words}) but H&S 11357 has no "
                "felony carve-out, so it does not apply."
            )
    if c.conviction_offense_differs:
        flags.append("conviction_offense_differs")
    if c.conflicting_count:
        flags.append("conflicting_count")
    if subject.dob is None:
        flags.append("dob_unknown")
    elif c.date is not None and c.date < subject.dob:
        flags.append("conviction_before_dob")
    if subject.dob_conflict:
        flags.append("dob_conflict")
    return tuple(flags), evidence, notes


# -- assembly -------------------------------------------------------------------------------


def remedy_for(outcome: Outcome, c: Conviction, t: dt.date) -> tuple[Remedy | None, str]:
    """§3.3: recall while the sentence is being served, else dismiss/seal or redesignate."""
    if outcome is Outcome.NOT_ELIGIBLE or outcome is Outcome.NEEDS_REVIEW:
        return None, ""
    end = c.sentence_end
    if end is not None and end > t:
        return REMEDIES[(outcome, True)], CITE_RECALL
    return REMEDIES[(outcome, False)], CITE_PETITION


REMEDIES: dict[tuple[Outcome, bool], Remedy] = {  # (outcome, currently serving) → remedy
    (Outcome.ELIGIBLE_DISMISSAL, True): Remedy.RECALL_AND_DISMISS,
    (Outcome.ELIGIBLE_REDUCTION, True): Remedy.RECALL_AND_RESENTENCE,
    (Outcome.ELIGIBLE_DISMISSAL, False): Remedy.DISMISS_AND_SEAL,
    (Outcome.ELIGIBLE_REDUCTION, False): Remedy.REDESIGNATE,
}


def decide(
    table: tuple[Rule, ...], c: Conviction, h: History, ctx: Context
) -> tuple[Rule, Finding, list[str]]:
    notes: list[str] = []
    for rule in table:
        finding = rule.test(c, h, ctx, notes)
        if finding is not None:
            return rule, finding, notes
    raise AssertionError("every decision table ends with a rule that always fires")


def _shared(text: str) -> str:
    """`text` as one shared object per distinct value (the interpreter's intern table)."""
    return sys.intern(text)


def determine(table: tuple[Rule, ...], c: Conviction, h: History, ctx: Context) -> Determination:
    """The determination of one relevant conviction (§3.1)."""
    rule, finding, notes = decide(table, c, h, ctx)
    flags, flag_evidence, flag_notes = flags_for(c, h, ctx)
    ref = c.ref
    evidence = [new_evidence("conviction", ref)]
    for part in c.sentence_parts:
        other = part.ref
        if other is not ref and (other.line != ref.line or other.file != ref.file):
            evidence.append(new_evidence("sentence_part", other))
    if finding.evidence or flag_evidence:
        evidence.extend(finding.evidence)
        evidence.extend(flag_evidence)
        unique = tuple(dict.fromkeys(evidence))
    else:  # the conviction and its sentence parts are distinct rows already
        unique = tuple(evidence)
    explanation = finding.explanation
    if flag_notes or len(notes) > 1:
        explanation = " ".join([explanation, *dict.fromkeys(notes), *flag_notes])
    elif notes:
        explanation = explanation + " " + notes[0]
    remedy, remedy_citation = remedy_for(rule.outcome, c, ctx.t)
    if remedy is Remedy.RECALL_AND_DISMISS or remedy is Remedy.RECALL_AND_RESENTENCE:
        explanation += (
            f" The sentence ends {iso(c.sentence_end)}, after the compute date {iso(ctx.t)}: "
            f"relief is by recall ({remedy_citation})."
        )
    # a few distinct values over hundreds of thousands of determinations: one object each
    reason = _shared(finding.reason or rule.reason)
    options = ctx.options
    # the bulk constructor (same frozen object, about twice as fast), positional: the field
    # order of model.Determination
    return new_determination(
        h.subject.subject_id,
        ref,
        rule.outcome,
        _shared(ctx.rule_set + "." + rule.id),  # rule_id
        reason,
        explanation,
        finding.citation or rule.citation,
        unique,  # evidence
        remedy,
        remedy_citation,
        ctx.flag_tuples.setdefault(flags, flags),
        ctx.rule_set,
        VERSION,  # rule_set_version
        options.canonical_json,
        options.digest,
        ctx.labels,  # lists
        ctx.prior_timing,
        ctx.t,  # compute_date
        ctx.county,
        rule.compat or COMPAT[rule.outcome],  # compat_determination
        reason,  # compat_reason
    )


LEVEL_WORDS = {
    Level.FELONY: "a felony",
    Level.MISDEMEANOR: "a misdemeanor",
    Level.INFRACTION: "an infraction",
    Level.UNKNOWN: "of unknown level",
}
