"""Disqualifier and related-charge lists (rules spec §7): data with an id and a version.

The default lists are JSON files under ``eligibility/lists/data/`` (``superstrikes.json``,
``pc290.json``, ``related.json``); a county edits its own copy (a directory with the same three
files, new ids/versions) and passes it to `load_lists`. The id@version of every list is recorded
on every determination.

Matching is anchored (DOJ spec §4.8, rules §7.1): a code section matches an entry when one of its
statutes has exactly the entry's statute token (number plus glued suffix), code letters equal to
the entry's code or missing, and parenthesised subsections that fit the entry's pattern. Patterns:

* ``any`` — anything, including no subsections; ``none`` — no subsections;
* ``;``-separated forms of groups: ``(X)`` literal, ``(A-C)`` / ``(1-3)`` an inclusive range,
  a trailing ``…`` allows further groups.

A statute token may use ``#`` for one digit (``190.#``, ``190.##`` encode "190.x with 1-2
decimal digits" of §7.2). ``inchoate`` false: an attempt or conspiracy never matches the entry.

Gang-enhancement pairs (§7.3) are listed in the superstrike file (``gang_offences``,
``gang_enhancements``); a code section naming both is itself a superstrike. Pairs across two
convictions of one court case are found by the rules (`eligibility.rules.facts`).

Matching results are cached per unique code section, so a million rows cost a few thousand
matches.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from eligibility.model import CodeSection, Statute

DATA_DIR: Final[Path] = Path(__file__).parent / "data"
LIST_FILES: Final[tuple[str, ...]] = ("superstrikes.json", "pc290.json", "related.json")

_GROUP = re.compile(r"\(([A-Z0-9]+)(?:-([A-Z0-9]+))?\)")
_ELLIPSIS = "…"


class ListError(ValueError):
    """A list file is malformed; the message names the file and the entry number only."""


@dataclass(frozen=True, slots=True)
class _Group:
    low: str
    high: str  # == low for a literal group

    def matches(self, subsection: str) -> bool:
        inner = subsection[1:-1]
        if self.low == self.high:
            return inner == self.low
        if self.low.isdigit() and self.high.isdigit():
            return inner.isdigit() and int(self.low) <= int(inner) <= int(self.high)
        return len(inner) == 1 and self.low <= inner <= self.high


@dataclass(frozen=True, slots=True)
class _Form:
    groups: tuple[_Group, ...]
    open_ended: bool  # trailing …

    def matches(self, subsections: tuple[str, ...]) -> bool:
        n = len(self.groups)
        if len(subsections) < n or (len(subsections) > n and not self.open_ended):
            return False
        return all(g.matches(s) for g, s in zip(self.groups, subsections, strict=False))


@dataclass(frozen=True, slots=True)
class SubsectionPattern:
    """`any`, `none` or `;`-separated forms (spec §7.1)."""

    text: str
    any: bool
    none: bool
    forms: tuple[_Form, ...]

    @classmethod
    def parse(cls, text: str) -> SubsectionPattern:
        parts = [p.strip() for p in text.split(";")]
        if parts == ["any"]:
            return cls(text, True, False, ())
        none = False
        forms: list[_Form] = []
        for part in parts:
            if part == "none":
                none = True
                continue
            open_ended = part.endswith(_ELLIPSIS)
            body = part.removesuffix(_ELLIPSIS)
            groups = _GROUP.findall(body)
            if (
                not groups
                or "".join(f"({lo}-{hi})" if hi else f"({lo})" for lo, hi in groups) != body
            ):
                raise ValueError(f"bad subsection pattern {part!r}")
            forms.append(_Form(tuple(_Group(lo, hi or lo) for lo, hi in groups), open_ended))
        return cls(text, False, none, tuple(forms))

    def matches(self, subsections: tuple[str, ...]) -> bool:
        if self.any:
            return True
        if not subsections:
            return self.none
        return any(f.matches(subsections) for f in self.forms)


def _token_regex(tokens: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(
        "|".join(re.escape(t).replace("\\#", "#").replace("#", "[0-9]") for t in tokens)
    )


@dataclass(frozen=True, slots=True)
class ListEntry:
    code: str
    statutes: tuple[str, ...]
    subsections: SubsectionPattern
    inchoate: bool
    _exact: frozenset[str] = frozenset()
    _wild: re.Pattern[str] | None = None

    @classmethod
    def build(
        cls, code: str, statutes: tuple[str, ...], subsections: str, inchoate: bool
    ) -> ListEntry:
        exact = frozenset(t for t in statutes if "#" not in t)
        wild = tuple(t for t in statutes if "#" in t)
        return cls(
            code,
            statutes,
            SubsectionPattern.parse(subsections),
            inchoate,
            exact,
            _token_regex(wild) if wild else None,
        )

    def matches_statute(self, statute: Statute, *, inchoate: bool) -> bool:
        if inchoate and not self.inchoate:
            return False
        if statute.code and statute.code != self.code:
            return False
        token = statute.token
        if token not in self._exact and (self._wild is None or not self._wild.fullmatch(token)):
            return False
        return self.subsections.matches(statute.subsections)


def _first_match(entries: tuple[ListEntry, ...], section: CodeSection) -> Statute | None:
    inchoate = section.attempt or section.conspiracy
    for statute in section.statutes:
        for entry in entries:
            if entry.matches_statute(statute, inchoate=inchoate):
                return statute
    return None


@dataclass(frozen=True, slots=True)
class ChargeList:
    """One list (§7.2, §7.4 or §7.5): id, version and entries."""

    id: str
    version: str
    entries: tuple[ListEntry, ...]
    _cache: dict[CodeSection, bool] = field(default_factory=dict, compare=False, repr=False)

    @property
    def label(self) -> str:
        return f"{self.id}@{self.version}"

    def matches(self, section: CodeSection | None) -> bool:
        """True when any statute of `section` matches an entry (anchored, §7.1)."""
        if section is None:
            return False
        hit = self._cache.get(section)
        if hit is None:
            hit = _first_match(self.entries, section) is not None
            self._cache[section] = hit
        return hit


@dataclass(frozen=True, slots=True)
class SuperstrikeList(ChargeList):
    """The superstrike list plus the gang-enhancement pair definitions of §7.3."""

    gang_offences: tuple[ListEntry, ...] = ()
    gang_enhancements: tuple[ListEntry, ...] = ()
    _gang_cache: dict[CodeSection, tuple[bool, bool]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def gang_parts(self, section: CodeSection | None) -> tuple[bool, bool]:
        """(names an enhanceable offence E, names the enhancement PC 186.22(b)(4)…)."""
        if section is None:
            return False, False
        hit = self._gang_cache.get(section)
        if hit is None:
            hit = (
                _first_match(self.gang_offences, section) is not None,
                _first_match(self.gang_enhancements, section) is not None,
            )
            self._gang_cache[section] = hit
        return hit

    def matches(self, section: CodeSection | None) -> bool:
        """A listed superstrike, or one code section naming both halves of a gang pair."""
        if ChargeList.matches(self, section):
            return True
        offence, enhancement = self.gang_parts(section)
        return offence and enhancement


@dataclass(frozen=True, slots=True)
class SectionClass:
    """What a code section is on every list at once (one cached look-up per conviction)."""

    superstrike: bool = False  # listed, or both halves of a gang pair in one section
    pc290: bool = False
    related: bool = False
    gang_offence: bool = False  # names an enhanceable offence E of §7.3
    gang_enhancement: bool = False  # names PC 186.22(b)(4)…
    prop64: str | None = None  # '11357'..'11360' when the section is Prop 64 (DOJ §4.8)

    @property
    def anything(self) -> bool:
        return (
            self.superstrike
            or self.pc290
            or self.related
            or self.gang_offence
            or self.gang_enhancement
        )


NOTHING: Final[SectionClass] = SectionClass()


@dataclass(frozen=True, slots=True)
class Lists:
    superstrikes: SuperstrikeList
    pc290: ChargeList
    related: ChargeList
    # id(section) → (section kept alive so the id cannot be reused, class); then by value.
    _by_id: dict[int, tuple[CodeSection, SectionClass]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _by_value: dict[CodeSection, SectionClass] = field(
        default_factory=dict, compare=False, repr=False
    )

    def classify_all(self, sections: Iterable[CodeSection | None]) -> list[SectionClass]:
        """`classify` for many sections (the hot path: one dict look-up per known object)."""
        by_id = self._by_id
        out: list[SectionClass] = []
        append = out.append
        for section in sections:
            if section is None:
                append(NOTHING)
                continue
            hit = by_id.get(id(section))
            append(hit[1] if hit is not None else self.classify(section))
        return out

    def classify(self, section: CodeSection | None) -> SectionClass:
        """The section's membership of every list; cached per object and per value."""
        if section is None:
            return NOTHING
        hit = self._by_id.get(id(section))
        if hit is not None:
            return hit[1]
        cls = self._by_value.get(section)
        if cls is None:
            offence, enhancement = self.superstrikes.gang_parts(section)
            cls = SectionClass(
                superstrike=self.superstrikes.matches(section),
                pc290=self.pc290.matches(section),
                related=self.related.matches(section),
                gang_offence=offence,
                gang_enhancement=enhancement,
                prop64=section.prop64_section,
            )
            if cls == NOTHING:
                cls = NOTHING
            self._by_value[section] = cls
        self._by_id[id(section)] = (section, cls)
        return cls

    @property
    def labels(self) -> tuple[str, ...]:
        """('superstrikes-default@1', 'pc290-default@1', 'related-default@1')."""
        return (self.superstrikes.label, self.pc290.label, self.related.label)


