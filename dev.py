#!/usr/bin/env python3
"""ClearRecord's entry point on a fresh machine: only Python 3.11 is needed.

    python3.11 dev.py run     # the whole app on http://127.0.0.1:8000 (embedded PostgreSQL + Redis)
    python3.11 dev.py test    # the test suite (embedded servers unless DATABASE_URL is set)

Other commands: setup, lint, fmt, bench, manage <args>. The first run creates `.venv` and installs
the pinned dependencies of requirements.txt; later runs reinstall only when the lock changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def ensure_environment() -> Path:
    """Create the virtualenv and install the lock if needed; return its python."""
    if sys.version_info[:2] != (3, 11):
        sys.exit(
            f"ClearRecord needs Python 3.11 (this is {sys.version.split()[0]}): run python3.11 dev.py …"
        )
    vdir = Path(os.environ.get("CLEARRECORD_VENV", ROOT / ".venv"))
    python = vdir / "bin" / "python"
    if not python.exists():
        print(f"Creating a virtual environment in {vdir} …", flush=True)
        venv.EnvBuilder(with_pip=True).create(vdir)
    lock = ROOT / "requirements.txt"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    stamp = vdir / ".requirements.sha256"
    if not stamp.exists() or stamp.read_text().strip() != digest:
        print("Installing the pinned dependencies (first run only) …", flush=True)
        pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
        subprocess.check_call([*pip, "-r", str(lock)])  # noqa: S603 (fixed argument list)
        stamp.write_text(digest)
    return python


def main() -> None:
    python = ensure_environment()
    args = sys.argv[1:] or ["run"]
    if args[0] == "setup":
        print(f"Environment ready: {python}")
        return
    os.chdir(ROOT)
    os.execv(str(python), [str(python), "-m", "clearrecord.stack", *args])  # noqa: S606


if __name__ == "__main__":
    main()
