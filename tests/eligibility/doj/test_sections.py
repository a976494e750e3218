"""DOJ spec §4.8 code-section grammar and rules spec §3.4 possible-other-charge, table-driven."""

from __future__ import annotations

import pytest

from eligibility.doj.sections import (
    parse_charge,
    parse_code_section,
    possible_other_prop64_charge,
    subsection_path,
    unexpected_code_letters,
)

# text, attempt, conspiracy, statutes (number, suffix, subsections, code), code, prop64, display
SECTION_TABLE = [
    ("11357(C) HS-POSSESS MARIJUANA", False, False, [("11357", "", ("(C)",), "HS")], "HS",
     "11357", "11357(C) HS"),
    ("11359HS-INTENT SELL CANNABIS", False, False, [("11359", "", (), "HS")], "HS", "11359",
     "11359HS"),
    ("664-11357(C) HS-POSSESS", True, False, [("11357", "", ("(C)",), "HS")], "HS", "11357",
     "664-11357(C) HS"),
    ("664/11357(C) HS", True, False, [("11357", "", ("(C)",), "HS")], "HS", "11357",
     "664/11357(C) HS"),
    ("66411357(A) HS", True, False, [("11357", "", ("(A)",), "HS")], "HS", "11357",
     "66411357(A) HS"),
    ("182(A)(1) PC/11359 HS", False, True, [("11359", "", (), "HS")], "HS", "11359",
     "182(A)(1) PC/11359 HS"),
    ("182 PC-CRIMINAL CONSPIRACY", False, False, [("182", "", (), "PC")], "PC", None, "182 PC"),
    ("11357A HS-POSSESS", False, False, [("11357", "A", (), "HS")], "HS", "11357", "11357A HS"),
    ("11357B2 HS", False, False, [("11357", "B2", (), "HS")], "HS", "11357", "11357B2 HS"),
    ("11360(B) SELL/FURNISH", False, False, [("11360", "", ("(B)",), "")], "", "11360",
     "11360(B)"),
    ("hs 11357(b)", False, False, [("11357", "", ("(B)",), "HS")], "HS", "11357",
     "HS 11357(B)"),
    ("11357 (b) H&S", False, False, [("11357", "", ("(B)",), "HS")], "HS", "11357",
     "11357 (B) H&S"),
    ("11357 PC", False, False, [("11357", "", (), "PC")], "PC", "11357", "11357 PC"),
    ("11357.5(A) HS-SYNTH CANNABINOID", False, False, [("11357.5", "", ("(A)",), "HS")], "HS",
     None, "11357.5(A) HS"),
    ("136.1/186.22(B)(4) PC", False, False,
     [("136.1", "", (), "PC"), ("186.22", "", ("(B)", "(4)"), "PC")], "PC", None,
     "136.1/186.22(B)(4) PC"),
    ("136.1 PC/186.22(B)(4) PC", False, False,
     [("136.1", "", (), "PC"), ("186.22", "", ("(B)", "(4)"), "PC")], "PC", None,
     "136.1 PC/186.22(B)(4) PC"),
    ("186.22(B)(4)-246 PC", False, False,
     [("186.22", "", ("(B)", "(4)"), "PC"), ("246", "", (), "PC")], "PC", None,
     "186.22(B)(4)-246 PC"),
    ("4149 BP - UNLICENSED SALE", False, False, [("4149", "", (), "BP")], "BP", None, "4149 BP"),
    ("220 PC- COMMIT MAYHEM", False, False, [("220", "", (), "PC")], "PC", None, "220 PC"),
    ("11357(C)HS-POSSESS", False, False, [("11357", "", ("(C)",), "HS")], "HS", "11357",
     "11357(C)HS"),
    ("664.11357 HS", True, False, [("11357", "", (), "HS")], "HS", "11357", "664.11357 HS"),
    ("664 / 11357", True, False, [("11357", "", (), "")], "", "11357", "664 / 11357"),
    ("113575 HS", False, False, [("113575", "", (), "HS")], "HS", None, "113575 HS"),
    ("211357 HS", False, False, [("211357", "", (), "HS")], "HS", None, "211357 HS"),
    ("288A PC", False, False, [("288", "A", (), "PC")], "PC", None, "288A PC"),
    ("137 PC", False, False, [("137", "", (), "PC")], "PC", None, "137 PC"),
    ("11358 VEH", False, False, [("11358", "", (), "VC")], "VC", "11358", "11358 VEH"),
    ("11358 W & I", False, False, [("11358", "", (), "WI")], "WI", "11358", "11358 W & I"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "attempt", "conspiracy", "statutes", "code", "prop64", "display"), SECTION_TABLE
)
def test_code_section_table(
    text: str,
    attempt: bool,
    conspiracy: bool,
    statutes: list[tuple[str, str, tuple[str, ...], str]],
    code: str,
    prop64: str | None,
    display: str,
) -> None:
    section = parse_code_section(text)
    assert section is not None
    assert section.attempt is attempt
    assert section.conspiracy is conspiracy
    assert [(s.number, s.suffix, s.subsections, s.code) for s in section.statutes] == statutes
    assert section.code == code
    assert section.prop64_section == prop64
    assert section.display == display


