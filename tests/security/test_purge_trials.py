"""A what-if trial run on an old upload does not keep its records past retention."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clearrecord.cases.models import Evaluation, Subject
from clearrecord.retention import services

pytestmark = pytest.mark.django_db(transaction=True)


def _trial_of(upload, *, at: dt.datetime) -> Evaluation:
    current = Evaluation.objects.get(upload=upload, is_current=True)
    trial = Evaluation.objects.create(
        upload=upload,
        created_by=current.created_by,
        rule_set=current.rule_set,
        options={"trial": True},
        options_digest="trial",
        compute_at=current.compute_at,
        purpose=Evaluation.Purpose.WHATIF,
        state=Evaluation.State.COMPLETE,
    )
    Evaluation.objects.filter(pk=trial.pk).update(created_at=at)
    return trial


def test_a_recent_trial_does_not_hold_back_the_purge(canary_upload, settings) -> None:
    settings.CLEARRECORD_EVALUATION_RETENTION_DAYS = 30
    now = timezone.now()
    _trial_of(canary_upload, at=now + dt.timedelta(days=29))
    assert services.uploads_purge_expired(now=now + dt.timedelta(days=31)) == [canary_upload.pk]
    assert not Subject.objects.filter(upload=canary_upload).exists()


def test_a_recent_re_evaluation_still_holds_it_back(canary_upload, settings) -> None:
    settings.CLEARRECORD_EVALUATION_RETENTION_DAYS = 30
    now = timezone.now()
    Evaluation.objects.filter(upload=canary_upload, is_current=True).update(
        created_at=now + dt.timedelta(days=29)
    )
    assert services.uploads_purge_expired(now=now + dt.timedelta(days=31)) == []
    assert Subject.objects.filter(upload=canary_upload).exists()
