"""Twenty reviewers deciding the same convictions at once: no lost update, every loser told.

Real PostgreSQL, real transactions (`transaction=True`), one connection per thread. A barrier
placed between each thread's read and its conditional UPDATE makes all twenty read the same
version before any of them writes, so the race is certain rather than hoped for.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from clearrecord.audit.models import AuditEvent
from clearrecord.cases.models import Conviction
from clearrecord.review import services
from clearrecord.review import workflow as wf
from clearrecord.review.errors import StaleState
from clearrecord.review.models import Decision

THREADS = 20
CONVICTIONS = 10


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_deciding_the_same_convictions(make_user, make_conviction, monkeypatch):
    reviewers = [make_user("da_reviewer" if i % 2 else "da_supervisor") for i in range(THREADS)]
    ids = [make_conviction().pk for _ in range(CONVICTIONS)]
    barrier = threading.Barrier(THREADS, timeout=60)
    real_transition = wf.transition

    def transition_then_wait(*args, **kwargs):
        new_state = real_transition(*args, **kwargs)
        barrier.wait()  # everyone has read version 1; now all UPDATE together
        return new_state

    monkeypatch.setattr(services.wf, "transition", transition_then_wait)

    def review(index: int) -> list[tuple[int, str, object]]:
        actor = reviewers[index]
        outcomes = []
        try:
            for conviction_id in ids:
                try:
                    if index % 2:
                        services.conviction_not_challenge(actor=actor, conviction_id=conviction_id)
                        outcomes.append((conviction_id, "won", wf.NOT_CHALLENGED))
                    else:
                        services.conviction_challenge(
                            actor=actor,
                            conviction_id=conviction_id,
                            ground="unreasonable_risk",
                            note="Synthetic note.",
                        )
                        outcomes.append((conviction_id, "won", wf.CHALLENGED))
                except StaleState as stale:
                    outcomes.append((conviction_id, "stale", stale))
        finally:
            connection.close()
        return outcomes

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = [r for rs in pool.map(review, range(THREADS)) for r in rs]

    assert len(results) == THREADS * CONVICTIONS  # every attempt answered: won or told
    for conviction_id in ids:
        mine = [r for r in results if r[0] == conviction_id]
        winners = [r for r in mine if r[1] == "won"]
        losers = [r[2] for r in mine if r[1] == "stale"]
        assert len(winners) == 1
        assert len(losers) == THREADS - 1
        conviction = Conviction.objects.get(pk=conviction_id)
        # zero lost updates: exactly one write, and it is the winner's
        assert (conviction.review_state, conviction.version) == (winners[0][2], 2)
        for stale in losers:
            assert (stale.expected_state, stale.expected_version) == ("flagged", 1)
            assert (stale.current_state, stale.current_version) == (winners[0][2], 2)
        [decision] = Decision.objects.filter(conviction_id=conviction_id)
        assert decision.to_state == winners[0][2]
        outcomes = Counter(
            AuditEvent.objects.filter(
                object_type="cases.conviction", object_id=str(conviction_id)
            ).values_list("outcome", flat=True)
        )
        assert outcomes == {"success": 1, "failure": THREADS - 1}
