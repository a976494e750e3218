"""`python -m eligibility`: exit codes and one-line errors that never show row contents."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from eligibility.cli import ProgressBar, main
from eligibility.generate import generate_file

SECRET_NAME = "ZYXWVUTS,SECRET"


@pytest.fixture(scope="module")
def research_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "research.csv"
    generate_file(path, county="SACRAMENTO", rows=1500, seed=9)
    return path


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(args)
    err = capsys.readouterr().err
    return code, err.splitlines()


def _base(path: Path | str, out: Path) -> list[str]:
    return ["run", "--input-doj", str(path), "--county", "SACRAMENTO",
            "--compute-at", "2020-07-01", "--outputs", str(out)]  # fmt: skip


def test_run_writes_the_bundle_and_exits_0(
    research_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = _run(_base(research_file, tmp_path / "out"), capsys)
    assert code == 0
    assert (tmp_path / "out" / "All_Results.csv").exists()
    gogen = json.loads((tmp_path / "out" / "gogen.json").read_text(encoding="utf-8"))
    assert gogen["county"] == "SACRAMENTO"
    assert gogen["lineCount"] == 1500


def test_bad_county_is_one_line(
    research_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _base(research_file, tmp_path / "out")
    args[args.index("SACRAMENTO")] = "NARNIA"
    code, lines = _run(args, capsys)
    assert code == 2
    assert lines == ['error: Unknown county "NARNIA": use one of the 58 California counties']
    assert not (tmp_path / "out").exists()


def test_bad_options_file_gives_the_spec_message(
    research_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = tmp_path / "options.json"
    options.write_text('{"baselineEligibility": {"dismiss": ["11357(a)"]}}', encoding="utf-8")
    args = [*_base(research_file, tmp_path / "out"), "--rule-set", "bear",
            "--eligibility-options", str(options)]  # fmt: skip
    code, lines = _run(args, capsys)
    assert code == 2
    assert lines == [
        'error: Unknown code section "11357(a)" in baselineEligibility.dismiss: '
        "use 11357, 11358, 11359 or 11360"
    ]


def test_options_that_are_not_json(
    research_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = tmp_path / "options.json"
    options.write_text("{oops", encoding="utf-8")
    args = [*_base(research_file, tmp_path / "out"), "--eligibility-options", str(options)]
    code, lines = _run(args, capsys)
    assert code == 2
    assert len(lines) == 1
    assert lines[0].startswith("error: Options file is not valid JSON")


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = _run(_base(tmp_path / "absent.csv", tmp_path / "out"), capsys)
    assert code == 2
    assert lines == ["error: File 1 (absent.csv) does not exist or is not a file"]


def test_bad_compute_date(
    research_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _base(research_file, tmp_path / "out")
    args[args.index("2020-07-01")] = "07/01/2020"
    code, lines = _run(args, capsys)
    assert code == 2
    assert lines == ["error: --compute-at must be a date written YYYY-MM-DD"]


def test_non_doj_file_is_one_line_without_row_contents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text(f'"{SECRET_NAME}",555-0100,somewhere\n' * 150, encoding="utf-8")
    code, lines = _run(_base(path, tmp_path / "out"), capsys)
    assert code == 2
    assert len(lines) == 1
    assert "contacts.csv" in lines[0]
    assert "SECRET" not in lines[0]
    assert "555-0100" not in lines[0]


def test_missing_required_argument_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["run", "--county", "SACRAMENTO"])
    assert info.value.code == 2
    assert len(capsys.readouterr().err.splitlines()) == 1


def test_generate_subcommand_through_python_m(tmp_path: Path) -> None:
    out = tmp_path / "g.csv"
    done = subprocess.run(
        [sys.executable, "-m", "eligibility", "generate", "--county", "YOLO", "--rows", "50",
         "--seed", "4", "--out", str(out), "--no-header"],
        capture_output=True, text=True, check=False, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 50


def test_generate_refuses_an_unknown_county(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = _run(
        ["generate", "--county", "NARNIA", "--rows", "5", "--out", str(tmp_path / "g.csv")], capsys
    )
    assert code == 2
    assert lines == ["error: county must be one of the 58 California counties"]


def test_progress_bar_draws_in_place_and_ends_the_line() -> None:
    stream = io.StringIO()
    bar = ProgressBar("read", stream)
    for done in (0, 10, 10, 55, 100):
        bar(done, 100)
    text = stream.getvalue()
    assert text.count("\r") == 4  # the repeated 10 % is not redrawn
    assert text.endswith("] 100%\n")
    assert "[" + "#" * 13 + "." * 12 + "]  55%" in text


def test_run_with_several_files_numbers_the_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "la_part1.csv", tmp_path / "la_part2.csv"
    generate_file(first, county="SACRAMENTO", rows=400, seed=1)
    generate_file(second, county="SACRAMENTO", rows=300, seed=2, header=False)
    code, _ = _run(_base(f"{first},{second}", tmp_path / "out"), capsys)
    assert code == 0
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"All_Results_1.csv", "All_Results_2.csv", "Prop64_Results_2.csv"} <= names


def test_bench_prints_both_cases_for_each_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["bench", "--rows", "300", "--data-dir", str(tmp_path), "--county", "YOLO"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert (tmp_path / "bench_300.csv").exists()
    rows = [line.split() for line in out if line.split()[:1] == ["300"]]
    assert [r[1] for r in rows] == ["determinations", "bundle"]
    assert "cpu s" in out[0]
    # wall seconds, CPU seconds, peak MB
    assert all(float(r[2]) > 0 and float(r[3]) > 0 and float(r[5]) > 0 for r in rows)
    assert not list(tmp_path.glob("bench-out-*"))  # scratch output removed