def _entries(raw: object, where: str) -> tuple[ListEntry, ...]:
    if not isinstance(raw, list):
        raise ListError(f"{where}: entries must be a list")
    out: list[ListEntry] = []
    for number, item in enumerate(raw, start=1):
        try:
            if not isinstance(item, dict):
                raise TypeError
            code, statutes = item["code"], item["statutes"]
            subsections, inchoate = item["subsections"], item["inchoate"]
            if not (
                isinstance(code, str)
                and isinstance(statutes, list)
                and statutes
                and all(isinstance(s, str) and s for s in statutes)
                and isinstance(subsections, str)
                and isinstance(inchoate, bool)
            ):
                raise TypeError
            out.append(
                ListEntry.build(
                    code.strip().upper(),
                    tuple(s.strip().upper() for s in statutes),
                    subsections.strip(),
                    inchoate,
                )
            )
        except (KeyError, TypeError, ValueError):
            raise ListError(
                f"{where}: entry {number} needs code, statutes, subsections and inchoate"
            ) from None
    return tuple(out)


def _read(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise ListError(f"{path.name}: not a readable JSON list file") from None
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), str) and data.get(k) for k in ("id", "version")
    ):
        raise ListError(f"{path.name}: needs an id and a version")
    return data


def load_lists(path: Path | str) -> Lists:
    """The lists of a directory holding superstrikes.json, pc290.json and related.json."""
    directory = Path(path)
    sup, pc290, related = (_read(directory / name) for name in LIST_FILES)
    return Lists(
        superstrikes=SuperstrikeList(
            str(sup["id"]),
            str(sup["version"]),
            _entries(sup.get("entries"), "superstrikes.json"),
            gang_offences=_entries(sup.get("gang_offences", []), "superstrikes.json"),
            gang_enhancements=_entries(sup.get("gang_enhancements", []), "superstrikes.json"),
        ),
        pc290=ChargeList(
            str(pc290["id"]), str(pc290["version"]), _entries(pc290.get("entries"), "pc290.json")
        ),
        related=ChargeList(
            str(related["id"]),
            str(related["version"]),
            _entries(related.get("entries"), "related.json"),
        ),
    )


@functools.cache
def load_default_lists() -> Lists:
    """`superstrikes-default` 1, `pc290-default` 1, `related-default` 1."""
    return load_lists(DATA_DIR)
