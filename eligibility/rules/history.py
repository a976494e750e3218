"""A subject's criminal history, summarised once per subject for every rule (rules spec §2).

The rule sets look at a conviction *and* the rest of the subject's history: superstrike and
PC 290 events (PC 667(e)(2)(C)(iv), PC 290(c); spec §2, §7), prior Prop 64 convictions of the same
section (H&S 11358(d)(2), 11359(c)(2), 11360(a)(3)(B)), the most recent conviction, sentences
still being served, related charges in a cycle (§3.4). `History` holds these facts computed in one
pass over the subject's convictions, so evaluating a conviction never re-scans the history.

Gang-enhancement pairs across counts (§7.3(b)): within one court case, each conviction naming an
enhanceable offence E is paired with the first conviction (upload order) naming the enhancement
PC 186.22(b)(4)… that is not itself a complete pair; the event is dated by the E conviction. A
conviction naming both halves in one code section is a superstrike by itself (§7.3(a)).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from eligibility.lists import NOTHING, Lists, SectionClass
from eligibility.model import Conviction, Evidence, RowRef, Subject


def where(ref: RowRef) -> str:
    """'(file 1, line 40)' — a row reference in words."""
    return f"(file {ref.file}, line {ref.line})"


def dob_where(h: History) -> str:
    """' (file 1, line 3)' after a date of birth, or '' when the DOB has no row (unknown)."""
    ref = h.subject.dob_ref
    return f" {where(ref)}" if ref is not None else ""


def dob_evidence(h: History) -> tuple[Evidence, ...]:
    ref = h.subject.dob_ref
    return (Evidence("dob", ref),) if ref is not None else ()


def iso(d: dt.date | None) -> str:
    return d.isoformat() if d is not None else "unknown"


@dataclass(frozen=True, slots=True)
class Event:
    """A superstrike or PC 290 event of a subject (spec §2), dated by its row."""

    kind: str  # 'superstrike' or 'pc290'
    date: dt.date | None
    ref: RowRef  # the row that dates it
    evidence: tuple[Evidence, ...]
    text: str  # compatible-column text: '187(A) PC', '246 PC + 186.22(B)(4) PC'
    words: str  # for explanations: 'Superstrike 187(A) PC, convicted 2012-08-08 (file 1, line 40)'
    source: Conviction | None  # the conviction it comes from (None for a registration)


@dataclass(slots=True)  # not frozen: built once per subject, construction is the hot path
class History:
    """Per-subject facts for every rule and flag (computed once by `build_history`)."""

    subject: Subject
    superstrikes: tuple[Event, ...]  # listed convictions in upload order, then gang pairs
    superstrike_convictions: tuple[Conviction, ...]  # for the compatible column (upload order)
    gang_pairs: tuple[Event, ...]
    pc290: tuple[Event, ...]  # convictions, then registrations
    pc290_convictions: tuple[Conviction, ...]
    prop64_by_section: dict[str, list[Conviction]]  # any county, upload order; never mutated
    prop64_count: int
    only_prop64: bool
    unknown_dates: tuple[Conviction, ...]  # convictions without a valid date
    latest: Conviction | None  # latest known date (ties: first in upload order)
    related_by_cycle: dict[str, tuple[Conviction, ...]]
    # As of the compute date given to `build_history` (la_pilot_2019 L9, L11):
    serving: Conviction | None = None  # first conviction whose sentence ends after t
    all_completed: bool = False  # every conviction has a known sentence end <= t

    @property
    def most_recent(self) -> Conviction | None:
        """Most recent conviction; None (unknown) when any conviction has an unknown date (§2)."""
        return None if self.unknown_dates else self.latest


def build_history(
    subject: Subject,
    lists: Lists,
    classes: Sequence[SectionClass] | None = None,
    t: dt.date | None = None,
) -> History:
    """One pass over the subject's convictions (with their `classes`, if already known).

    With the compute date `t`, also the sentence facts as of `t` (`serving`, `all_completed`).
    """
    if classes is None:
        classes = lists.classify_all(c.section for c in subject.convictions)
    superstrike_convictions: list[Conviction] = []
    pc290_convictions: list[Conviction] = []
    by_section: dict[str, list[Conviction]] = {}
    related: dict[str, list[Conviction]] = {}
    gang_offences: list[Conviction] = []
    gang_enhancements: list[Conviction] = []
    unknown: list[Conviction] = []
    latest: Conviction | None = None
    latest_date: dt.date | None = None
    prop64 = 0
    serving: Conviction | None = None
    all_completed = t is not None
    for c, cls in zip(subject.convictions, classes, strict=True):
        if t is not None:
            end = c.sentence_end
            if end is None:
                all_completed = False
            elif end > t:
                all_completed = False
                if serving is None:
                    serving = c
        k = cls.prop64
        if k is not None:
            prop64 += 1
            group = by_section.get(k)
            if group is None:
                by_section[k] = [c]
            else:
                group.append(c)
        d = c.date
        if d is None:
            unknown.append(c)
        elif latest_date is None or d > latest_date:
            latest, latest_date = c, d
        if cls is not NOTHING:
            if cls.superstrike:
                superstrike_convictions.append(c)
            if cls.pc290:
                pc290_convictions.append(c)
            if cls.related and c.cycle is not None:
                related.setdefault(c.cycle, []).append(c)
            whole_pair = cls.gang_offence and cls.gang_enhancement
            if cls.gang_offence and not whole_pair and c.court_case is not None:
                gang_offences.append(c)
            if cls.gang_enhancement and not whole_pair and c.court_case is not None:
                gang_enhancements.append(c)
    if not (
        superstrike_convictions
        or pc290_convictions
        or gang_offences
        or related
        or subject.registrations
    ):
        return History(
            subject,
            (),
            (),
            (),
            (),
            (),
            by_section,
            prop64,
            prop64 == len(subject.convictions),
            tuple(unknown),
            latest,
            {},
            serving,
            all_completed,
        )

    superstrikes = [
        Event(
            "superstrike",
            c.date,
            c.ref,
            (Evidence("superstrike", c.ref),),
            _display(c),
            f"Superstrike {_display(c)}, convicted {iso(c.date)} {where(c.ref)}",
            c,
        )
        for c in superstrike_convictions
    ]
    pairs: list[Event] = []
    for offence in gang_offences:
        enhancement = next(
            (
                e
                for e in gang_enhancements
                if e.court_case == offence.court_case and e is not offence
            ),
            None,
        )
        if enhancement is None:
            continue
        text = f"{_display(offence)} + {_display(enhancement)}"
        pairs.append(
            Event(
                "superstrike",
                offence.date,
                offence.ref,
                (
                    Evidence("superstrike", offence.ref),
                    Evidence("gang_enhancement", enhancement.ref),
                ),
                text,
                f"Superstrike {text} (gang enhancement {where(enhancement.ref)} in the same "
                f"court case), offence convicted {iso(offence.date)} {where(offence.ref)}",
                offence,
            )
        )
    pc290 = [
        Event(
            "pc290",
            c.date,
            c.ref,
            (Evidence("pc290", c.ref),),
            _display(c),
            f"PC 290 offense {_display(c)}, convicted {iso(c.date)} {where(c.ref)}",
            c,
        )
        for c in pc290_convictions
    ]
    pc290.extend(
        Event(
            "pc290",
            r.date,
            r.ref,
            (Evidence("pc290_registration", r.ref),),
            r.section.display,
            f"PC 290 registration, dated {iso(r.date)} {where(r.ref)}",
            None,
        )
        for r in subject.registrations
    )
    return History(
        subject=subject,
        superstrikes=(*superstrikes, *pairs),
        superstrike_convictions=tuple(superstrike_convictions),
        gang_pairs=tuple(pairs),
        pc290=tuple(pc290),
        pc290_convictions=tuple(pc290_convictions),
        prop64_by_section=by_section,
        prop64_count=prop64,
        only_prop64=prop64 == len(subject.convictions),
        unknown_dates=tuple(unknown),
        latest=latest,
        related_by_cycle={k: tuple(v) for k, v in related.items()},
        serving=serving,
        all_completed=all_completed,
    )


def _display(c: Conviction) -> str:
    return c.section.display if c.section is not None else c.offense_text
