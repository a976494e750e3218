"""Two clerks recording an order on the same batch at once: one wins, the other is told (409).

Real transactions and threads. The first clerk's transaction pauses after it has locked the
batch and its convictions; the second is started and the test waits until PostgreSQL shows it
blocked on a lock, then lets the first commit. The overlap is certain, not hoped for.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from clearrecord.cases.models import Conviction
from clearrecord.exports import services
from clearrecord.exports.errors import AlreadyOrdered, ExportError, NothingToOrder
from clearrecord.exports.models import CourtOrder, OrderLine
from clearrecord.review import workflow as wf
from tests.review.builders import make_convictions

ORDER = {"order_date": dt.date(2026, 9, 1), "judge": "Hon. A. Synthetic", "outcome": "granted"}


def _blocked_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND datname = current_database()"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second_selects", [False, True])
def test_two_clerks_recording_the_same_batch_one_wins(
    make_user, monkeypatch, settings, tmp_path, second_selects
):
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr("clearrecord.exports.tasks.write_batch_files.delay", lambda *a: None)
    supervisor = make_user("da_supervisor")
    make_convictions(supervisor.county, 30, review_state="ready_for_export")
    batch = services.batch_build(user=supervisor)
    ids = list(batch.items.values_list("conviction_id", flat=True))
    clerks = [make_user("court_clerk") for _ in range(2)]

    first_locked, release = threading.Event(), threading.Event()
    real = wf.transition

    def pause_first(*args, **kwargs):
        if threading.current_thread().name == "first":
            first_locked.set()
            release.wait(timeout=30)
        return real(*args, **kwargs)

    monkeypatch.setattr(wf, "transition", pause_first)

    def record(index: int, number: str, selection):
        threading.current_thread().name = "first" if index == 0 else "second"
        try:
            return services.order_record(
                user=clerks[index], batch_id=batch.pk, order_number=number,
                conviction_ids=selection, **ORDER,
            )  # fmt: skip
        except ExportError as error:
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(record, 0, "ORD-A", None)
        assert first_locked.wait(timeout=30)
        second = pool.submit(record, 1, "ORD-B", ids[:5] if second_selects else None)
        deadline = time.monotonic() + 30
        while _blocked_backends() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _blocked_backends() >= 1  # the second clerk is waiting behind the first
        release.set()
        won, lost = first.result(timeout=60), second.result(timeout=60)

    assert isinstance(won, CourtOrder)
    assert won.line_count == 30
    assert isinstance(lost, AlreadyOrdered if second_selects else NothingToOrder)
    assert lost.http_status == 409
    assert OrderLine.objects.count() == 30
    assert set(OrderLine.objects.values_list("order__order_number", flat=True)) == {"ORD-A"}
    assert Conviction.objects.filter(review_state="order_recorded").count() == 30
