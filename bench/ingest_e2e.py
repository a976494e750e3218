"""End-to-end ingest benchmark (not a test): POST a DOJ file to the API, wait for publication.

    # a web server and one Celery worker on the same (development) database, e.g.
    CLEARRECORD_ENV=development DATABASE_URL=... CELERY_BROKER_URL=... \
        gunicorn clearrecord.wsgi:application -w 2 -b 127.0.0.1:8765 --timeout 600 &
    CLEARRECORD_ENV=development DATABASE_URL=... CELERY_BROKER_URL=... \
        celery -A clearrecord worker --concurrency 1 --pidfile /tmp/worker.pid &
    python -m eligibility generate --county SACRAMENTO --rows 1000000 --seed 9 --out F.csv
    python bench/ingest_e2e.py --url http://127.0.0.1:8765 --token crt_... \
        --file F.csv --worker-pid "$(cat /tmp/worker.pid)"

Times the `POST /api/v1/uploads/` (the file streamed over loopback, stored and hashed by the web
server) and then polls `GET /api/v1/uploads/{id}/` every half second until the upload is
published or failed, printing each phase as the worker reports it. Meanwhile it samples the
resident memory of the worker's processes (the Celery parent and its pool children) from
/proc and prints the largest. Prints ids, counts, phases and seconds: never record contents.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
import urllib.request
import uuid
from pathlib import Path


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _family(pid: int) -> list[int]:
    """`pid` and its children (a Celery prefork pool: one level deep)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [pid, *(int(p) for p in children.read_text().split())]
    except OSError:
        return [pid]


class WorkerMemory(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self.stop = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.05):
            for pid in _family(self.pid):
                self.peak_kib = max(self.peak_kib, _rss_kib(pid))


def _multipart(path: Path, fields: dict[str, str]) -> tuple[bytes, bytes, str]:
    """The head and tail of a multipart body around the file's bytes (streamed separately)."""
    boundary = uuid.uuid4().hex
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
        f'filename="{path.name}"\r\nContent-Type: text/csv\r\n\r\n'
    ).encode()
    return head, f"\r\n--{boundary}--\r\n".encode(), boundary


def _body(head: bytes, path: Path, tail: bytes):  # type: ignore[no-untyped-def]
    yield head
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            yield chunk
    yield tail


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8765")
    parser.add_argument("--token", required=True, help="an API token of a DA user")
    parser.add_argument("--file", required=True, type=Path)
    parser.add_argument("--worker-pid", type=int, help="the Celery worker's main process")
    parser.add_argument("--compute-at", default="2026-07-01")
    args = parser.parse_args()

    memory = WorkerMemory(args.worker_pid) if args.worker_pid else None
    if memory:
        memory.start()
    head, tail, boundary = _multipart(
        args.file, {"compute_at": args.compute_at, "rule_set": "statutory"}
    )
    size = len(head) + args.file.stat().st_size + len(tail)
    auth = {"Authorization": f"Bearer {args.token}"}
    request = urllib.request.Request(  # noqa: S310 (a URL the operator gives)
        f"{args.url}/api/v1/uploads/",
        data=_body(head, args.file, tail),
        method="POST",
        headers={
            **auth,
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(size),
        },
    )
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=900) as response:  # noqa: S310  # nosec B310
        upload = json.load(response)
    posted = time.monotonic() - started
    print(f"upload {upload['id']}: POST answered in {posted:.1f} s ({size / 1e6:.0f} MB)")
    last = None
    while True:
        time.sleep(0.5)
        poll = urllib.request.Request(  # noqa: S310
            f"{args.url}/api/v1/uploads/{upload['id']}/", headers=auth
        )
        with urllib.request.urlopen(poll, timeout=60) as response:  # noqa: S310  # nosec B310
            state = json.load(response)
        phase = (state.get("status"), state.get("phase"))
        if phase != last:
            print(f"{time.monotonic() - started:7.1f} s  {phase[0]:<11} {phase[1] or ''}")
            last = phase
        if state.get("status") in ("published", "failed"):
            break
    wall = time.monotonic() - started
    if memory:
        memory.stop.set()
        memory.join()
    rows = state.get("counts", {}).get("rows")
    print(f"POST to {state['status']}: {wall:.1f} s; rows {rows}")
    if memory:
        print(f"worker peak resident memory (largest process) {memory.peak_kib / 1024:,.0f} MiB")
    print(f"load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
