"""The engine's one entry point: research files in, determinations and statistics out.

Composes the reader (shared/spec/doj-research-file.md), a rule set and the impact statistics
(shared/spec/prop64-rules.md §1, §4-§8):

1. check the county argument (DOJ §4.11) and validate the rule-set options (rules §4.1, §5.1,
   §6.1) -- both before any file is read, so a bad argument costs nothing and names no file;
2. read and build the upload (`eligibility.doj.read_upload`), which may reject a file;
3. evaluate every relevant conviction (`eligibility.rules.evaluate`);
4. compute the statistics (`eligibility.stats.compute`).

The output bundle is written separately by `eligibility.export.write_bundle` from the
`RunResult`, streaming the rows again from the same files.

Pure: no clock, settings or environment. The run's wall time (gogen.json
``processingTimeInSeconds``) is measured only when the caller passes a `clock`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from eligibility import stats
from eligibility.doj import Source, read_upload
from eligibility.doj.counties import normalise_county
from eligibility.lists import Lists, load_default_lists
from eligibility.model import Determination, Upload
from eligibility.rules import RULE_SETS, OptionsError, SubjectFacts, evaluate, validate_options
from eligibility.rules.options import Options

__all__ = [
    "CountyError",
    "OptionsError",
    "RunResult",
    "as_sources",
    "check_county",
    "run",
    "write_bundle",
]


class CountyError(ValueError):
    """The county argument is not one of the 58 California counties (DOJ §4.11)."""


@dataclass(frozen=True, slots=True)
class RunResult:
    """Everything one evaluation produced; the input of `eligibility.export.write_bundle`."""

    sources: tuple[Source, ...]
    county: str  # canonical
    compute_at: dt.date
    rule_set: str
    options: Options
    lists: Lists
    upload: Upload
    determinations: tuple[Determination, ...]
    statistics: stats.Statistics
    processing_seconds: float = 0.0
    # subject id → `subject_facts`, for subjects with a relevant conviction (`run(facts=True)`)
    facts: Mapping[str, SubjectFacts] = field(default_factory=dict)


def as_sources(items: Sequence[Source | Path | str]) -> tuple[Source, ...]:
    """Sources in upload order; plain paths are named by their file name."""
    out: list[Source] = []
    for item in items:
        if isinstance(item, Source):
            out.append(item)
        else:
            path = Path(item)
            out.append(Source(name=path.name, path=path))
    return tuple(out)


def check_county(county: str) -> str:
    """The canonical county, or CountyError with a one-line message."""
    canonical = normalise_county(county)
    if canonical is None:
        # the argument is the user's own input, not row content, so it may be echoed (short)
        shown = county.strip()[:40]
        raise CountyError(f'Unknown county "{shown}": use one of the 58 California counties')
    return canonical


def check_rule_set(rule_set: str) -> str:
    if rule_set not in RULE_SETS:
        names = ", ".join(sorted(RULE_SETS))
        raise OptionsError(f'Unknown rule set "{rule_set[:40]}": use {names}')
    return rule_set


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while building millions of small objects.

    The engine's objects hold no reference cycles; with the collector on, every full collection
    walks the whole growing heap again (about a quarter of a million-row run's time). The
    collector is restored on exit, whatever happens.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run(
    sources: Sequence[Source | Path | str],
    *,
    county: str,
    compute_at: dt.date,
    rule_set: str = "statutory",
    options: Options | Mapping[str, object] | str | None = None,
    lists: Lists | None = None,
    progress: Callable[[int, int], None] | None = None,
    clock: Callable[[], float] | None = None,
    facts: bool = False,
) -> RunResult:
    """Read, evaluate and count (steps 1-4 of the module docstring).

    With `facts`, the result also holds each relevant subject's `SubjectFacts`, which the
    output bundle needs (`eligibility.export.prepare_bundle`).

    Raises CountyError / OptionsError (ValueError) for bad arguments before reading anything,
    and the reader's FileRejected for a file that cannot be used.
    """
    started = clock() if clock is not None else 0.0
    canonical = check_county(county)
    check_rule_set(rule_set)
    validated = options if isinstance(options, Options) else validate_options(rule_set, options)
    lists = lists if lists is not None else load_default_lists()
    items = as_sources(sources)
    subject_facts: dict[str, SubjectFacts] = {}
    with gc_paused():
        upload = read_upload(items, county=canonical, progress=progress)
        determinations = tuple(
            evaluate(
                upload.subjects,
                county=canonical,
                compute_at=compute_at,
                rule_set=rule_set,
                options=validated,
                lists=lists,
                facts=subject_facts if facts else None,
            )
        )
        statistics = stats.compute(
            upload, determinations, compute_at=compute_at, rule_set=rule_set, options=validated
        )
    elapsed = clock() - started if clock is not None else 0.0
    return RunResult(
        sources=items,
        county=canonical,
        compute_at=compute_at,
        rule_set=rule_set,
        options=validated,
        lists=lists,
        upload=upload,
        determinations=determinations,
        statistics=statistics,
        processing_seconds=elapsed,
        facts=subject_facts,
    )


def write_bundle(
    result: RunResult,
    sources: Sequence[Source | Path | str] | None,
    outdir: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """The output bundle of rules spec §9 (see `eligibility.export.write_bundle`)."""
    from eligibility import export

    return export.write_bundle(result, sources, outdir, progress=progress)
