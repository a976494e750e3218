"""The three Prop 64 rule sets and their entry points (rules spec §1-§7).

* ``statutory`` (default): H&S 11361.8 / 11361.9 as written (`eligibility.rules.statutory`);
* ``bear``: Code for America's statewide configurable flow (`eligibility.rules.bear`);
* ``la_pilot_2019``: the Los Angeles pilot flow (`eligibility.rules.la_pilot_2019`).

`evaluate` gives every relevant conviction (evaluation county and Prop 64 section, §1) exactly one
`Determination`, in upload order of the convictions' primary rows, whatever the order of the
subjects it is given. Each subject's history is summarised once (`history.build_history`) and list
matching is cached per code section, so the cost is linear in the number of convictions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from eligibility.doj.counties import normalise_county
from eligibility.lists import Lists, load_default_lists
from eligibility.model import Conviction, Determination, Subject
from eligibility.rules import bear, la_pilot_2019, statutory
from eligibility.rules.decisions import VERSION, Context, Rule, determine, paused_gc
from eligibility.rules.history import History, build_history
from eligibility.rules.options import (
    BEFORE_COMPUTE_DATE,
    BEFORE_CONVICTION,
    PROP64_SECTIONS,
    Options,
    OptionsError,
    validate_options,
)

__all__ = [
    "BEFORE_COMPUTE_DATE",
    "BEFORE_CONVICTION",
    "RULE_SETS",
    "Options",
    "OptionsError",
    "RuleSet",
    "SubjectFacts",
    "evaluate",
    "relevant_convictions",
    "subject_facts",
    "validate_options",
]


@dataclass(frozen=True, slots=True)
class RuleSet:
    name: str
    version: str
    table: tuple[Rule, ...]

    def prior_timing(self, options: Options) -> str:
        """The policy recorded on determinations: option (statutory), fixed (la), '' (bear)."""
        if self.name == "statutory":
            return options.prior_timing or BEFORE_CONVICTION
        if self.name == "la_pilot_2019":
            return BEFORE_CONVICTION
        return ""


RULE_SETS: Mapping[str, RuleSet] = {
    "statutory": RuleSet("statutory", VERSION, statutory.TABLE),
    "bear": RuleSet("bear", VERSION, bear.TABLE),
    "la_pilot_2019": RuleSet("la_pilot_2019", VERSION, la_pilot_2019.TABLE),
}


def _county(county: str) -> str:
    canonical = normalise_county(county)
    if canonical is None:
        raise ValueError("Unknown county: use one of the 58 California counties")
    return canonical


def relevant_convictions(subject: Subject, county: str) -> list[Conviction]:
    """The subject's convictions in `county` (canonical) with a Prop 64 section (§1)."""
    return [c for c in subject.convictions if c.county == county and c.prop64_section is not None]


def evaluate(
    subjects: Iterable[Subject],
    *,
    county: str,
    compute_at: dt.date,
    rule_set: str,
    options: Options,
    lists: Lists | None = None,
    facts: dict[str, SubjectFacts] | None = None,
) -> list[Determination]:
    """One determination per relevant conviction, in upload order (spec §1, §3).

    With `facts`, also fills it with the `subject_facts` of every subject that has a relevant
    conviction, from the history the rules use (the export needs them; building each history
    again would cost a second pass over every subject).
    """
    if rule_set not in RULE_SETS:
        raise OptionsError(f'Unknown rule set "{rule_set}": use statutory, bear or la_pilot_2019')
    if options.rule_set != rule_set:
        raise OptionsError(f'The options were validated for rule set "{options.rule_set}"')
    chosen = RULE_SETS[rule_set]
    canonical = _county(county)
    lists = lists if lists is not None else load_default_lists()
    recorded = chosen.prior_timing(options)
    ctx = Context(
        rule_set=rule_set,
        county=canonical,
        t=compute_at,
        options=options,
        lists=lists,
        policy=recorded or BEFORE_CONVICTION,
        prior_timing=recorded,
        labels=lists.labels,
    )
    table = tuple(rule for rule in chosen.table if rule.applies(options))
    with paused_gc():
        return _evaluate(subjects, canonical, lists, table, ctx, facts)


def _evaluate(
    subjects: Iterable[Subject],
    canonical: str,
    lists: Lists,
    table: tuple[Rule, ...],
    ctx: Context,
    facts: dict[str, SubjectFacts] | None,
) -> list[Determination]:
    out: list[Determination] = []
    classify_all = lists.classify_all
    append = out.append
    for subject in subjects:
        convictions = subject.convictions
        classes = classify_all([c.section for c in convictions])
        relevant = [
            c
            for c, cls in zip(convictions, classes, strict=True)
            if cls.prop64 is not None and c.county == canonical
        ]
        if not relevant:
            continue
        history = build_history(subject, lists, classes, ctx.t)
        if facts is not None:
            facts[subject.subject_id] = subject_facts(subject, lists, history)
        for c in relevant:
            append(determine(table, c, history, ctx))
    out.sort(key=lambda d: (d.conviction_ref.file, d.conviction_ref.line))
    return out


@dataclass(frozen=True, slots=True)
class SubjectFacts:
    """Subject-wide values of the compatible columns (spec §9.1, columns 2, 5-7, 10-16)."""

    superstrike_text: str  # column 5 without placeholder: spans then gang pairs, ';'-joined
    pc290_text: str  # column 6 without placeholder
    pc290_registration: bool  # column 7
    convictions: int  # column 2
    prop64_convictions: int  # column 11, any county
    by_section: Mapping[str, int]  # columns 12-15: '11357'..'11360' → count, any county
    latest_conviction_date: dt.date | None  # column 10: latest known date
    deceased: bool  # column 16

    @property
    def superstrike_column(self) -> str:
        return self.superstrike_text or "-"

    @property
    def pc290_column(self) -> str:
        return self.pc290_text or "-"

    @property
    def registration_column(self) -> str:
        return "Yes" if self.pc290_registration else "-"


def subject_facts(subject: Subject, lists: Lists, history: History | None = None) -> SubjectFacts:
    """The compatible columns that depend on the whole subject (spec §9.1, §7.3).

    None of them depends on the compute date: a history built with one gives the same facts.
    """
    h = history if history is not None else build_history(subject, lists)
    strikes = [_span(c) for c in h.superstrike_convictions] + [p.text for p in h.gang_pairs]
    return SubjectFacts(
        superstrike_text=";".join(strikes),
        pc290_text=";".join(_span(c) for c in h.pc290_convictions),
        pc290_registration=bool(subject.registrations),
        convictions=len(subject.convictions),
        prop64_convictions=h.prop64_count,
        by_section={k: len(h.prop64_by_section.get(k, ())) for k in PROP64_SECTIONS},
        latest_conviction_date=h.latest.date if h.latest is not None else None,
        deceased=subject.deceased,
    )


def _span(c: Conviction) -> str:
    return c.section.display if c.section is not None else c.offense_text
