"""Bounded loopback load run (not a test): U users browsing the review queue for S seconds.

    # a server on the bench database, e.g.
    CLEARRECORD_ENV=development DATABASE_URL=.../clearrecord_bench_review \
        gunicorn clearrecord.wsgi:application -w 2 --threads 4 -b 127.0.0.1:8765 &
    CLEARRECORD_ENV=development DATABASE_URL=.../clearrecord_bench_review \
        python bench/review_load.py --url http://127.0.0.1:8765 --users 20 --seconds 120

Each user holds a signed-in session (created directly in the session store: the sign-in page is
not under test here) and loops: the queue with a random common filter, a random page of it, one
conviction page. Reports requests, errors (any status other than 200, or a network error),
requests per second and p50 / p95 latency as the client saw it.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clearrecord.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402

from clearrecord.accounts.models import Role, User  # noqa: E402
from clearrecord.cases.models import Conviction  # noqa: E402

FILTERS = [
    "",
    "outcome=eligible_dismissal",
    "state=flagged&level=felony",
    "flag=currently_serving",
    "state=challenged",
    "s=bench",  # a search kept in the session (see session_cookie)
    "sort=-date",
]


def session_cookie(user: User) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store["review_searches"] = {"bench": "SYNTH1234"}
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8765")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=120)
    args = parser.parse_args()
    if "bench" not in settings.DATABASES["default"]["NAME"]:
        sys.exit("refusing: use a database whose name contains 'bench'")
    user, _ = User.objects.get_or_create(
        username="bench-reviewer", defaults={"role": Role.DA_REVIEWER, "county": "SACRAMENTO"}
    )
    ids = list(Conviction.objects.values_list("pk", flat=True)[:5000])
    cookies = [session_cookie(user) for _ in range(args.users)]
    deadline = time.monotonic() + args.seconds
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def get(cookie: str, path: str) -> None:
        request = urllib.request.Request(args.url + path, headers={"Cookie": cookie})  # noqa: S310
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                response.read()
                ok = response.status == 200
                detail = str(response.status)
        except (urllib.error.URLError, OSError) as error:
            ok, detail = False, type(error).__name__
        elapsed = (time.perf_counter() - t0) * 1000
        with lock:
            latencies.append(elapsed)
            if not ok:
                errors.append(f"{path.split('?')[0]} {detail}")

    def user_loop(index: int) -> None:
        rnd = random.Random(index)
        while time.monotonic() < deadline:
            query = rnd.choice(FILTERS)
            get(cookies[index], f"/review/?{query}")
            get(cookies[index], f"/review/?{query}&page={rnd.randint(1, 20)}")
            get(cookies[index], f"/review/convictions/{rnd.choice(ids)}/")

    started = time.monotonic()
    threads = [threading.Thread(target=user_loop, args=(i,)) for i in range(args.users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    latencies.sort()
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    print(
        f"{args.users} users, {wall:.0f} s: {len(latencies)} requests, {len(errors)} errors, "
        f"{len(latencies) / wall:.1f} req/s, p50 {statistics.median(latencies):.0f} ms, "
        f"p95 {p95:.0f} ms, max {latencies[-1]:.0f} ms"
    )
    if errors:
        print("errors:", sorted(set(errors))[:10])
        sys.exit(1)


if __name__ == "__main__":
    main()
