"""Recording the court's order: transitions, outcomes, county and batch checks, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from clearrecord.accounts.models import Role
from clearrecord.audit.models import AuditEvent, Outcome
from clearrecord.cases.models import Conviction
from clearrecord.exports import services
from clearrecord.exports.errors import (
    AlreadyOrdered,
    InvalidOrder,
    NothingToOrder,
    NotInBatch,
    NotPermitted,
)
from clearrecord.exports.models import CourtOrder, OrderLine
from clearrecord.review.models import Decision
from tests.conftest import OTHER_COUNTY

pytestmark = pytest.mark.django_db

ORDER = {"order_date": dt.date(2026, 9, 1), "judge": "Hon. A. Synthetic", "order_number": "ORD-1"}


@pytest.fixture
def batch(supervisor, ready):
    ready(6)
    return services.batch_build(user=supervisor)


@pytest.fixture
def challenged_batch(supervisor, ready):
    """Two convictions not challenged, one challenged (its release came from `challenged`)."""
    plain = ready(2)
    challenged = ready(1)[0]
    Decision.objects.create(
        conviction=challenged, action="challenge", from_state="flagged", to_state="challenged",
        version=2, ground="unreasonable_risk", note="Synthetic reason.", actor=supervisor,
    )  # fmt: skip
    Decision.objects.create(
        conviction=challenged, action="release", from_state="challenged",
        to_state="ready_for_export", version=3, actor=supervisor,
    )  # fmt: skip
    Conviction.objects.filter(pk=challenged.pk).update(version=3)
    batch = services.batch_build(user=supervisor)
    return batch, [c.pk for c in plain], challenged.pk


def test_whole_batch_moves_every_conviction_to_order_recorded(clerk, batch):
    order = services.order_record(user=clerk, batch_id=batch.pk, outcome="granted", **ORDER)
    assert order.line_count == 6
    assert set(Conviction.objects.values_list("review_state", flat=True)) == {"order_recorded"}
    assert OrderLine.objects.filter(order=order, outcome="granted").count() == 6
    steps = Decision.objects.filter(action="record_order")
    assert steps.count() == 6
    assert {(d.from_state, d.to_state, d.note) for d in steps} == {
        ("exported", "order_recorded", "Granted")
    }
    # each step carries the version it produced: export made it v2, the order v3
    assert set(steps.values_list("version", flat=True)) == {3}
    assert set(Conviction.objects.values_list("version", flat=True)) == {3}


def test_recording_is_audited_per_conviction_and_per_batch(clerk, batch):
    order = services.order_record(user=clerk, batch_id=batch.pk, outcome="granted", **ORDER)
    assert AuditEvent.objects.filter(action="conviction.order_recorded").count() == 6
    event = AuditEvent.objects.get(action="batch.order_recorded")
    assert event.object_id == str(batch.pk)
    assert event.detail == {
        "order_id": order.pk, "convictions": 6, "granted": 6, "denied": 0, "modified": 0,
    }  # fmt: skip
    assert "Synthetic" not in str(event.detail)  # no record contents, not even the judge


def test_partial_order_then_the_rest(clerk, batch):
    ids = list(batch.items.values_list("conviction_id", flat=True))
    first = services.order_record(
        user=clerk, batch_id=batch.pk, outcome="denied", conviction_ids=ids[:2], **ORDER
    )
    assert first.line_count == 2
    assert Conviction.objects.filter(review_state="exported").count() == 4
    rest = services.order_record(
        user=clerk, batch_id=batch.pk, outcome="granted", **{**ORDER, "order_number": "ORD-2"}
    )
    assert rest.line_count == 4
    assert set(OrderLine.objects.filter(order=rest).values_list("conviction_id", flat=True)) == set(
        ids[2:]
    )
    with pytest.raises(NothingToOrder):
        services.order_record(user=clerk, batch_id=batch.pk, outcome="granted", **ORDER)


def test_double_record_of_the_same_conviction_is_a_409(clerk, batch):
    ids = list(batch.items.values_list("conviction_id", flat=True))
    services.order_record(
        user=clerk, batch_id=batch.pk, outcome="granted", conviction_ids=ids[:1], **ORDER
    )
    with pytest.raises(AlreadyOrdered) as caught:
        services.order_record(
            user=clerk, batch_id=batch.pk, outcome="denied", conviction_ids=ids[:2], **ORDER
        )
    assert caught.value.http_status == 409
    assert OrderLine.objects.count() == 1  # the second order wrote nothing
    assert CourtOrder.objects.count() == 1
    refused = AuditEvent.objects.get(action="batch.order_recorded", outcome=Outcome.FAILURE)
    assert refused.detail == {"error": "AlreadyOrdered"}


def test_conviction_of_another_batch_is_refused(clerk, supervisor, batch, ready):
    ready(1)
    other = services.batch_build(user=supervisor)
    stranger = other.items.get().conviction_id
    with pytest.raises(NotInBatch):
        services.order_record(
            user=clerk, batch_id=batch.pk, outcome="granted", conviction_ids=[stranger], **ORDER
        )
    assert Conviction.objects.get(pk=stranger).review_state == "exported"


def test_conviction_of_another_county_is_refused(clerk, batch, make_user, ready):
    ready(1, county=OTHER_COUNTY)
    services.batch_build(user=make_user(Role.DA_SUPERVISOR, county=OTHER_COUNTY))
    theirs = Conviction.objects.get(county=OTHER_COUNTY).pk
    with pytest.raises(NotInBatch):
        services.order_record(
            user=clerk, batch_id=batch.pk, outcome="granted", conviction_ids=[theirs], **ORDER
        )
    with pytest.raises(NotInBatch):  # nor through a per-conviction outcome
        services.order_record(
            user=clerk, batch_id=batch.pk, outcome="granted",
            overrides={theirs: ("denied", "")}, **ORDER,
        )  # fmt: skip
    assert not OrderLine.objects.exists()


def test_another_countys_batch_does_not_exist_for_the_clerk(batch, make_user):
    outsider_clerk = make_user(Role.COURT_CLERK, county=OTHER_COUNTY)
    with pytest.raises(ObjectDoesNotExist):
        services.order_record(user=outsider_clerk, batch_id=batch.pk, outcome="granted", **ORDER)
    assert AuditEvent.objects.get(action="batch.order_recorded").outcome == Outcome.DENIED


@pytest.mark.parametrize("role", [Role.DA_SUPERVISOR, Role.DA_REVIEWER, Role.PUBLIC_DEFENDER])
def test_only_a_clerk_records(make_user, batch, role):
    with pytest.raises(NotPermitted):
        services.order_record(user=make_user(role), batch_id=batch.pk, outcome="granted", **ORDER)
    assert not OrderLine.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"order_date": None}, "order_date"),
        ({"order_date": dt.date(2999, 1, 1)}, "order_date"),
        ({"judge": "  "}, "judge"),
        ({"order_number": ""}, "order_number"),
        ({"outcome": "maybe"}, "outcome"),
        ({"outcome": None}, "outcome"),
        ({"outcome": "modified"}, "note"),  # modified needs a note
    ],
)
def test_incomplete_orders_are_refused(clerk, batch, change, field):
    with pytest.raises(InvalidOrder) as caught:
        services.order_record(
            user=clerk, batch_id=batch.pk, **{**ORDER, "outcome": "granted", **change}
        )
    assert caught.value.field == field
    assert not OrderLine.objects.exists()
    assert Conviction.objects.filter(review_state="exported").count() == 6


def test_a_missing_note_names_the_field_to_fix(clerk, batch, challenged_batch):
    """A row's own modified outcome: its own note; a challenged one: the challenged note."""
    pk = batch.items.values_list("conviction_id", flat=True).first()
    with pytest.raises(InvalidOrder) as caught:
        services.order_record(
            user=clerk, batch_id=batch.pk, outcome="granted", overrides={pk: ("modified", "")},
            **ORDER,
        )  # fmt: skip
    assert caught.value.field == f"note-{pk}"
    challenged, *_ = challenged_batch
    with pytest.raises(InvalidOrder) as caught:
        services.order_record(
            user=clerk, batch_id=challenged.pk, outcome="granted",
            challenged_outcome="modified", challenged_note=" ", **ORDER,
        )  # fmt: skip
    assert caught.value.field == "challenged_note"
    assert not OrderLine.objects.exists()


