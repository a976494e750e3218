"""Two supervisors building at once never share a conviction (real transactions and threads).

A barrier after each build has locked its rows but before it commits holds both transactions
open together, so the second build's SELECT ... FOR UPDATE SKIP LOCKED runs while the first
holds its locks: the overlap is certain, not hoped for.
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from clearrecord.cases.models import Conviction
from clearrecord.exports import services
from clearrecord.exports.errors import NothingToExport
from clearrecord.exports.models import BatchItem
from tests.review.builders import make_convictions


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_builds_never_share_a_conviction(make_user, monkeypatch, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr("clearrecord.exports.tasks.write_batch_files.delay", lambda *a: None)
    supervisors = [make_user("da_supervisor") for _ in range(2)]
    make_convictions(supervisors[0].county, 40, review_state="ready_for_export")
    barrier = threading.Barrier(2, timeout=30)
    real = services._released_decisions

    def locked_then_wait(ids):
        found = real(ids)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()  # both builds now hold (or skipped) their row locks
        return found

    monkeypatch.setattr(services, "_released_decisions", locked_then_wait)

    def build(index: int):
        try:
            return services.batch_build(user=supervisors[index])
        except NothingToExport:
            barrier.abort()  # the other build took everything before this one locked
            return None
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        batches = [b for b in pool.map(build, range(2)) if b is not None]

    items = list(BatchItem.objects.values_list("batch_id", "conviction_id"))
    convictions = [c for _, c in items]
    assert len(convictions) == len(set(convictions)) == 40
    assert sum(b.conviction_count for b in batches) == 40
    assert Conviction.objects.filter(review_state="exported").count() == 40
