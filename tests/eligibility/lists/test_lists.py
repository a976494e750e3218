"""Rules spec §7: the default lists, anchored matching, patterns and county copies."""

# ruff: noqa: E501, SIM905  (the spec's lists are pasted as written)

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from eligibility.doj.sections import parse_code_section
from eligibility.lists import DATA_DIR, ListError, load_default_lists, load_lists
from eligibility.model import CodeSection, Statute

LISTS = load_default_lists()


def section(text: str) -> CodeSection:
    parsed = parse_code_section(text)
    assert parsed is not None, text
    return parsed


SUPERSTRIKE_NOT = (
    "186.22(B)(4) PC, 136.1 PC, 137 PC, 1187 PC, 189.2 PC, 1900 PC, 190.123 PC, 191(A) PC, "
    "191.55 PC, 205.1 PC, 209.6 PC, 246 PC, 12022.5 PC, 217.1(A) PC, 245 PC, 261.5 PC, "
    "264.11 PC, 273(A) PC, 286(C)(4)(A) PC, 286(C) PC, 288(B) PC, 288B PC, 289(A)(2)(A) PC, "
    "451.1 PC, 653(F) PC, 667.6 PC, 667.72 PC, 4500(A) PC, 11418(A)(2) PC, 18745(A) PC, "
    "1672(B) MV, 14500 PC"
).split(", ")
SUPERSTRIKE_YES = [
    "187(A) PC", "664/187(A) PC", "136.1/186.22(B)(4) PC", "215 + 186.22(B)(4) PC",
    "186.22(B)(4)-246 PC", "288(A) PC", "220 PC",
    # further entries of the §7.2 table
    "190.05 PC", "190.2(A)(17) PC", "191 PC", "217.1 PC", "217.1(B)(2) PC", "245(D)(3) PC",
    "286(C)(2)(B) PC", "286(D)(3) PC", "288A(C)(2)(A) PC", "288(B)(2) PC", "289(A)(1)(C) PC",
    "653F(B) PC", "4500 PC", "11418(B)(2) PC", "1672(A) MV", "187", "273AB PC",
    "213(A)(1)(A)(I)/186.22(B)(4)(B) PC",
]  # fmt: skip
PC290_NOT = (
    "236.1(A) PC, 236.1B PC, 262 PC, 264.11 PC, 266(C) PC, 266J(A) PC, 267A PC, 288.6 PC, "
    "291 PC, 647(A) PC, 647.1(A) PC, 653F PC, 261.5 PC"
).split(", ")
PC290_YES = ["266 PC", "314(1) PC", "288(C)(1) PC", "261(A)(2) PC", "664/288(A) PC",
             "236.1(B)(1) PC", "262(A)(1) PC", "266H(B)(2) PC", "311.2(D) PC", "653F(C) PC"]  # fmt: skip


@pytest.mark.parametrize("text", SUPERSTRIKE_NOT)
def test_superstrike_must_not_match(text: str) -> None:
    assert not LISTS.superstrikes.matches(section(text))
    assert not LISTS.classify(section(text)).superstrike


@pytest.mark.parametrize("text", SUPERSTRIKE_YES)
def test_superstrike_must_match(text: str) -> None:
    assert LISTS.superstrikes.matches(section(text))
    assert LISTS.classify(section(text)).superstrike


@pytest.mark.parametrize("text", ["664/220 PC", "182(A)(1) PC/288(A) PC", "664/245(D)(3) PC"])
def test_attempts_match_only_inchoate_entries(text: str) -> None:
    assert not LISTS.superstrikes.matches(section(text))


def test_code_letters_must_equal_or_be_missing() -> None:
    assert not LISTS.superstrikes.matches(section("187 VC"))
    assert LISTS.superstrikes.matches(section("187"))
    assert not LISTS.superstrikes.matches(section("1672(A) PC"))


@pytest.mark.parametrize("text", PC290_NOT)
def test_pc290_must_not_match(text: str) -> None:
    assert not LISTS.pc290.matches(section(text))


@pytest.mark.parametrize("text", PC290_YES)
def test_pc290_must_match(text: str) -> None:
    assert LISTS.pc290.matches(section(text))


@pytest.mark.parametrize(
    ("text", "related"),
    [("148(A)(1) PC", True), ("11366.5 HS", False), ("647(F) PC", True), ("647(A) PC", False),
     ("11364 HS", True), ("4149 BP - UNLICENSED SALE", True), ("40508(A) VC", True),
     ("32 PC", True), ("148.9 PC", True), ("148.10 PC", False), ("11364 PC", False)],
)  # fmt: skip
def test_related_charges(text: str, related: bool) -> None:
    assert LISTS.related.matches(section(text)) is related


def test_gang_parts_of_separate_counts() -> None:
    assert LISTS.superstrikes.gang_parts(section("246 PC-SHOOT")) == (True, False)
    assert LISTS.superstrikes.gang_parts(section("186.22(B)(4) PC")) == (False, True)
    assert LISTS.superstrikes.gang_parts(section("186.22(B)(1) PC")) == (False, False)
    assert LISTS.superstrikes.gang_parts(section("213(A)(2) PC")) == (False, False)


def test_sections_built_directly_match_like_parsed_ones() -> None:
    built = CodeSection(statutes=(Statute("187", "", ("(A)",), "PC"),), code="PC")
    assert LISTS.classify(built).superstrike
    assert LISTS.classify(None).anything is False


def test_default_ids_and_versions() -> None:
    assert LISTS.labels == ("superstrikes-default@1", "pc290-default@1", "related-default@1")


def test_county_copy_is_loaded_with_its_own_id(tmp_path: Path) -> None:
    copy = tmp_path / "lists"
    shutil.copytree(DATA_DIR, copy)
    pc290 = json.loads((copy / "pc290.json").read_text(encoding="utf-8"))
    pc290["id"], pc290["version"] = "pc290-sacramento", "2"
    pc290["entries"].append(
        {"code": "PC", "statutes": ["261.5"], "subsections": "any", "inchoate": True}
    )
    (copy / "pc290.json").write_text(json.dumps(pc290), encoding="utf-8")
    lists = load_lists(copy)
    assert lists.labels[1] == "pc290-sacramento@2"
    assert lists.pc290.matches(section("261.5 PC"))
    assert not LISTS.pc290.matches(section("261.5 PC"))


def test_malformed_county_copy_is_refused(tmp_path: Path) -> None:
    shutil.copytree(DATA_DIR, tmp_path / "lists")
    (tmp_path / "lists" / "related.json").write_text(
        '{"id": "x", "version": "1", "entries": [{"code": "PC"}]}', encoding="utf-8"
    )
    with pytest.raises(ListError, match=r"related\.json: entry 1"):
        load_lists(tmp_path / "lists")
    (tmp_path / "lists" / "related.json").write_text("{", encoding="utf-8")
    with pytest.raises(ListError, match=r"related\.json"):
        load_lists(tmp_path / "lists")


def test_bad_subsection_pattern_is_refused(tmp_path: Path) -> None:
    shutil.copytree(DATA_DIR, tmp_path / "lists")
    bad = {"id": "x", "version": "1",
           "entries": [{"code": "PC", "statutes": ["1"], "subsections": "(A", "inchoate": True}]}  # fmt: skip
    (tmp_path / "lists" / "related.json").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ListError):
        load_lists(tmp_path / "lists")
