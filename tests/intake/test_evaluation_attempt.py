"""One attempt at a claimed evaluation (re-evaluation or what-if trial): its three ways out."""

from __future__ import annotations

import logging

import pytest

from clearrecord.cases import synthetic
from clearrecord.cases.models import Evaluation
from clearrecord.intake import pipeline
from clearrecord.intake.errors import LostClaim
from eligibility.doj import FileRejected

pytestmark = pytest.mark.django_db

SECRET = "TESTPERSON, CANARY"  # what an exception's text might quote


@pytest.fixture
def claimed() -> tuple[int, str]:
    upload, current = synthetic.published_upload("SACRAMENTO")
    queued = Evaluation.objects.create(
        upload=upload, created_by=current.created_by, rule_set="statutory",
        options_digest="1" * 64, compute_at=current.compute_at,
    )  # fmt: skip
    token = pipeline.evaluation_claim(evaluation_id=queued.pk)
    assert token
    return queued.pk, token


def _attempt(claimed, work, failures: list[str]) -> str:
    evaluation_id, token = claimed
    return pipeline.evaluation_attempt(
        evaluation_id, token, work, fail=lambda e, t, m: failures.append(m), label="test"
    )


def _state(claimed) -> tuple[str, str]:
    row = Evaluation.objects.get(pk=claimed[0])
    return row.state, row.claim_token


def test_done(claimed) -> None:
    seen: list[tuple[int, str]] = []
    assert _attempt(claimed, lambda e, t, progress: seen.append((e, t)), []) == "complete"
    assert seen == [claimed]


def test_a_lost_claim_writes_nothing(claimed) -> None:
    def lose(*args: object) -> None:
        raise LostClaim

    failures: list[str] = []
    assert _attempt(claimed, lose, failures) == "lost"
    assert failures == []
    assert _state(claimed) == (Evaluation.State.RUNNING, claimed[1])


def test_an_unreadable_file_fails_for_good_with_the_engines_message(claimed) -> None:
    def reject(*args: object) -> None:
        raise FileNotFoundError(SECRET)

    failures: list[str] = []
    assert _attempt(claimed, reject, failures) == "failed"
    assert failures == ["The original files could not be read."]


def test_file_rejected_passes_its_plain_words_on(claimed) -> None:
    def reject(*args: object) -> None:
        raise FileRejected("NOT_DOJ", 1, "rows.csv", "rows.csv is not a DOJ research file.")

    failures: list[str] = []
    assert _attempt(claimed, reject, failures) == "failed"
    assert failures == ["rows.csv is not a DOJ research file."]


def test_anything_else_goes_back_to_the_queue_and_logs_only_the_type(claimed, caplog) -> None:
    def crash(*args: object) -> None:
        raise ValueError(SECRET)

    with caplog.at_level(logging.INFO):
        assert _attempt(claimed, crash, []) == "retry"
    assert _state(claimed) == (Evaluation.State.QUEUED, "")
    assert "ValueError" in caplog.text
    assert SECRET not in caplog.text
