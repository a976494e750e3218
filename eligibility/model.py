"""The engine's data model: the contract between the reader, the rules and the outputs.

Everything here is plain, immutable data. The reader (`eligibility.doj`) builds `Upload`
objects (subjects with their convictions and events) from research files as specified in
`shared/spec/doj-research-file.md`; the rule sets (`eligibility.rules`) turn each relevant
conviction into a `Determination` (`shared/spec/prop64-rules.md` §3); `eligibility.stats`
and `eligibility.export` consume both.

No field of any class here may be written to a log or an error message: names, dates of
birth and identifiers are criminal-history data (DOJ spec R16).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import TypeVar

_T = TypeVar("_T")


class Severity(enum.StrEnum):
    ERROR = "error"  # the record was quarantined, or the file rejected
    WARNING = "warning"  # the record was kept and evaluated


class Level(enum.StrEnum):
    """Offence level of a conviction (DOJ spec §4.7)."""

    FELONY = "felony"
    MISDEMEANOR = "misdemeanor"
    INFRACTION = "infraction"
    UNKNOWN = "unknown"


class Outcome(enum.StrEnum):
    ELIGIBLE_DISMISSAL = "eligible_dismissal"
    ELIGIBLE_REDUCTION = "eligible_reduction"
    NOT_ELIGIBLE = "not_eligible"
    NEEDS_REVIEW = "needs_review"


class Remedy(enum.StrEnum):
    RECALL_AND_DISMISS = "recall_and_dismiss"
    RECALL_AND_RESENTENCE = "recall_and_resentence"
    DISMISS_AND_SEAL = "dismiss_and_seal"
    REDESIGNATE = "redesignate"


@dataclass(frozen=True, slots=True, order=True)
class RowRef:
    """Where a record is: file number (1-based, upload order), physical line of its first line."""

    file: int
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class RowIssue:
    """One quarantined record or warning. `field` is a DOJ column name or ''. Never row content."""

    file: int
    line: int  # 0 for a file- or subject-level issue without a line
    field: str
    code: str  # reason code of the spec, e.g. FIELD_COUNT, INVALID_DATE
    severity: Severity
    detail: str = ""  # plain words, built only from counts, names and line numbers


@dataclass(frozen=True, slots=True)
class Statute:
    """One statute of a code section, e.g. 11357 suffix '' subsections ('(C)',) code 'HS'."""

    number: str  # '11357', '186.22'
    suffix: str = ""  # glued letters/digit, e.g. 'A', 'B2'
    subsections: tuple[str, ...] = ()  # parenthesised groups without spaces, e.g. ('(B)', '(4)')
    code: str = ""  # canonical code letters ('HS', 'PC', ...) or '' when none

    @property
    def token(self) -> str:
        """number + glued suffix, the unit list entries are matched against (spec §7.1)."""
        return self.number + self.suffix


@dataclass(frozen=True, slots=True)
class CodeSection:
    """A parsed charge text (DOJ spec §4.8)."""

    statutes: tuple[Statute, ...]
    attempt: bool = False
    conspiracy: bool = False
    code: str = ""  # code letters of the primary statute ('' when none)
    display: str = ""  # normalised source text up to the last token consumed
    canonical: str = ""  # e.g. '664/11357(C) HS'
    source_column: str = "OFFENSE_DESCR"  # or 'COMMENT_TEXT'

    @property
    def primary(self) -> Statute | None:
        return self.statutes[0] if self.statutes else None

    @property
    def prop64_section(self) -> str | None:
        """'11357'..'11360' when the primary statute number is exactly one of them, else None."""
        p = self.primary
        if p is not None and p.number in ("11357", "11358", "11359", "11360"):
            return p.number
        return None


@dataclass(frozen=True, slots=True)
class SentencePart:
    ref: RowRef
    years: int = 0
    months: int = 0
    days: int = 0


@dataclass(frozen=True, slots=True)
class Conviction:
    """A count whose disposition is a conviction, de-duplicated by (SUBJECT_ID, CNT_ORDER)."""

    ref: RowRef  # primary row
    cnt_order: str  # trimmed CNT_ORDER ('' when missing)
    cycle: str | None  # CNT_ORDER[0:3], None when the count has no cycle (DOJ §4.3)
    court_case: str | None  # CNT_ORDER[0:6], None when none
    date: dt.date | None  # STP_EVENT_DATE; None = unknown
    level: Level
    county: str | None  # one of the 58 canonical names, or None (unknown/blank)
    section: CodeSection | None  # None when no code section could be parsed
    offense_text: str  # normalised source text of the section (OFFENSE_DESCR or COMMENT_TEXT)
    sentence_parts: tuple[SentencePart, ...] = ()
    sentence_end: dt.date | None = None  # DOJ §4.5; None when the date is unknown
    case_numbers_raw: tuple[str, ...] = ()  # DOJ §4.6, raw OFNs of the court case
    fe_court_case: tuple[str, ...] = ()
    possible_other_prop64_charge: str = ""  # spec §3.4, raw COMMENT_TEXT or ''
    conviction_offense_differs: bool = False
    conflicting_count: bool = False
    extra_refs: tuple[RowRef, ...] = ()  # later rows of the same count (sentence parts, duplicates)

    @property
    def prop64_section(self) -> str | None:
        return self.section.prop64_section if self.section else None

    @property
    def case_numbers(self) -> tuple[str, ...]:
        """Case numbers for the rich outputs (DOJ §4.6): trimmed, without blanks and NULL."""
        seen: dict[str, None] = {}
        for raw in self.case_numbers_raw:
            value = raw.strip()
            if value and value.upper() != "NULL":
                seen.setdefault(value, None)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class Registration:
    """A PC 290 registration row (DOJ §4.10)."""

    ref: RowRef
    date: dt.date | None
    section: CodeSection


@dataclass(frozen=True, slots=True)
class Subject:
    """One person: every accepted row of the upload with the same normalised SUBJECT_ID."""

    subject_id: str  # normalised SUBJECT_ID
    name: str  # display name (DOJ §4.2)
    cii: str  # normalised CII_NUMBER of the most frequent value ('' when blank)
    dob: dt.date | None
    dob_ref: RowRef | None
    dob_conflict: bool
    convictions: tuple[Conviction, ...]  # upload order of primary rows
    registrations: tuple[Registration, ...] = ()
    deceased_ref: RowRef | None = None  # earliest DECEASED row
    first_ref: RowRef | None = None  # first accepted row of the subject, upload order

    @property
    def deceased(self) -> bool:
        return self.deceased_ref is not None


@dataclass(frozen=True, slots=True)
class Evidence:
    role: str  # conviction, sentence_part, superstrike, gang_enhancement, pc290, ...
    ref: RowRef

    def __str__(self) -> str:
        return f"{self.role}@{self.ref.file}:{self.ref.line}"


@dataclass(frozen=True, slots=True)
class Determination:
    """The engine's answer for one relevant conviction (rules spec §3.1)."""

    subject_id: str
    conviction_ref: RowRef
    outcome: Outcome
    rule_id: str
    reason: str
    explanation: str  # shown to authorised reviewers only; never logged
    citation: str
    evidence: tuple[Evidence, ...]
    remedy: Remedy | None
    remedy_citation: str
    flags: tuple[str, ...]
    rule_set: str
    rule_set_version: str
    options_json: str  # canonical JSON (sorted keys, no spaces)
    options_digest: str  # SHA-256 hex of options_json
    # e.g. ('superstrikes-default@1', 'pc290-default@1', 'related-default@1')
    lists: tuple[str, ...]
    prior_timing: str  # 'beforeConviction', 'beforeComputeDate' or '' (bear)
    compute_date: dt.date
    county: str
    compat_determination: str
    compat_reason: str


