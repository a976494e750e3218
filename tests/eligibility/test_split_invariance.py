"""Rules spec §1 and DOJ R15: the same rows split into files differently give the same
determinations, and two runs give the same output bytes."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from pathlib import Path

import pytest

from eligibility.api import RunResult, run
from eligibility.doj.columns import INDEX
from eligibility.export import write_bundle
from eligibility.generate import generate_file
from eligibility.model import Determination

T = dt.date(2020, 7, 1)
_REF = re.compile(r"\(file \d+, line \d+\)|\d+:\d+")


@pytest.fixture(scope="module")
def lines(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    path = tmp_path_factory.mktemp("split") / "whole.csv"
    generate_file(path, county="SAN DIEGO", rows=4000, seed=21, header=False)
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def _subject(line: str) -> str:
    # SUBJECT_ID is the third field and never quoted in generated files
    return line.split(",", 3)[INDEX["SUBJECT_ID"]]


def _split_points(lines: list[str], parts: int) -> list[int]:
    """Points near equal shares that fall INSIDE a subject's rows."""
    points = []
    for k in range(1, parts):
        i = len(lines) * k // parts
        while _subject(lines[i - 1]) != _subject(lines[i]):
            i += 1
        points.append(i)
    return points


def _write(tmp: Path, lines: list[str], points: list[int]) -> list[Path]:
    paths = []
    bounds = [0, *points, len(lines)]
    for n, (a, b) in enumerate(itertools.pairwise(bounds), 1):
        p = tmp / f"part{n}.csv"
        p.write_text("".join(lines[a:b]), encoding="utf-8")
        paths.append(p)
    return paths


def _key(result: RunResult) -> list[tuple[object, ...]]:
    """Determinations without row references (which depend on the split by definition)."""
    cnt = {
        (c.ref.file, c.ref.line): c.cnt_order for s in result.upload.subjects for c in s.convictions
    }

    def one(d: Determination) -> tuple[object, ...]:
        return (
            d.subject_id,
            cnt[(d.conviction_ref.file, d.conviction_ref.line)],
            d.outcome,
            d.rule_id,
            d.reason,
            d.remedy,
            d.flags,
            tuple(e.role for e in d.evidence),
            _REF.sub("@", d.explanation),
        )

    return sorted(one(d) for d in result.determinations)


@pytest.mark.parametrize("parts", [2, 3])
def test_splitting_inside_a_subject_changes_no_determination(
    lines: list[str], parts: int, tmp_path: Path
) -> None:
    whole = _write(tmp_path, lines, [])
    one = run(whole, county="SAN DIEGO", compute_at=T)
    split_dir = tmp_path / "split"
    split_dir.mkdir()
    points = _split_points(lines, parts)
    split = run(_write(split_dir, lines, points), county="SAN DIEGO", compute_at=T)
    assert all(_subject(lines[p - 1]) == _subject(lines[p]) for p in points)
    assert len(one.determinations) > 50
    assert _key(split) == _key(one)
    assert (
        split.statistics.gogen_json()["reliefWithCurrentEligibilityChoices"]
        == (one.statistics.gogen_json()["reliefWithCurrentEligibilityChoices"])
    )


def _bundle_bytes(outdir: Path) -> dict[str, bytes]:
    out = {}
    for p in sorted(outdir.iterdir()):
        data = p.read_bytes()
        if p.suffix == ".json":
            parsed = json.loads(data)
            parsed.pop("processingTimeInSeconds", None)
            data = json.dumps(parsed).encode()
        out[p.name] = data
    return out


def test_two_runs_write_identical_bytes(lines: list[str], tmp_path: Path) -> None:
    sources = _write(tmp_path, lines, _split_points(lines, 2))
    bundles = []
    for n in (1, 2):
        result = run(sources, county="SAN DIEGO", compute_at=T, rule_set="statutory")
        write_bundle(result, None, tmp_path / f"out{n}", chunk_rows=700)
        bundles.append(_bundle_bytes(tmp_path / f"out{n}"))
    assert bundles[0] == bundles[1]
    assert len(bundles[0]) == 10  # three row files per input file + four summary files


def test_split_row_files_concatenate_to_the_single_file_outputs(
    lines: list[str], tmp_path: Path
) -> None:
    whole = _write(tmp_path, lines, [])
    write_bundle(run(whole, county="SAN DIEGO", compute_at=T), None, tmp_path / "one")
    split_dir = tmp_path / "split"
    split_dir.mkdir()
    sources = _write(split_dir, lines, _split_points(lines, 3))
    write_bundle(run(sources, county="SAN DIEGO", compute_at=T), None, tmp_path / "three")
    for name in ("All_Results", "All_Results_Condensed", "Prop64_Results"):
        single = (tmp_path / "one" / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        parts = [
            (tmp_path / "three" / f"{name}_{n}.csv").read_text(encoding="utf-8").splitlines()
            for n in (1, 2, 3)
        ]
        assert all(p[0] == single[0] for p in parts)
        assert [line for p in parts for line in p[1:]] == single[1:], name
