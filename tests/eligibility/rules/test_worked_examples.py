"""Rules spec §11: every worked example, for every rule set it names, end to end.

Each example is written as synthetic CSV rows (tests/eligibility/builders.py), read by the DOJ
reader and evaluated; the test checks outcome, reason, rule id, remedy, flags and the compatible
columns the spec states. Common to all: county LOS ANGELES, t = 2020-07-01, options "B1".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest

from eligibility.lists import load_default_lists
from eligibility.model import Determination, Outcome, Remedy, RowRef
from eligibility.rules import evaluate, subject_facts, validate_options
from tests.eligibility.rules.upload import write_upload

T = dt.date(2020, 7, 1)
B1 = {
    "baselineEligibility": {"dismiss": ["11357", "11358"], "reduce": ["11359", "11360"]},
    "additionalRelief": {
        "subjectUnder21AtConviction": True,
        "subjectAgeThreshold": 57,
        "yearsSinceConvictionThreshold": 10,
        "yearsCrimeFreeThreshold": 0,
        "subjectIsDeceased": True,
        "subjectHasOnlyProp64Charges": True,
    },
}
OPTIONS = {
    ("bear", "B1"): validate_options("bear", B1),
    ("statutory", "B1"): validate_options("statutory", {**B1, "priorTiming": "beforeConviction"}),
    ("la_pilot_2019", "B1"): validate_options(
        "la_pilot_2019", {"individualDismissAge": 50, "yearsConvictionFree": 10}
    ),
    ("bear", "crime-free 10"): validate_options(
        "bear",
        {
            "baselineEligibility": B1["baselineEligibility"],
            "additionalRelief": {
                **B1["additionalRelief"],  # type: ignore[dict-item]
                "yearsSinceConvictionThreshold": 0,
                "yearsCrimeFreeThreshold": 10,
            },
        },
    ),
    ("statutory", "beforeComputeDate"): validate_options(
        "statutory", {**B1, "priorTiming": "beforeComputeDate"}
    ),
    ("statutory", "reduce 11360"): validate_options(
        "statutory",
        {
            "baselineEligibility": {"dismiss": ["11357", "11358"], "reduce": ["11360"]},
            "additionalRelief": B1["additionalRelief"],
            "priorTiming": "beforeConviction",
        },
    ),
}

Row = tuple[str | None, dict[str, str]]  # (label of a conviction, DOJ fields)


def person(sid: str, name: str, dob: str) -> dict[str, str]:
    return {"SUBJECT_ID": sid, "PRI_NAME": name, "PRI_DOB": dob}


def conv(
    who: dict[str, str],
    offense: str,
    date: str,
    level: str,
    cnt: str,
    sentence: str = "",
    **extra: str,
) -> dict[str, str]:
    length, unit = ([*sentence.split(), "", ""])[:2] if sentence else ("", "")
    return {
        **who,
        "OFFENSE_DESCR": offense,
        "STP_EVENT_DATE": date,
        "CONV_STAT_DESCR": level,
        "CNT_ORDER": cnt,
        "SENT_LENGTH": length,
        "SENT_TIME_CODE": unit,
        **extra,
    }


F, M = "FELONY", "MISDEMEANOR"
ALDER = person("S01", "ALDER, JUNE", "19940915")
BRENNAN = person("S02", "BRENNAN, OTIS", "19750202")
CASTILLO = person("S03", "CASTILLO, REINA", "19800101")
DUARTE = person("S04", "DUARTE, PAZ", "19700606")
EKWUEME = person("S05", "EKWUEME, SOL", "19780303")
FONSECA = person("S06", "FONSECA, LEE", "19650202")
GARROWAY = person("S07", "GARROWAY, NELL", "19820202")
HOLLIS = person("S08", "HOLLIS, ROSA", "19901010")
IBARRA = person("S09", "IBARRA, TEO", "19800404")
JANSEN = person("S10", "JANSEN, ODA", "19701010")
KOVAC = person("S11", "KOVAC, MILA", "19850505")
LINDQVIST = person("S12", "LINDQVIST, ARNE", "19900101")
MORROW = person("S13", "MORROW, TESS", "19750303")
NAKAMURA = person("S14", "NAKAMURA, IVY", "19880808")
OKAFOR = person("S15", "OKAFOR, DEAN", "19660606")
PRUITT = person("S16", "PRUITT, CY", "19721212")

EXAMPLES: dict[str, list[list[Row]]] = {
    "ex1": [[
        ("a", conv(ALDER, "11359 HS-POSSESS FOR SALE", "20150914", F, "101002001000", "16 M")),
        ("b", conv(ALDER, "11360 HS-TRANSPORT MARIJUANA", "20150915", F, "102002001000", "3 Y")),
        ("c", conv(ALDER, "459 PC-BURGLARY", "20120105", M, "103002001000")),
    ]],
    "ex2": [[
        ("a", conv(BRENNAN, "11360 HS", "20100701", F, "101002001000")),
        ("b", conv(BRENNAN, "11359 HS", "20100702", F, "102002001000")),
        ("c", conv(BRENNAN, "10851 VC-TAKE VEHICLE", "20050505", F, "103002001000")),
    ]],
    "ex3": [[
        ("a", conv(CASTILLO, "11358 HS-CULTIVATE MARIJUANA", "20161108", F, "101002001000",
                   "2 Y")),
        ("b", conv(CASTILLO, "11358 HS-CULTIVATE MARIJUANA", "20161109", F, "102002001000",
                   "1 Y")),
    ]],
    "ex4": [[
        ("a", conv(DUARTE, "11359 HS", "20050404", F, "101002001000", "2 Y")),
        ("b", conv(DUARTE, "187(A) PC-MURDER", "20120808", F, "102002001000", "25 Y")),
    ]],
    "ex5": [[
        ("a", conv(EKWUEME, "246 PC-SHOOT AT DWELLING", "20010202", F, "101002001000")),
        ("b", conv(EKWUEME, "186.22(B)(4) PC-GANG", "20010202", F, "101002002000")),
        ("c", conv(EKWUEME, "11360 HS", "20030303", F, "102002001000")),
    ]],
    "ex6": [
        [
            ("a1", conv(FONSECA, "11359 HS", "19950505", F, "101002001000", "1 Y")),
            ("a2", conv(FONSECA, "11359 HS", "19950505", F, "101002002000", "1 Y")),
            ("b", conv(FONSECA, "11359 HS", "19980808", F, "102002001000", "1 Y")),
        ],
        [("c", conv(FONSECA, "11359 HS", "20010101", F, "103002001000", "1 Y"))],
    ],
    "ex7": [[
        ("a", conv(GARROWAY, "SEE COMMENT FOR CHARGE", "20090909", F, "101002001000",
                   COMMENT_TEXT="11358 HS-CULTIVATE MARIJUANA")),
        ("b", conv(GARROWAY, "11360 HS-TRANSPORT MARIJUANA", "20090909", F, "101002002000",
                   COMMENT_TEXT="11359 HS-POSSESS FOR SALE")),
    ]],
    "ex8": [[
        ("a", conv(HOLLIS, "11359 PC-POSSESS FOR SALE", "20121212", M, "101002001000", "3 Y",
                   STP_ORI_CNTY_NAME="Los Angeles ")),
    ]],
    "ex9": [[
        ("a", conv(IBARRA, "11360 HS-SELL MARIJUANA", "20140115", F, "102002001000", "8 Y",
                   SENT_ORDER="1")),
        (None, conv(IBARRA, "23152(A) VC-DUI", "20130303", M, "101002001000", "3 Y")),
        (None, conv(IBARRA, "11360 HS-SELL MARIJUANA", "20140115", F, "102002001000", "6 M",
                    SENT_ORDER="2")),
    ]],
    "ex10": [[
        ("a", conv(JANSEN, "664-11357(C) HS-ATTEMPT POSSESS MARIJUANA", "20080808", F,
                   "101002001000")),
    ]],
    "ex11": [[
        ("a", conv(KOVAC, "11359 HS", "20120202", F, "101002001000", "1 Y")),
        ("b", conv(KOVAC, "11357.5(A) HS-SYNTHETIC CANNABINOID", "20140202", M,
                   "102002001000")),
    ]],
    "ex12": [[("a", conv(LINDQVIST, "11358 HS", "20150231", F, "101002001000"))]],
    "ex13": [[
        (None, conv(MORROW, "211 PC-ROBBERY", "19990909", F, "101002001000", "3 Y",
                    STP_ORI_CNTY_NAME="SAN DIEGO", STP_ORI_DESCR="CASC SAN DIEGO")),
        ("b", conv(MORROW, "11360 HS", "20111111", F, "102002001000", "2 Y")),
        (None, {**MORROW, "STP_TYPE_DESCR": "DECEASED", "STP_EVENT_DATE": "20190101",
                "DISP_DESCR": "", "CNT_ORDER": "", "STP_ORI_CNTY_NAME": ""}),
    ]],
    "ex14": [[("a", conv(NAKAMURA, "11359(D) HS-SELL TO MINOR", "20150606", F, "101002001000",
                         "2 Y"))]],
    "ex15": [[
        (None, {**OKAFOR, "STP_TYPE_DESCR": "REGISTRATION", "STP_EVENT_DATE": "20040404",
                "OFFENSE_DESCR": "290 PC-REGISTRATION OF SEX OFFENDER", "DISP_DESCR": "",
                "CNT_ORDER": "", "STP_ORI_CNTY_NAME": ""}),
        ("a", conv(OKAFOR, "11358 HS", "20101010", F, "101002001000")),
    ]],
    "ex16": [[
        (None, conv(PRUITT, "207 PC-KIDNAPPING", "19950101", F, "101002001000")),
        ("b", conv(PRUITT, "11357(A) HS-POSSESS CONCENTRATED CANNABIS", "20040404", F,
                   "102002001000")),
    ]],
}  # fmt: skip

D, R = Outcome.ELIGIBLE_DISMISSAL, Outcome.ELIGIBLE_REDUCTION
NE, NR = Outcome.NOT_ELIGIBLE, Outcome.NEEDS_REVIEW
SEAL, REDESIGNATE = Remedy.DISMISS_AND_SEAL, Remedy.REDESIGNATE
RESENTENCE = Remedy.RECALL_AND_RESENTENCE


@dataclass(frozen=True)
class Expect:
    example: str
    label: str
    rule_set: str
    outcome: Outcome
    reason: str
    rule: str
    remedy: Remedy | None = None
    flags: frozenset[str] = frozenset()
    options: str = "B1"
    compat: str = ""

    @property
    def id(self) -> str:
        return f"{self.example}{self.label}-{self.rule_set}-{self.options}".replace(" ", "_")


def E(
    example: str,
    label: str,
    rule_set: str,
    outcome: Outcome,
    reason: str,
    rule: str,
    remedy: Remedy | None = None,
    *flags: str,
    options: str = "B1",
    compat: str = "",
) -> Expect:
    return Expect(example, label, rule_set, outcome, reason, rule, remedy, frozenset(flags),
                  options, compat)  # fmt: skip


NO_CRITERIA = "No applicable eligibility criteria"
TEN_YEARS = "Conviction occurred 10 or more years ago"
ONLY_COMPLETED = "Only has 11357-60 charges and completed sentence"

EXPECTED: list[Expect] = [
    E("ex1", "a", "bear", D, "21 years or younger", "B3", SEAL),
    E("ex1", "a", "statutory", D, "21 years or younger", "S11", SEAL),
    E("ex1", "a", "la_pilot_2019", NR, NO_CRITERIA, "L13"),
    E("ex1", "b", "bear", R, "Reduce all HS 11360 convictions", "B9", REDESIGNATE),
    E("ex1", "b", "statutory", R, "Reduce all HS 11360 convictions", "S17", REDESIGNATE),
    E("ex1", "b", "la_pilot_2019", NR, NO_CRITERIA, "L13"),
    E("ex2", "a", "bear", D, TEN_YEARS, "B5", SEAL),
    E("ex2", "a", "statutory", D, TEN_YEARS, "S13", SEAL),
    E("ex2", "a", "la_pilot_2019", NR, NO_CRITERIA, "L13"),
    E("ex2", "b", "bear", R, "Reduce all HS 11359 convictions", "B9", REDESIGNATE),
    E("ex2", "b", "statutory", R, "Reduce all HS 11359 convictions", "S17", REDESIGNATE),
    E("ex2", "b", "la_pilot_2019", NR, NO_CRITERIA, "L13"),
    E("ex2", "a", "bear", R, "Reduce all HS 11360 convictions", "B9", REDESIGNATE,
      options="crime-free 10"),
    E("ex2", "b", "bear", R, "Reduce all HS 11359 convictions", "B9", REDESIGNATE,
      options="crime-free 10"),
    E("ex3", "a", "bear", D, "Dismiss all HS 11358 convictions", "B2", SEAL),
    E("ex3", "a", "statutory", D, "Dismiss all HS 11358 convictions", "S10", SEAL),
    E("ex3", "a", "la_pilot_2019", D, ONLY_COMPLETED, "L9", SEAL),
    E("ex3", "b", "bear", D, "Dismiss all HS 11358 convictions", "B2", SEAL),
    E("ex3", "b", "statutory", NE, "Convicted on or after 11/09/2016", "S2"),
    E("ex3", "b", "la_pilot_2019", NE, "Occurred after 11/09/2016", "L2"),
    E("ex4", "a", "bear", D, TEN_YEARS, "B5", SEAL, "later_disqualifier"),
    E("ex4", "a", "statutory", D, TEN_YEARS, "S13", SEAL, "later_disqualifier"),
    E("ex4", "a", "la_pilot_2019", D, "50 years or older", "L7", SEAL, "later_disqualifier"),
    E("ex4", "a", "statutory", NE, "Prior superstrike conviction", "S5",
      options="beforeComputeDate"),
    E("ex5", "c", "bear", D, TEN_YEARS, "B5", SEAL),
    E("ex5", "c", "statutory", NE, "Prior superstrike conviction", "S5"),
    E("ex5", "c", "la_pilot_2019", NE, "PC 667(e)(2)(c)(iv)", "L4"),
    E("ex6", "a1", "bear", D, TEN_YEARS, "B5", SEAL),
    E("ex6", "a2", "bear", D, TEN_YEARS, "B5", SEAL),
    E("ex6", "b", "bear", D, TEN_YEARS, "B5", SEAL),
    E("ex6", "c", "bear", D, TEN_YEARS, "B5", SEAL),
    E("ex6", "a1", "statutory", D, TEN_YEARS, "S13", SEAL),
    E("ex6", "a2", "statutory", D, TEN_YEARS, "S13", SEAL),
    E("ex6", "b", "statutory", D, TEN_YEARS, "S13", SEAL),
    E("ex6", "c", "statutory", NE, "Two or more prior convictions of the same section", "S7"),
    E("ex6", "a1", "la_pilot_2019", D, "50 years or older", "L7", SEAL),
    E("ex6", "a2", "la_pilot_2019", D, "50 years or older", "L7", SEAL),
    E("ex6", "b", "la_pilot_2019", NE, "Two priors", "L6"),
    E("ex6", "c", "la_pilot_2019", NE, "Two priors", "L6"),
    *(
        E("ex6", label, "statutory", NE, "Two or more prior convictions of the same section",
          "S7", options="beforeComputeDate")
        for label in ("a1", "a2", "b", "c")
    ),
    E("ex7", "a", "bear", D, "Dismiss all HS 11358 convictions", "B2", SEAL),
    E("ex7", "a", "statutory", D, "Dismiss all HS 11358 convictions", "S10", SEAL),
    E("ex7", "a", "la_pilot_2019", D, ONLY_COMPLETED, "L9", SEAL),
    E("ex7", "b", "bear", D, TEN_YEARS, "B5", SEAL, "possible_other_prop64_charge"),
    E("ex7", "b", "statutory", D, TEN_YEARS, "S13", SEAL, "possible_other_prop64_charge"),
    E("ex7", "b", "la_pilot_2019", D, ONLY_COMPLETED, "L9", SEAL,
      "possible_other_prop64_charge"),
    E("ex8", "a", "bear", D, "Misdemeanor or Infraction", "B1", SEAL, "unexpected_code_letters"),
    E("ex8", "a", "statutory", D, "Misdemeanor or Infraction", "S3", SEAL,
      "unexpected_code_letters"),
    E("ex8", "a", "la_pilot_2019", NR, "Misdemeanor or Infraction", "L1", None,
      "unexpected_code_letters", compat="To be reviewed by City Attorneys"),
    E("ex9", "a", "bear", R, "Reduce all HS 11360 convictions", "B9", RESENTENCE,
      "currently_serving"),
    E("ex9", "a", "statutory", R, "Reduce all HS 11360 convictions", "S17", RESENTENCE,
      "currently_serving"),
    E("ex9", "a", "la_pilot_2019", NR, "Currently serving sentence", "L11", None,
      "currently_serving"),
    E("ex10", "a", "bear", D, "Dismiss all HS 11357 convictions", "B2", SEAL, "attempt"),
    E("ex10", "a", "statutory", D, "Dismiss all HS 11357 convictions", "S10", SEAL, "attempt"),
    E("ex10", "a", "la_pilot_2019", NR, "Other 11357", "L3b", None, "attempt"),
    E("ex11", "a", "bear", R, "Reduce all HS 11359 convictions", "B9", REDESIGNATE),
    E("ex11", "a", "statutory", R, "Reduce all HS 11359 convictions", "S17", REDESIGNATE),
    E("ex11", "a", "la_pilot_2019", NR, NO_CRITERIA, "L13"),
    E("ex11", "a", "statutory", NR, "Section in neither the dismiss nor the reduce list", "S18",
      options="reduce 11360"),
    E("ex12", "a", "bear", NR, "Conviction date unknown", "B0"),
    E("ex12", "a", "statutory", NR, "Conviction date unknown", "S1"),
    E("ex12", "a", "la_pilot_2019", NR, "Conviction date unknown", "L0"),
    E("ex13", "b", "bear", D, "Individual is deceased", "B8", SEAL, "deceased"),
    E("ex13", "b", "statutory", D, "Individual is deceased", "S16", SEAL, "deceased"),
    E("ex13", "b", "la_pilot_2019", D, "Deceased", "L12", SEAL, "deceased"),
    E("ex14", "a", "bear", D, "Only has 11357-60 charges", "B7", SEAL),
    E("ex14", "a", "statutory", NR, "Subsection kept as a felony by Prop 64", "S9"),
    E("ex14", "a", "la_pilot_2019", D, ONLY_COMPLETED, "L9", SEAL),
    E("ex15", "a", "bear", D, "Dismiss all HS 11358 convictions", "B2", SEAL),
    E("ex15", "a", "statutory", NE, "Prior PC 290 offense or registration", "S6"),
    E("ex15", "a", "la_pilot_2019", NE, "PC 290", "L5"),
    E("ex16", "b", "bear", D, "Dismiss all HS 11357 convictions", "B2", SEAL,
      "disqualifier_not_applicable"),
    E("ex16", "b", "statutory", D, "Dismiss all HS 11357 convictions", "S10", SEAL,
      "disqualifier_not_applicable"),
    E("ex16", "b", "la_pilot_2019", D, "11357(a) or 11357(b)", "L3a", SEAL,
      "disqualifier_not_applicable"),
]  # fmt: skip

COMPAT = {D: "Eligible for Dismissal", R: "Eligible for Reduction", NE: "Not eligible",
          NR: "Hand Review"}  # fmt: skip


def refs(example: str) -> dict[str, RowRef]:
    """Label → row reference (file number, physical line; line 1 is the header)."""
    return {
        label: RowRef(file, line)
        for file, rows in enumerate(EXAMPLES[example], start=1)
        for line, (label, _) in enumerate(rows, start=2)
        if label is not None
    }


def run(tmp: Path, example: str, rule_set: str, options: str) -> dict[RowRef, Determination]:
    files = [[fields for _, fields in rows] for rows in EXAMPLES[example]]
    upload = write_upload(tmp, files)
    found = evaluate(
        upload.subjects,
        county="LOS ANGELES",
        compute_at=T,
        rule_set=rule_set,
        options=OPTIONS[(rule_set, options)],
    )
    return {d.conviction_ref: d for d in found}


@pytest.mark.parametrize("expect", EXPECTED, ids=lambda e: e.id)
def test_worked_example(tmp_path: Path, expect: Expect) -> None:
    found = run(tmp_path, expect.example, expect.rule_set, expect.options)
    d = found[refs(expect.example)[expect.label]]
    assert (d.outcome, d.reason, d.rule_id) == (
        expect.outcome,
        expect.reason,
        f"{expect.rule_set}.{expect.rule}",
    )
    assert d.remedy == expect.remedy
    assert set(d.flags) == expect.flags
    assert d.compat_determination == (expect.compat or COMPAT[expect.outcome])
    assert d.compat_reason == expect.reason
    assert d.rule_set == expect.rule_set


@pytest.mark.parametrize("rule_set", ["bear", "statutory", "la_pilot_2019"])
@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_only_relevant_convictions_get_a_determination(
    tmp_path: Path, example: str, rule_set: str
) -> None:
    found = run(tmp_path, example, rule_set, "B1")
    labelled = {ref for label, ref in refs(example).items()}
    expected = {ref for ref in labelled if any(
        e.example == example and refs(example)[e.label] == ref for e in EXPECTED)}  # fmt: skip
    assert set(found) == expected
    assert list(found) == sorted(found)  # upload order


def test_ex6_does_not_depend_on_file_split(tmp_path: Path) -> None:
    moved = [[*EXAMPLES["ex6"][1], *EXAMPLES["ex6"][0]]]
    EXAMPLES["ex6_moved"] = moved
    try:
        for rule_set in ("statutory", "la_pilot_2019", "bear"):
            a = run(tmp_path, "ex6", rule_set, "B1")
            b = run(tmp_path, "ex6_moved", rule_set, "B1")
            by_label_a = {lab: a[ref] for lab, ref in refs("ex6").items()}
            by_label_b = {lab: b[ref] for lab, ref in refs("ex6_moved").items()}
            for label, d in by_label_a.items():
                other = by_label_b[label]
                assert (d.outcome, d.rule_id, d.reason) == (
                    other.outcome,
                    other.rule_id,
                    other.reason,
                )
    finally:
        del EXAMPLES["ex6_moved"]


@pytest.mark.parametrize(
    ("example", "superstrikes", "pc290", "registration"),
    [
        ("ex4", "187(A) PC", "-", "-"),
        ("ex5", "246 PC + 186.22(B)(4) PC", "-", "-"),
        ("ex15", "-", "-", "Yes"),
        ("ex16", "207 PC", "-", "-"),
        ("ex1", "-", "-", "-"),
    ],
)
def test_compatible_subject_columns(
    tmp_path: Path, example: str, superstrikes: str, pc290: str, registration: str
) -> None:
    files = [[fields for _, fields in rows] for rows in EXAMPLES[example]]
    (subject,) = write_upload(tmp_path, files).subjects
    facts = subject_facts(subject, load_default_lists())
    assert (facts.superstrike_column, facts.pc290_column, facts.registration_column) == (
        superstrikes,
        pc290,
        registration,
    )


def test_ex7_possible_other_charge_column(tmp_path: Path) -> None:
    files = [[fields for _, fields in rows] for rows in EXAMPLES["ex7"]]
    (subject,) = write_upload(tmp_path, files).subjects
    assert [c.possible_other_prop64_charge for c in subject.convictions] == [
        "",
        "11359 HS-POSSESS FOR SALE",
    ]


def test_ex9_sentence_part_attached_to_its_own_count(tmp_path: Path) -> None:
    found = run(tmp_path, "ex9", "statutory", "B1")
    (d,) = found.values()
    assert "sentence_part@1:4" in [str(e) for e in d.evidence]
    assert d.remedy is Remedy.RECALL_AND_RESENTENCE  # 8 Y + 6 M: ends 2022-07-15 > t


def test_ex4_explanations_name_the_event_and_the_policy(tmp_path: Path) -> None:
    before = run(tmp_path, "ex4", "statutory", "B1")[RowRef(1, 2)]
    assert "187(A) PC, convicted 2012-08-08 (file 1, line 3)" in before.explanation
    assert "before this conviction" in before.explanation
    after = run(tmp_path, "ex4", "statutory", "beforeComputeDate")[RowRef(1, 2)]
    assert after.explanation.startswith(
        "Superstrike 187(A) PC, convicted 2012-08-08 (file 1, line 3): before the compute date "
        "2020-07-01; prior timing: any time before the compute date."
    )
    assert after.prior_timing == "beforeComputeDate"
    assert "superstrike@1:3" in [str(e) for e in after.evidence]


def test_ex14_explanation_says_why_a_human_is_needed(tmp_path: Path) -> None:
    (d,) = run(tmp_path, "ex14", "statutory", "B1").values()
    assert d.explanation.startswith(
        "The record names HS 11359(d) (sale to a minor), conduct that Prop 64 kept as a felony. "
        "That subsection did not exist in the numbering in force before 11/9/2016, when this "
        "conviction was entered, so the label was applied later or is an error; check the "
        "court record."
    )


def test_ex12_invalid_date_is_a_warning_on_its_field(tmp_path: Path) -> None:
    files = [[fields for _, fields in rows] for rows in EXAMPLES["ex12"]]
    up = write_upload(tmp_path, files)
    assert [(i.line, i.field, i.code) for i in up.issues if i.code == "INVALID_DATE"] == [
        (2, "STP_EVENT_DATE", "INVALID_DATE")
    ]


def _bundle_rows(tmp: Path, example: str, rule_set: str = "statutory") -> list[dict[str, str]]:
    """All_Results rows (by header) of the example's bundle, written by the engine's API."""
    import csv

    from eligibility import api

    files = [[fields for _, fields in rows] for rows in EXAMPLES[example]]
    write_upload(tmp, files)  # writes research_<n>.csv into tmp
    paths = [tmp / f"research_{n}.csv" for n in range(1, len(files) + 1)]
    result = api.run(paths, county="LOS ANGELES", compute_at=T, rule_set=rule_set,
                     options=OPTIONS[(rule_set, "B1")])  # fmt: skip
    out = tmp / "bundle"
    api.write_bundle(result, None, out)
    name = "All_Results.csv" if len(files) == 1 else "All_Results_1.csv"
    with (out / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize(
    ("example", "line", "column", "value"),
    [
        ("ex3", 2, "Occurred after 11/9/2016", "N"),
        ("ex3", 3, "Occurred after 11/9/2016", "N"),
        ("ex4", 2, "Superstrike Code Section(s)", "187(A) PC"),
        ("ex5", 4, "Superstrike Code Section(s)", "246 PC + 186.22(B)(4) PC"),
        ("ex7", 2, "Possible Other P64 Charges", ""),
        ("ex7", 3, "Possible Other P64 Charges", "11359 HS-POSSESS FOR SALE"),
        ("ex12", 2, "Date of Conviction", ""),
        ("ex12", 2, "Years Since This Conviction", ""),
        ("ex12", 2, "Occurred after 11/9/2016", ""),
        ("ex15", 3, "PC290 Registration", "Yes"),
        ("ex8", 2, "Eligibility Determination", "Eligible for Dismissal"),
        ("ex11", 3, "Eligibility Determination", ""),
    ],
)
def test_compatible_columns_in_the_bundle(
    tmp_path: Path, example: str, line: int, column: str, value: str
) -> None:
    rows = _bundle_rows(tmp_path, example)
    assert rows[line - 2][column] == value


def test_ex8_la_pilot_compatible_determination(tmp_path: Path) -> None:
    rows = _bundle_rows(tmp_path, "ex8", "la_pilot_2019")
    assert rows[0]["Eligibility Determination"] == "To be reviewed by City Attorneys"
    assert rows[0]["Eligibility Reason"] == "Misdemeanor or Infraction"
