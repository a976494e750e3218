"""The run command: embedded PostgreSQL + Redis + web + a real worker, and nothing left behind.

This starts the real `python -m clearrecord.stack run` (what `python3.11 dev.py run` execs) with
no DATABASE_URL / CELERY_BROKER_URL and a private data folder, signs in as a demo user, asks the
health page for a worker round-trip, then presses Ctrl-C and checks no process of it survives.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import psutil
import pytest
from django_otp.oath import TOTP

from clearrecord.accounts.management.commands.seed_demo import DEMO_TOTP_KEY
from clearrecord.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def processes_using(marker: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        try:
            if proc.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            if any(marker in part for part in proc.info["cmdline"] or []):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def wait_for(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout:.0f} s")


@pytest.fixture
def stack_dir() -> Path:
    """A data folder outside pytest's private temp tree.

    Run as root, PostgreSQL runs as an unprivileged account that must traverse the folder's
    parents; pytest keeps its own tree at mode 0700 and re-tightens it while the suite runs.
    """
    path = Path(tempfile.mkdtemp(prefix="clearrecord-stack-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_run_command_serves_the_app_and_ctrl_c_leaves_no_orphans(stack_dir: Path) -> None:
    tmp_path = stack_dir
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "CLEARRECORD_ENV")
    }
    env.update(CLEARRECORD_VAR_DIR=str(tmp_path / "var"), CLEARRECORD_PORT=str(port))
    log = (tmp_path / "stack.log").open("wb")  # a file, not a pipe: nobody reads while it runs
    stack = subprocess.Popen(
        [sys.executable, "-m", "clearrecord.stack", "run"], cwd=ROOT, env=env,
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_for(f"{base}/accounts/login/", timeout=120)
        except AssertionError:
            print((tmp_path / "stack.log").read_text(errors="replace")[-3000:])
            raise
        # Sign in as the demo supervisor and ask for the worker round-trip.
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(f"{base}/accounts/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urlencode(
            {
                "username": "supervisor",
                "password": "demo-Prop64-relief",
                "csrfmiddlewaretoken": token,
            }
        )
        home = opener.open(
            urllib.request.Request(
                f"{base}/accounts/login/", data=data.encode(), headers={"Referer": base}
            )
        )
        otp_page = home.read().decode()
        assert "Two-step sign-in" in otp_page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', otp_page).group(1)
        code = f"{TOTP(bytes.fromhex(DEMO_TOTP_KEY)).token():06d}"
        data = urlencode({"code": code, "next": "/", "csrfmiddlewaretoken": token})
        home = opener.open(
            urllib.request.Request(home.url, data=data.encode(), headers={"Referer": base})
        )
        assert "DA supervisor" in home.read().decode()
        deadline = time.monotonic() + 60
        while True:  # the worker may still be starting
            try:
                health = (
                    opener.open(f"{base}/system/health/?format=json", timeout=10).read().decode()
                )
                break
            except urllib.error.HTTPError:
                assert time.monotonic() < deadline, "no worker answered within 60 s"
                time.sleep(1)
        assert '"worker", "ok": true' in health
        assert processes_using(str(tmp_path)), "embedded servers should be running"
    finally:
        stack.send_signal(signal.SIGINT)
        stack.wait(timeout=60)
        log.close()
    output = (tmp_path / "stack.log").read_text(errors="replace")
    assert stack.returncode == 0, output[-2000:]
    time.sleep(1)
    leftovers = processes_using(str(tmp_path))
    assert not leftovers, (output[-3000:], [p.info["cmdline"] for p in leftovers])
    assert not processes_using(f"127.0.0.1:{port}")