@dataclass(frozen=True, slots=True)
class FileReport:
    """Per-file facts for the upload report (DOJ spec §5)."""

    number: int
    name: str
    sha256: str
    physical_lines: int
    data_rows: int  # accepted
    quarantined: int
    warnings_by_code: dict[str, int] = field(default_factory=dict)
    quarantined_by_code: dict[str, int] = field(default_factory=dict)
    header: bool = False


@dataclass(frozen=True, slots=True)
class Upload:
    """One upload (one or more research files) read and built into subjects (DOJ spec §4, §5).

    `subjects` holds every subject with at least one conviction, fully built, in the upload order
    of each subject's first accepted row. `issues` are sorted by (file, line); subject-level
    issues point at a row too (INVALID_DOB: the subject's first row; CONFLICTING_DOB: the first
    row with another DOB; DATE_BEFORE_DOB: the conviction's primary row).
    """

    county: str  # canonical evaluation county (DOJ §4.11)
    files: tuple[FileReport, ...]
    issues: tuple[RowIssue, ...]
    subjects: tuple[Subject, ...]
    subjects_total: int  # distinct subjects among accepted rows, with or without convictions
    data_rows: int  # accepted data rows, all files
    quarantined: int  # quarantined records, all files (repeated headers included)
    physical_lines: int  # all files
    convictions_total: int  # every conviction, every county and section

    @property
    def prop64_convictions(self) -> int:
        """Prop 64 convictions in every county."""
        return sum(1 for s in self.subjects for c in s.convictions if c.prop64_section)

    @property
    def prop64_convictions_in_county(self) -> int:
        """Relevant convictions: Prop 64 and in the evaluation county (rules §1)."""
        return sum(
            1
            for s in self.subjects
            for c in s.convictions
            if c.prop64_section and c.county == self.county
        )


# --- bulk construction ---------------------------------------------------------------------------


def _positional_constructor(cls: type[_T]) -> Callable[..., _T]:
    """A constructor of `cls` taking every field positionally, in declaration order.

    The objects are the same as `cls(*values)` makes (equal, same hash, still frozen), but each
    field is stored through its slot descriptor instead of the frozen dataclass `__init__`'s
    `object.__setattr__` call, which makes construction about twice as fast. For the reader,
    which builds hundreds of thousands of convictions, sentence parts and row references.
    Only for slotted classes without defaults that need computing (`default_factory`).
    """
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    namespace: dict[str, object] = {"_new": object.__new__, "_cls": cls}
    lines = [f"def make({', '.join(names)}):", "    obj = _new(_cls)"]
    for i, name in enumerate(names):
        namespace[f"_set{i}"] = getattr(cls, name).__set__
        lines.append(f"    _set{i}(obj, {name})")
    lines.append("    return obj")
    exec("\n".join(lines), namespace)  # noqa: S102 -- our own field names, as dataclasses does # nosec B102 (our own field names, as dataclasses does)
    make = namespace["make"]
    assert callable(make)
    return make


#: Positional constructors for bulk building (see `_positional_constructor`).
new_row_ref: Callable[[int, int], RowRef] = _positional_constructor(RowRef)
new_sentence_part: Callable[[RowRef, int, int, int], SentencePart] = _positional_constructor(
    SentencePart
)
new_conviction: Callable[..., Conviction] = _positional_constructor(Conviction)
new_subject: Callable[..., Subject] = _positional_constructor(Subject)
new_determination: Callable[..., Determination] = _positional_constructor(Determination)
new_evidence: Callable[[str, RowRef], Evidence] = _positional_constructor(Evidence)
