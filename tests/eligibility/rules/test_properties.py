"""Rules spec §1, §3: invariants over random synthetic histories (hypothesis)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.doj.sections import parse_code_section
from eligibility.model import Conviction, Level, Outcome, Registration, RowRef, Subject
from eligibility.rules import RULE_SETS, evaluate, validate_options

T = dt.date(2020, 7, 1)
TEXTS = ["11357(A) HS", "11358 HS", "11359(D) HS", "11360 HS", "664/11359 HS", "11357.5 HS",
         "187 PC", "246 PC", "186.22(B)(4) PC", "288(A) PC", "148 PC", "459 PC"]  # fmt: skip
SECTIONS = {t: parse_code_section(t) for t in TEXTS}
OPTIONS = {
    "statutory": validate_options("statutory", {"priorTiming": "beforeComputeDate"}),
    "bear": validate_options(
        "bear",
        {
            "baselineEligibility": {"dismiss": ["11357"], "reduce": ["11359"]},
            "additionalRelief": {"subjectAgeThreshold": 50, "yearsCrimeFreeThreshold": 5},
        },
    ),
    "la_pilot_2019": validate_options("la_pilot_2019", None),
}

dates = st.one_of(st.none(), st.dates(dt.date(1985, 1, 1), dt.date(2021, 12, 31)))
convictions = st.tuples(
    st.sampled_from(TEXTS),
    dates,
    st.sampled_from(list(Level)),
    st.sampled_from(["LOS ANGELES", "ORANGE", None]),
    st.sampled_from(["101002001000", "101002002000", "102002001000", "", "103"]),
    st.integers(0, 12),
)


@st.composite
def subjects(draw: st.DrawFn) -> list[Subject]:
    people = []
    line = 2
    for n in range(draw(st.integers(1, 4))):
        rows = []
        for text, date, level, county, cnt, years in draw(st.lists(convictions, max_size=6)):
            end = None if date is None else date + dt.timedelta(days=365 * years)
            rows.append(
                Conviction(
                    ref=RowRef(1 + line % 2, line),
                    cnt_order=cnt,
                    cycle=cnt[:3] or None,
                    court_case=cnt[:6] if len(cnt) >= 6 else None,
                    date=date,
                    level=level,
                    county=county,
                    section=SECTIONS[text],
                    offense_text=text,
                    sentence_end=end,
                )
            )
            line += 1
        regs = ()
        if draw(st.booleans()):
            regs = (Registration(RowRef(1, 9000 + n), draw(dates), SECTIONS["288(A) PC"]),)  # type: ignore[arg-type]
        dob = draw(st.one_of(st.none(), st.dates(dt.date(1940, 1, 1), dt.date(2000, 1, 1))))
        people.append(Subject(f"S{n}", "SYNTHETIC", "", dob, None, False, tuple(rows), regs))
    return people


@settings(max_examples=60, deadline=None)
@given(subjects(), st.sampled_from(sorted(RULE_SETS)))
def test_one_determination_per_relevant_conviction(people: list[Subject], rule_set: str) -> None:
    found = evaluate(people, county="LOS ANGELES", compute_at=T, rule_set=rule_set,
                     options=OPTIONS[rule_set])  # fmt: skip
    relevant = sorted(
        c.ref for s in people for c in s.convictions
        if c.county == "LOS ANGELES" and c.prop64_section is not None
    )  # fmt: skip
    assert [d.conviction_ref for d in found] == relevant
    for d in found:
        eligible = d.outcome in (Outcome.ELIGIBLE_DISMISSAL, Outcome.ELIGIBLE_REDUCTION)
        assert (d.remedy is not None) == eligible
        assert bool(d.remedy_citation) == eligible
        assert d.rule_id.startswith(rule_set + ".")
        assert d.explanation
        assert d.evidence[0].role == "conviction"
        assert d.evidence[0].ref == d.conviction_ref
        if rule_set == "la_pilot_2019":
            assert d.outcome is not Outcome.ELIGIBLE_REDUCTION
    again = evaluate(list(reversed(people)), county="LOS ANGELES", compute_at=T,
                     rule_set=rule_set, options=OPTIONS[rule_set])  # fmt: skip
    assert again == found
