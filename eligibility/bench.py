"""`python -m eligibility bench`: how fast and how big `run` is on synthetic files.

For each row count: generate (or reuse) ``<data-dir>/bench_<rows>.csv`` with
`eligibility.generate` (seed 1), then measure, each in a fresh subprocess so that peak memory is
the case's own:

- ``determinations``: `eligibility.api.run` (read, evaluate, statistics);
- ``bundle``: the same plus `eligibility.export.write_bundle` (the §9 output files, written to a
  scratch directory that is removed afterwards).

Prints rows/s, wall time, CPU time (user + system, all threads: on a shared machine the wall
time alone says little) and peak resident memory (``getrusage`` maximum RSS) per case. The
acceptance targets (1M rows: determinations ≤ 5 s, bundle ≤ 15 s, peak ≤ 1 GB) are measured
here, never in tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

CASES = ("determinations", "bundle")
#: The directory holding the `eligibility` package, so `python -m eligibility` finds it.
_PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def _child(args: argparse.Namespace) -> int:
    from eligibility.api import run
    from eligibility.export import prepare_bundle, write_prepared

    started = time.perf_counter()
    cpu_started = _cpu_seconds()
    result = run(
        [args.file],
        county=args.county,
        compute_at=dt.date.fromisoformat(args.compute_at),
        rule_set=args.rule_set,
        clock=time.perf_counter,
        facts=args.case == "bundle",  # as the CLI does for the bundle
    )
    evaluated = time.perf_counter()
    rows, determinations = result.upload.data_rows, len(result.determinations)
    if args.case == "bundle":
        # as the CLI does: the model is dropped before the rows are streamed again
        prepared = prepare_bundle(result)
        del result
        outdir = args.file.parent / f"bench-out-{args.file.stem}"
        try:
            write_prepared(prepared, outdir)
        finally:
            shutil.rmtree(outdir, ignore_errors=True)
    finished = time.perf_counter()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "rows": rows,
                "determinations": determinations,
                "evaluate_s": round(evaluated - started, 3),
                "wall_s": round(finished - started, 3),
                "cpu_s": round(_cpu_seconds() - cpu_started, 3),
                "peak_mb": round(peak_kb / 1024, 1),
            }
        )
    )
    return 0


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _ensure_file(data_dir: Path, rows: int, county: str) -> Path:
    from eligibility.generate import generate_file

    path = data_dir / f"bench_{rows}.csv"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        partial = path.with_suffix(".partial")
        report = generate_file(partial, county=county, rows=rows, seed=1)
        partial.rename(path)
        print(
            f"generated {path} ({report.rows} rows, {report.bytes_written / 1e6:.0f} MB) "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    return path


def bench_command(args: argparse.Namespace) -> int:
    if args.case is not None:
        return _child(args)
    try:
        counts = [int(x) for x in args.rows.split(",") if x.strip()]
    except ValueError:
        sys.stderr.write("error: --rows must be comma-separated integers\n")
        return 2
    print(
        f"{'rows':>10} {'case':<15} {'wall s':>8} {'cpu s':>8} {'rows/s':>12} {'peak MB':>9}",
        flush=True,
    )
    for rows in counts:
        path = _ensure_file(args.data_dir, rows, args.county)
        for case in CASES:
            command = [
                sys.executable, "-m", "eligibility", "bench", "--case", case,
                "--file", str(path.resolve()), "--county", args.county,
                "--compute-at", args.compute_at, "--rule-set", args.rule_set,
            ]  # fmt: skip
            done = subprocess.run(  # noqa: S603 -- our own interpreter and module
                command, capture_output=True, text=True, check=False, cwd=_PACKAGE_ROOT
            )
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["failed"])[-1]
                print(f"{rows:>10} {case:<15} failed: {last}", flush=True)
                continue
            m = json.loads(done.stdout.strip().splitlines()[-1])
            rate = m["rows"] / m["wall_s"] if m["wall_s"] else 0.0
            print(
                f"{m['rows']:>10} {case:<15} {m['wall_s']:>8.2f} {m['cpu_s']:>8.2f} {rate:>12,.0f} "
                f"{m['peak_mb']:>9.0f}",
                flush=True,
            )
    return 0
