"""bandit finds nothing unwaived in the application and the engine (config in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bandit_reports_no_unwaived_findings() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-c", "pyproject.toml", "-r", "clearrecord", "eligibility", "-q"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]


def test_ci_runs_bandit_and_pip_audit() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'bandit" -c pyproject.toml -r clearrecord eligibility' in ci
    assert 'pip-audit" -r requirements.txt' in ci
    assert "SKIPPED pip-audit" in ci