def test_a_challenged_conviction_needs_the_courts_ruling(clerk, challenged_batch):
    batch, _, challenged = challenged_batch
    with pytest.raises(InvalidOrder) as caught:
        services.order_record(user=clerk, batch_id=batch.pk, outcome="granted", **ORDER)
    assert caught.value.field == "challenged_outcome"
    assert not OrderLine.objects.exists()
    services.order_record(
        user=clerk, batch_id=batch.pk, outcome="granted", challenged_outcome="denied", **ORDER
    )
    assert OrderLine.objects.get(conviction_id=challenged).outcome == "denied"
    assert OrderLine.objects.filter(outcome="granted").count() == 2
    assert Conviction.objects.get(pk=challenged).review_state == "order_recorded"


def test_a_selection_without_challenged_convictions_needs_no_ruling_on_them(
    clerk, challenged_batch
):
    batch, plain, challenged = challenged_batch
    services.order_record(
        user=clerk, batch_id=batch.pk, outcome="granted", conviction_ids=plain, **ORDER
    )
    assert Conviction.objects.get(pk=challenged).review_state == "exported"


def test_per_conviction_outcomes_override_the_defaults(clerk, challenged_batch):
    batch, plain, challenged = challenged_batch
    services.order_record(
        user=clerk,
        batch_id=batch.pk,
        outcome="granted",
        overrides={
            plain[0]: ("modified", "Reduced to an infraction."),
            challenged: ("granted", ""),
        },
        **ORDER,
    )
    lines = dict(OrderLine.objects.values_list("conviction_id", "outcome"))
    assert lines == {plain[0]: "modified", plain[1]: "granted", challenged: "granted"}
    note = Decision.objects.get(conviction_id=plain[0], action="record_order").note
    assert note == "Modified: Reduced to an infraction."


def test_order_date_today_is_accepted(clerk, batch):
    order = services.order_record(
        user=clerk, batch_id=batch.pk, outcome="granted",
        **{**ORDER, "order_date": timezone.localdate()},
    )  # fmt: skip
    assert order.line_count == 6
