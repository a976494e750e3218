"""Benchmark (not a test) of the review pages on a county of N synthetic convictions.

    CLEARRECORD_ENV=test DATABASE_URL=postgres://postgres@127.0.0.1:5432/clearrecord_bench_review \
        python bench/review_bench.py --convictions 150000 [--reuse]

Seeds one published upload of N invented convictions (two per person) into a database whose name
must contain "bench", then times the queue page with common filters and the conviction page
through the whole Django stack in-process (middleware, session, templates): server time, no
network. Prints p50 / p95 / max in milliseconds per scenario.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clearrecord.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from clearrecord.accounts.models import Role, User  # noqa: E402
from clearrecord.cases import synthetic  # noqa: E402
from clearrecord.cases.models import Conviction  # noqa: E402

COUNTY = "SACRAMENTO"
OUTCOMES = (
    ["eligible_dismissal"] * 6 + ["eligible_reduction"] * 2 + ["not_eligible", "needs_review"]
)
STATES = ["flagged"] * 7 + ["not_challenged", "challenged", "modified"]
FLAGS = [[]] * 12 + [["currently_serving"], ["possible_other_prop64_charge"], ["deceased"]]
SECTIONS = [("11357", "misdemeanor")] * 5 + [
    ("11358", "felony"),
    ("11359", "felony"),
    ("11360", "felony"),
]
BATCH = 10_000


def seed(n: int) -> None:
    rnd = random.Random(64)
    by = User.objects.create(username="bench-uploader", role=Role.DA_SUPERVISOR, county=COUNTY)
    upload, evaluation = synthetic.published_upload(COUNTY, by=by)

    def conviction(i: int) -> dict[str, object]:
        section, level = rnd.choice(SECTIONS)
        return {
            "court_case": f"{rnd.randrange(10**6):06d}",
            "date": dt.date(1990, 1, 1) + dt.timedelta(days=rnd.randrange(10000)),
            "level": level,
            "section": section,
            "code_section": f"{section}(A) HS",
            "review_state": rnd.choice(STATES),
        }

    def determination(i: int) -> dict[str, object]:
        return {
            "outcome": rnd.choice(OUTCOMES),
            "rule_id": "statutory.bench",
            "reason": "bench",
            "explanation": "Synthetic explanation.",
            "citation": "H&S 11361.8",
            "flags": rnd.choice(FLAGS),
        }

    for start in range(0, n, BATCH):
        with transaction.atomic():
            count = min(BATCH, n - start)
            synthetic.add_convictions(
                upload,
                evaluation,
                count,
                first=start,
                per_subject=2,
                dob=lambda i: dt.date(1960, 1, 1) + dt.timedelta(days=rnd.randrange(15000)),
                conviction=conviction,
                determination=determination,
                batch_size=BATCH,
            )
        print(f"seeded {start + count}/{n}", file=sys.stderr)
    with connection.cursor() as cursor:  # outside the transaction: VACUUM cannot run in one
        cursor.execute("VACUUM ANALYZE")


def timed(client: Client, url: str, runs: int) -> list[float]:
    client.get(url)  # warm
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(url)
        out.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--convictions", type=int, default=150_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--reuse", action="store_true", help="keep the data already seeded")
    args = parser.parse_args()
    if "bench" not in settings.DATABASES["default"]["NAME"] or settings.PRODUCTION:
        sys.exit("refusing: use a database whose name contains 'bench', outside production")
    setup_test_environment()
    call_command("migrate", verbosity=0)
    if not (args.reuse and Conviction.objects.exists()):
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE cases_conviction, cases_subject, cases_determination, cases_evaluation, "
                "intake_upload, review_decision, review_objection, review_comment, "
                "review_assignment CASCADE"
            )
        t0 = time.perf_counter()
        seed(args.convictions)
        print(f"seed: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    total = Conviction.objects.count()
    reviewer, _ = User.objects.get_or_create(
        username="bench-reviewer", defaults={"role": Role.DA_REVIEWER, "county": COUNTY}
    )
    client = Client()
    client.force_login(reviewer)
    # Pages want the second factor too: mark the session verified, as tests/conftest.py does.
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=reviewer, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    some = list(Conviction.objects.order_by("?").values_list("pk", flat=True)[: args.runs])
    scenarios = {
        "queue (no filter)": "/review/",
        "queue outcome=eligible_dismissal": "/review/?outcome=eligible_dismissal",
        "queue state=flagged&level=felony": "/review/?state=flagged&level=felony",
        "queue flag=currently_serving": "/review/?flag=currently_serving",
        # the search text is POSTed; the queue URL carries a session token (never the text)
        "queue search by CII": client.post("/review/search/", {"q": "A00012345"})["Location"],
        "queue search by name": client.post("/review/search/", {"q": "SYNTH12345"})["Location"],
        "queue page 1000": "/review/?page=1000",
        "queue sort=-date": "/review/?sort=-date",
        "api list outcome=needs_review": "/api/v1/convictions/?outcome=needs_review",
    }
    print(f"{total} convictions in {COUNTY}; {args.runs} runs each; server time in ms")
    print(f"{'scenario':40} {'p50':>7} {'p95':>7} {'max':>7}")
    rows = {name: timed(client, url, args.runs) for name, url in scenarios.items()}
    detail = []
    for pk in some:
        t0 = time.perf_counter()
        assert client.get(f"/review/convictions/{pk}/").status_code == 200
        detail.append((time.perf_counter() - t0) * 1000)
    rows["conviction page (random)"] = detail
    from_queue = []
    for pk in some:  # opened from a filtered queue: adds the previous / next links
        t0 = time.perf_counter()
        url = f"/review/convictions/{pk}/?next=/review/%3Foutcome%3Deligible_dismissal"
        assert client.get(url).status_code == 200
        from_queue.append((time.perf_counter() - t0) * 1000)
    rows["conviction page from a filtered queue"] = from_queue
    for sort in ("-date", "person", "-person", "section", "state"):  # prev / next in that order
        samples = []
        for pk in some:
            t0 = time.perf_counter()
            url = f"/review/convictions/{pk}/?next=/review/%3Foutcome%3Deligible_dismissal%26sort%3D{sort}"
            response = client.get(url)
            assert response.status_code == 200
            assert response.context["next_url"] or response.context["previous_url"]
            samples.append((time.perf_counter() - t0) * 1000)
        rows[f"conviction page, queue sort={sort}"] = samples
    for name, samples in rows.items():
        samples.sort()
        p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
        print(f"{name:40} {statistics.median(samples):7.1f} {p95:7.1f} {samples[-1]:7.1f}")


if __name__ == "__main__":
    main()
