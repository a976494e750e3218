"""Building a batch: what goes in, what stays out, who may build, and that it is audited."""

from __future__ import annotations

import pytest

from clearrecord.audit.models import AuditEvent
from clearrecord.cases.models import Conviction
from clearrecord.exports import services
from clearrecord.exports.errors import InvalidFilter, NothingToExport, NotPermitted
from clearrecord.exports.models import BatchItem, Disposition
from clearrecord.review.models import Decision, Objection
from tests.conftest import OTHER_COUNTY
from tests.review.builders import make_convictions

pytestmark = pytest.mark.django_db


def test_builds_every_ready_conviction_of_the_county_and_exports_them(supervisor, ready):
    mine = ready(3)
    ready(2, county=OTHER_COUNTY)
    make_convictions(supervisor.county, 2, review_state="not_challenged")
    batch = services.batch_build(user=supervisor)
    assert batch.conviction_count == 3
    assert set(batch.items.values_list("conviction_id", flat=True)) == {c.pk for c in mine}
    states = set(Conviction.objects.filter(pk__in=[c.pk for c in mine]).values_list(
        "review_state", "version"))  # fmt: skip
    assert states == {("exported", 2)}
    assert Decision.objects.filter(action="export", conviction__in=mine).count() == 3
    event = AuditEvent.objects.get(action="batch.built")
    assert event.object_id == str(batch.pk)
    assert event.detail["convictions"] == 3
    assert AuditEvent.objects.filter(action="conviction.exported").count() == 3


def test_a_conviction_cannot_be_exported_twice(supervisor, ready):
    ready(2)
    first = services.batch_build(user=supervisor)
    with pytest.raises(NothingToExport):
        services.batch_build(user=supervisor)
    assert BatchItem.objects.count() == 2
    assert set(BatchItem.objects.values_list("batch_id", flat=True)) == {first.pk}


def test_the_database_refuses_a_second_item_for_a_conviction(supervisor, ready):
    from django.db import IntegrityError, transaction

    conviction = ready(1)[0]
    batch = services.batch_build(user=supervisor)
    with pytest.raises(IntegrityError), transaction.atomic():
        BatchItem.objects.create(batch=batch, conviction=conviction, disposition="not_challenged")


def test_a_conviction_with_an_open_objection_is_not_exported(supervisor, defender, ready):
    blocked, free = ready(2)
    Objection.objects.create(
        conviction=blocked, decision_state="ready_for_export", note="Synthetic.", raised_by=defender
    )
    batch = services.batch_build(user=supervisor)
    assert list(batch.items.values_list("conviction_id", flat=True)) == [free.pk]
    blocked.refresh_from_db()
    assert blocked.review_state == "ready_for_export"


def test_only_the_open_objection_blocks(supervisor, defender, ready):
    conviction = ready(1)[0]
    Objection.objects.create(
        conviction=conviction,
        decision_state="ready_for_export",
        note="Synthetic.",
        raised_by=defender,
        status="maintained",
        responded_by=supervisor,
    )
    assert services.batch_build(user=supervisor).conviction_count == 1


@pytest.mark.parametrize("role", ["da_reviewer", "public_defender", "court_clerk", "admin"])
def test_only_a_supervisor_builds(make_user, ready, role):
    ready(1)
    with pytest.raises(NotPermitted):
        services.batch_build(user=make_user(role))
    assert not BatchItem.objects.exists()
    assert AuditEvent.objects.get(action="batch.built").outcome == "denied"


def test_filter_narrows_the_batch(supervisor, ready):
    felony = ready(2, level="felony", section="11359")
    ready(3)
    batch = services.batch_build(user=supervisor, filters={"section": "11359"})
    assert set(batch.items.values_list("conviction_id", flat=True)) == {c.pk for c in felony}


def test_unknown_filter_is_refused(supervisor, ready):
    ready(1)
    with pytest.raises(InvalidFilter):
        services.batch_build(user=supervisor, filters={"name": "x"})
    with pytest.raises(InvalidFilter):
        services.batch_build(user=supervisor, filters={"section": "999"})


def test_disposition_comes_from_the_released_decision(supervisor, ready):
    challenged, modified, plain = ready(3)
    for conviction, action, state, extra in (
        (challenged, "challenge", "challenged", {"ground": "unreasonable_risk", "note": "Risk."}),
        (modified, "modify", "modified", {"remedy": "dismiss_and_seal", "note": "Modified."}),
    ):
        Decision.objects.create(conviction=conviction, action=action, from_state="flagged",
                                to_state=state, version=2, actor=supervisor, **extra)  # fmt: skip
        Decision.objects.create(conviction=conviction, action="release", from_state=state,
                                to_state="ready_for_export", version=3, actor=supervisor)  # fmt: skip
    Conviction.objects.filter(pk__in=[challenged.pk, modified.pk]).update(version=3)
    batch = services.batch_build(user=supervisor)
    items = {i.conviction_id: i for i in batch.items.all()}
    assert items[challenged.pk].disposition == Disposition.CHALLENGED
    assert items[challenged.pk].ground == "unreasonable_risk"
    assert items[modified.pk].disposition == Disposition.MODIFIED
    assert items[modified.pk].remedy == "dismiss_and_seal"
    assert items[plain.pk].disposition == Disposition.NOT_CHALLENGED
    assert batch.challenged_count == 1