@pytest.mark.parametrize("text", ["POSSESS MARIJUANA", "", "   ", "1234567 PC", "SEE COMMENT"])
def test_text_without_statute_has_no_code_section(text: str) -> None:
    assert parse_code_section(text) is None


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("664-11357(C) HS-POSSESS", "664/11357(C) HS"),
        ("66411357(A) HS", "664/11357(A) HS"),
        ("136.1 PC/186.22(B)(4) PC", "136.1/186.22(B)(4) PC"),
        ("11357 (b) H&S", "11357(B) HS"),
        ("11360(B) SELL", "11360(B)"),
    ],
)
def test_canonical_form(text: str, canonical: str) -> None:
    section = parse_code_section(text)
    assert section is not None
    assert section.canonical == canonical


def test_see_comment_takes_comment_text_and_records_the_column() -> None:
    section = parse_charge("SEE COMMENT FOR CHARGE", "11358 HS-CULTIVATE")
    assert section is not None
    assert section.prop64_section == "11358"
    assert section.display == "11358 HS"
    assert section.source_column == "COMMENT_TEXT"


def test_blank_offense_takes_comment_text() -> None:
    section = parse_charge("  ", "11359 HS")
    assert section is not None
    assert section.source_column == "COMMENT_TEXT"


def test_offense_descr_wins_over_comment() -> None:
    section = parse_charge("11357 HS", "11359 HS")
    assert section is not None
    assert section.prop64_section == "11357"
    assert section.source_column == "OFFENSE_DESCR"


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("11357B2 HS", "(B)(2)"),
        ("11357A HS", "(A)"),
        ("11360(A)(3)(C) HS", "(A)(3)(C)"),
        ("11357 HS", ""),
    ],
)
def test_subsection_path(text: str, path: str) -> None:
    section = parse_code_section(text)
    assert section is not None
    assert section.primary is not None
    assert subsection_path(section.primary) == path


@pytest.mark.parametrize(
    ("text", "expected"),
    [("11357 PC", True), ("11357 HS", False), ("11357", False), ("187 PC", False)],
)
def test_unexpected_code_letters(text: str, expected: bool) -> None:
    section = parse_code_section(text)
    assert section is not None
    assert unexpected_code_letters(section) is expected


@pytest.mark.parametrize(
    ("offense", "comment", "flagged"),
    [
        ("912", "11357(A)", True),
        ("11350", "11357(A)", True),
        ("11358", "11359", True),
        ("11357(A)", "11358", True),
        ("11358", "11357(C)", True),
        ("11357(A)", "11357(C)", True),
        ("11357(D)", "11357(B)", True),
        ("11357(A)", "11357(B)", False),
        ("11357(D)", "11357(C)", False),
        ("SEE COMMENT FOR CHARGE", "11357(A)", False),
        ("11358", "11357.5", False),
        ("", "11357(A)", False),
        ("11357", "11357(A)", True),
        ("11357(A)", "11357", False),
        ("664-11358", "11358", False),
        ("11359", "NOTHING HERE", False),
    ],
)
def test_possible_other_prop64_charge(offense: str, comment: str, flagged: bool) -> None:
    assert possible_other_prop64_charge(offense, comment) == (comment if flagged else "")


def test_possible_other_charge_returns_raw_comment() -> None:
    assert possible_other_prop64_charge("11358 hs", " 11359  hs ") == " 11359  hs "
