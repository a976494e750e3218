"""The engine's command line, usable without Django or a database (ARCHITECTURE.md, engine).

Subcommands:

- ``run``: read DOJ research files, evaluate every relevant conviction and write the output
  bundle of shared/spec/prop64-rules.md §9, with a progress bar on stderr.
- ``generate``: write a synthetic research file (`eligibility.generate`).
- ``bench``: measure `run` on synthetic files (`eligibility.bench`).

Exit status 0 on success; 2 with ONE line on stderr for a bad argument, bad options, a bad
county or an unreadable / non-DOJ file. Messages never contain row contents (DOJ spec R16).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

EXIT_OK = 0
EXIT_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {message}\n")
        raise SystemExit(EXIT_ERROR)


class ProgressBar:
    """A one-line progress bar on a terminal stream (rewritten in place, at most 100 updates)."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 if total <= 0 else min(100, done * 100 // total)
        if percent == self.last:
            return
        self.last = percent
        filled = percent // 4
        self.stream.write(f"\r{self.label:<10} [{'#' * filled}{'.' * (25 - filled)}] {percent:3d}%")
        if percent == 100:
            self.stream.write("\n")
        self.stream.flush()


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m eligibility", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="evaluate research files and write the output bundle")
    run.add_argument("--input-doj", required=True, help="FILE[,FILE...] in upload order")
    run.add_argument("--county", required=True)
    run.add_argument("--compute-at", required=True, help="YYYY-MM-DD")
    run.add_argument("--rule-set", default="statutory")
    run.add_argument("--eligibility-options", type=Path, default=None, help="options JSON file")
    run.add_argument("--outputs", required=True, type=Path, help="output directory")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    gen = sub.add_parser("generate", help="write a synthetic DOJ research file")
    gen.add_argument("--county", required=True)
    gen.add_argument("--rows", required=True, type=int)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--out", required=True, type=Path)
    gen.add_argument("--malformed-share", type=float, default=0.0)
    gen.add_argument("--no-header", action="store_true")

    bench = sub.add_parser("bench", help="measure run on synthetic files")
    bench.add_argument("--rows", default="100000,1000000", help="comma-separated row counts")
    bench.add_argument("--data-dir", type=Path, default=Path("bench-data"))
    bench.add_argument("--county", default="LOS ANGELES")
    bench.add_argument("--compute-at", default="2020-07-01")
    bench.add_argument("--rule-set", default="statutory")
    bench.add_argument("--case", default=None, help=argparse.SUPPRESS)
    bench.add_argument("--file", type=Path, default=None, help=argparse.SUPPRESS)
    return parser


def _fail(message: str) -> int:
    sys.stderr.write(f"error: {message}\n")
    return EXIT_ERROR


def _generate(args: argparse.Namespace) -> int:
    from eligibility.generate import generate_file

    if args.rows < 0:
        return _fail("--rows must not be negative")
    started = time.perf_counter()
    try:
        report = generate_file(
            args.out,
            county=args.county,
            rows=args.rows,
            seed=args.seed,
            malformed_share=args.malformed_share,
            header=not args.no_header,
            progress=ProgressBar("generate") if sys.stderr.isatty() else None,
        )
    except ValueError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot write {args.out}: {exc.strerror}")
    elapsed = time.perf_counter() - started
    sys.stderr.write(
        f"{report.rows} rows, {report.subjects} subjects, {report.malformed} malformed, "
        f"{report.bytes_written / 1e6:.1f} MB in {elapsed:.1f} s\n"
    )
    return EXIT_OK


def _parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _run(args: argparse.Namespace) -> int:
    """`run`: arguments and options are checked before any file is read (rules spec §1)."""
    from eligibility.api import RunResult, check_county, check_rule_set, run
    from eligibility.doj import FileRejected
    from eligibility.export import prepare_bundle, write_prepared
    from eligibility.rules import validate_options

    compute_at = _parse_date(args.compute_at)
    if compute_at is None:
        return _fail("--compute-at must be a date written YYYY-MM-DD")
    raw: str | None = None
    if args.eligibility_options is not None:
        try:
            raw = args.eligibility_options.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return _fail(f"cannot read the options file {args.eligibility_options.name}")
    try:
        county = check_county(args.county)
        check_rule_set(args.rule_set)
        options = validate_options(args.rule_set, raw)
    except ValueError as exc:  # CountyError, OptionsError
        return _fail(str(exc))
    paths = [Path(p.strip()) for p in args.input_doj.split(",") if p.strip()]
    if not paths:
        return _fail("--input-doj names no file")
    for number, path in enumerate(paths, 1):
        if not path.is_file():
            return _fail(f"File {number} ({path.name}) does not exist or is not a file")
    quiet = args.quiet or not sys.stderr.isatty()
    try:
        result: RunResult = run(
            paths,
            county=county,
            compute_at=compute_at,
            rule_set=args.rule_set,
            options=options,
            progress=None if quiet else ProgressBar("read"),
            clock=time.perf_counter,
            facts=True,
        )
        rows, determinations = result.upload.data_rows, len(result.determinations)
        prepared = prepare_bundle(result)
        del result  # frees the upload's subjects before the rows are streamed again
        written = write_prepared(
            prepared, args.outputs, progress=None if quiet else ProgressBar("write")
        )
    except FileRejected as exc:
        return _fail(exc.message or str(exc))
    except ValueError as exc:
        return _fail(str(exc))
    except OSError as exc:
        name = Path(exc.filename).name if exc.filename else "a file"
        return _fail(f"cannot read or write {name}: {exc.strerror or 'input/output error'}")
    if not quiet:
        sys.stderr.write(
            f"{rows} rows, {determinations} determinations, "
            f"{len(written)} files written to {args.outputs}\n"
        )
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    if args.command == "generate":
        return _generate(args)
    if args.command == "run":
        return _run(args)
    from eligibility.bench import bench_command

    return bench_command(args)
