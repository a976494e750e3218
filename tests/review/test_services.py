"""Review services: each action, county isolation, the administrator refused, audit written."""

from __future__ import annotations

import pytest

from clearrecord.audit.models import AuditEvent
from clearrecord.cases.models import Conviction
from clearrecord.review import services
from clearrecord.review.errors import (
    InvalidInput,
    ObjectionBlocks,
    RoleNotPermitted,
    StaleState,
    TransitionNotAllowed,
)
from clearrecord.review.models import Assignment, Comment, Decision, Objection
from tests.conftest import OTHER_COUNTY

pytestmark = pytest.mark.django_db


def state_of(conviction: Conviction) -> tuple[str, int]:
    conviction.refresh_from_db()
    return conviction.review_state, conviction.version


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_not_challenge_moves_state_bumps_version_and_audits(prosecutor, make_conviction) -> None:
    conviction = make_conviction()
    moved = services.conviction_not_challenge(actor=prosecutor, conviction_id=conviction.pk)
    assert state_of(conviction) == ("not_challenged", 2)
    assert (moved.from_state, moved.to_state, moved.version) == ("flagged", "not_challenged", 2)
    decision = Decision.objects.get(conviction=conviction)
    assert (decision.action, decision.actor, decision.version) == ("not_challenge", prosecutor, 2)
    [event] = events("conviction.not_challenged")
    assert event.object_id == str(conviction.pk)
    assert event.actor == prosecutor
    assert event.detail == {"from": "flagged", "to": "not_challenged", "version": 2}


def test_challenge_records_ground_and_note_but_audits_only_the_ground(
    prosecutor, make_conviction
) -> None:
    conviction = make_conviction()
    services.conviction_challenge(
        actor=prosecutor,
        conviction_id=conviction.pk,
        ground="unreasonable_risk",
        note="  Recent violent felony.  ",
    )
    assert state_of(conviction)[0] == "challenged"
    decision = Decision.objects.get(conviction=conviction)
    assert (decision.ground, decision.note) == ("unreasonable_risk", "Recent violent felony.")
    [event] = events("conviction.challenged")
    assert event.detail["ground"] == "unreasonable_risk"
    assert "Recent" not in str(event.detail)


def test_challenge_without_note_is_refused_and_nothing_changes(prosecutor, make_conviction) -> None:
    conviction = make_conviction()
    with pytest.raises(InvalidInput):
        services.conviction_challenge(
            actor=prosecutor, conviction_id=conviction.pk, ground="unreasonable_risk", note=" "
        )
    assert state_of(conviction) == ("flagged", 1)
    assert not Decision.objects.exists()
    [event] = events("conviction.challenged")
    assert event.outcome == "failure"
    assert event.detail == {"error": "InvalidInput"}


def test_modify_records_the_remedy(supervisor, make_conviction) -> None:
    conviction = make_conviction()
    services.conviction_modify(
        actor=supervisor, conviction_id=conviction.pk, remedy="dismiss_and_seal", note="Dismiss."
    )
    assert state_of(conviction)[0] == "modified"
    assert Decision.objects.get(conviction=conviction).remedy == "dismiss_and_seal"


def test_undo_flags_the_conviction_again(prosecutor, make_conviction) -> None:
    conviction = make_conviction()
    services.conviction_not_challenge(actor=prosecutor, conviction_id=conviction.pk)
    services.conviction_undo(actor=prosecutor, conviction_id=conviction.pk)
    assert state_of(conviction) == ("flagged", 3)
    assert [d.action for d in Decision.objects.filter(conviction=conviction)] == [
        "not_challenge",
        "undo",
    ]
    assert len(events("conviction.undone")) == 1


def test_undo_after_export_is_refused(prosecutor, make_conviction) -> None:
    conviction = make_conviction(review_state="exported")
    with pytest.raises(TransitionNotAllowed):
        services.conviction_undo(actor=prosecutor, conviction_id=conviction.pk)
    assert state_of(conviction) == ("exported", 1)


def test_expected_version_that_is_old_is_stale(prosecutor, make_conviction) -> None:
    conviction = make_conviction()
    services.conviction_not_challenge(actor=prosecutor, conviction_id=conviction.pk)
    with pytest.raises(StaleState) as caught:
        services.conviction_challenge(
            actor=prosecutor,
            conviction_id=conviction.pk,
            ground="unreasonable_risk",
            note="x",
            expected_version=1,
        )
    assert (caught.value.current_state, caught.value.current_version) == ("not_challenged", 2)
    assert state_of(conviction) == ("not_challenged", 2)


def test_a_concurrent_change_between_read_and_update_is_stale(
    prosecutor, make_conviction, monkeypatch
) -> None:
    """The conditional UPDATE, not the earlier read, decides: simulate a colleague in between."""
    conviction = make_conviction()
    real = services.wf.transition

    def colleague_first(*args, **kwargs):
        Conviction.objects.filter(pk=conviction.pk).update(review_state="challenged", version=7)
        return real(*args, **kwargs)

    monkeypatch.setattr(services.wf, "transition", colleague_first)
    with pytest.raises(StaleState) as caught:
        services.conviction_not_challenge(actor=prosecutor, conviction_id=conviction.pk)
    assert (caught.value.current_state, caught.value.current_version) == ("challenged", 7)
    assert not Decision.objects.exists()


def test_objection_blocks_release_until_a_da_responds(
    prosecutor, supervisor, defender, make_conviction
) -> None:
    conviction = make_conviction()
    services.conviction_challenge(
        actor=prosecutor, conviction_id=conviction.pk, ground="does_not_meet_criteria", note="x"
    )
    moved = services.objection_raise(
        actor=defender, conviction_id=conviction.pk, note="He qualifies."
    )
    assert state_of(conviction) == ("challenged", 3)  # same state, new version
    objection = Objection.objects.get(conviction=conviction)
    assert (objection.status, objection.decision_state) == ("open", "challenged")
    assert moved.objection == objection
    with pytest.raises(ObjectionBlocks):
        services.conviction_release(actor=supervisor, conviction_id=conviction.pk)
    with pytest.raises(ObjectionBlocks):
        services.conviction_undo(actor=prosecutor, conviction_id=conviction.pk)
    with pytest.raises(ObjectionBlocks):
        services.objection_raise(actor=defender, conviction_id=conviction.pk, note="again")
    services.objection_respond(
        actor=prosecutor, conviction_id=conviction.pk, withdraw=False, note="Record shows risk."
    )
    objection.refresh_from_db()
    assert (objection.status, objection.responded_by) == ("maintained", prosecutor)
    assert objection.response_note == "Record shows risk."
    services.conviction_release(actor=supervisor, conviction_id=conviction.pk)
    assert state_of(conviction)[0] == "ready_for_export"
    assert [e.action for e in AuditEvent.objects.filter(object_id=str(conviction.pk))][::-1] == [
        "conviction.challenged",
        "objection.raised",
        "conviction.released",  # refused
        "conviction.undone",  # refused
        "objection.raised",  # refused
        "objection.maintained",
        "conviction.released",
    ]


def test_withdrawing_a_challenge_leaves_relief_as_determined(
    prosecutor, defender, make_conviction
) -> None:
    conviction = make_conviction()
    services.conviction_challenge(
        actor=prosecutor, conviction_id=conviction.pk, ground="unreasonable_risk", note="x"
    )
    services.objection_raise(actor=defender, conviction_id=conviction.pk, note="No risk.")
    services.objection_respond(actor=prosecutor, conviction_id=conviction.pk, withdraw=True)
    assert state_of(conviction)[0] == "not_challenged"
    assert Objection.objects.get().status == "withdrawn"


def test_respond_without_an_open_objection_is_refused(prosecutor, make_conviction) -> None:
    conviction = make_conviction(review_state="challenged")
    with pytest.raises(TransitionNotAllowed):
        services.objection_respond(
            actor=prosecutor, conviction_id=conviction.pk, withdraw=False, note="x"
        )


def test_defender_cannot_challenge(defender, make_conviction) -> None:
    conviction = make_conviction()
    with pytest.raises(RoleNotPermitted):
        services.conviction_challenge(
            actor=defender, conviction_id=conviction.pk, ground="unreasonable_risk", note="x"
        )
    assert state_of(conviction) == ("flagged", 1)


def test_prosecutor_cannot_object(prosecutor, make_conviction) -> None:
    conviction = make_conviction(review_state="challenged")
    with pytest.raises(RoleNotPermitted):
        services.objection_raise(actor=prosecutor, conviction_id=conviction.pk, note="x")


@pytest.mark.parametrize(
    "call",
    [
        lambda a, c: services.conviction_not_challenge(actor=a, conviction_id=c),
        lambda a, c: services.conviction_challenge(
            actor=a, conviction_id=c, ground="unreasonable_risk", note="x"
        ),
        lambda a, c: services.conviction_modify(
            actor=a, conviction_id=c, remedy="redesignate", note="x"
        ),
        lambda a, c: services.conviction_undo(actor=a, conviction_id=c),
        lambda a, c: services.conviction_release(actor=a, conviction_id=c),
        lambda a, c: services.conviction_claim(actor=a, conviction_id=c),
        lambda a, c: services.objection_raise(actor=a, conviction_id=c, note="x"),
        lambda a, c: services.objection_respond(actor=a, conviction_id=c, withdraw=True),
        lambda a, c: services.comment_add(actor=a, conviction_id=c, body="x"),
    ],
)
def test_the_administrator_is_refused_every_action(administrator, make_conviction, call) -> None:
    conviction = make_conviction(county=administrator.county)
    with pytest.raises(RoleNotPermitted):
        call(administrator, conviction.pk)
    assert state_of(conviction) == ("flagged", 1)
    assert not Comment.objects.exists()
    assert AuditEvent.objects.filter(outcome="denied").count() == 1


@pytest.mark.parametrize(
    "call",
    [
        lambda a, c: services.conviction_not_challenge(actor=a, conviction_id=c),
        lambda a, c: services.conviction_challenge(
            actor=a, conviction_id=c, ground="unreasonable_risk", note="x"
        ),
        lambda a, c: services.conviction_undo(actor=a, conviction_id=c),
        lambda a, c: services.conviction_claim(actor=a, conviction_id=c),
        lambda a, c: services.comment_add(actor=a, conviction_id=c, body="x"),
    ],
)
def test_another_countys_conviction_does_not_exist(outsider, make_conviction, call) -> None:
    conviction = make_conviction()  # home county; the outsider is a DA supervisor elsewhere
    with pytest.raises(Conviction.DoesNotExist):
        call(outsider, conviction.pk)
    assert state_of(conviction) == ("flagged", 1)
    assert AuditEvent.objects.get().outcome == "denied"


def test_another_countys_defender_cannot_object(make_user, make_conviction) -> None:
    conviction = make_conviction(review_state="challenged")
    stranger = make_user("public_defender", county=OTHER_COUNTY)
    with pytest.raises(Conviction.DoesNotExist):
        services.objection_raise(actor=stranger, conviction_id=conviction.pk, note="x")
    assert not Objection.objects.exists()


def test_claim_takes_a_free_conviction_but_not_a_colleagues(
    prosecutor, make_user, make_conviction
) -> None:
    conviction = make_conviction()
    colleague = make_user("da_reviewer")
    services.conviction_claim(actor=prosecutor, conviction_id=conviction.pk)
    services.conviction_claim(actor=prosecutor, conviction_id=conviction.pk)  # idempotent
    with pytest.raises(TransitionNotAllowed):
        services.conviction_claim(actor=colleague, conviction_id=conviction.pk)
    assert Assignment.objects.get().reviewer == prosecutor
    assert state_of(conviction) == ("flagged", 1)  # a claim is not a decision


def test_supervisor_assigns_to_a_da_of_the_county_only(
    supervisor, prosecutor, defender, make_user, make_conviction
) -> None:
    conviction = make_conviction()
    services.conviction_claim(actor=prosecutor, conviction_id=conviction.pk)
    colleague = make_user("da_reviewer")
    services.conviction_assign(
        actor=supervisor, conviction_id=conviction.pk, reviewer_id=colleague.pk
    )
    assert Assignment.objects.get().reviewer == colleague
    for wrong in (defender, make_user("da_reviewer", county=OTHER_COUNTY)):
        with pytest.raises(InvalidInput):
            services.conviction_assign(
                actor=supervisor, conviction_id=conviction.pk, reviewer_id=wrong.pk
            )
    with pytest.raises(RoleNotPermitted):
        services.conviction_assign(
            actor=prosecutor, conviction_id=conviction.pk, reviewer_id=prosecutor.pk
        )


def test_comments_on_a_conviction_and_a_person(prosecutor, defender, make_conviction) -> None:
    conviction = make_conviction()
    services.comment_add(actor=defender, conviction_id=conviction.pk, body="Client employed.")
    services.comment_add(actor=prosecutor, subject_id=conviction.subject_id, body="Seen.")
    on_conviction, on_person = Comment.objects.order_by("id")
    assert (on_conviction.conviction, on_conviction.subject) == (conviction, None)
    assert (on_person.conviction, on_person.subject_id) == (None, conviction.subject_id)
    assert on_conviction.county == defender.county
    assert [e.detail for e in events("comment.added")] == [
        {"comment_id": on_conviction.pk},
        {"comment_id": on_person.pk},
    ]
    with pytest.raises(InvalidInput):
        services.comment_add(actor=defender, conviction_id=conviction.pk, body="")
    with pytest.raises(InvalidInput):
        services.comment_add(actor=defender, body="x")


def test_clerk_cannot_comment(clerk, make_conviction) -> None:
    conviction = make_conviction()
    with pytest.raises(RoleNotPermitted):
        services.comment_add(actor=clerk, conviction_id=conviction.pk, body="x")


def test_bulk_not_challenge_moves_only_flagged_without_objection(
    supervisor, defender, make_conviction
) -> None:
    flagged = [make_conviction() for _ in range(5)]
    decided = make_conviction(review_state="challenged")
    objected = make_conviction(review_state="not_challenged")
    services.objection_raise(actor=defender, conviction_id=objected.pk, note="x")
    foreign = make_conviction(county=OTHER_COUNTY)
    everything = Conviction.objects.all()
    result = services.conviction_bulk_not_challenge(actor=supervisor, convictions=everything)
    assert (result.changed, result.skipped) == (5, 2)  # the foreign one is not even counted
    assert all(state_of(c) == ("not_challenged", 2) for c in flagged)
    assert state_of(decided)[0] == "challenged"
    assert state_of(foreign) == ("flagged", 1)
    assert Decision.objects.filter(bulk=True).count() == 5
    assert len(events("conviction.not_challenged")) == 5
    [summary] = events("convictions.bulk_not_challenge")
    assert summary.detail == {"changed": 5, "skipped": 2, "flagged": 5}


def test_bulk_release_signs_off_every_decided_conviction(
    supervisor, prosecutor, make_conviction
) -> None:
    convictions = [
        make_conviction(review_state=s) for s in ("not_challenged", "challenged", "modified")
    ]
    flagged = make_conviction()
    result = services.conviction_bulk_release(
        actor=supervisor, convictions=Conviction.objects.all()
    )
    assert (result.changed, result.skipped) == (3, 1)
    assert {state_of(c)[0] for c in convictions} == {"ready_for_export"}
    assert state_of(flagged)[0] == "flagged"


def test_bulk_is_for_supervisors(prosecutor, make_conviction) -> None:
    make_conviction()
    with pytest.raises(RoleNotPermitted):
        services.conviction_bulk_not_challenge(
            actor=prosecutor, convictions=Conviction.objects.all()
        )
    assert Conviction.objects.get().review_state == "flagged"


def test_bulk_challenge_needs_a_ground_and_note(supervisor, make_conviction) -> None:
    make_conviction()
    with pytest.raises(InvalidInput):
        services.conviction_bulk_decide(
            actor=supervisor, convictions=Conviction.objects.all(), action="challenge"
        )
    result = services.conviction_bulk_decide(
        actor=supervisor,
        convictions=Conviction.objects.all(),
        action="challenge",
        ground="does_not_meet_criteria",
        note="Out of county.",
    )
    assert result.changed == 1
    assert Decision.objects.get().ground == "does_not_meet_criteria"


def test_export_moves_only_released_convictions_without_objection(
    supervisor, defender, make_conviction
) -> None:
    ready = make_conviction(review_state="ready_for_export")
    objected = make_conviction(review_state="ready_for_export")
    services.objection_raise(actor=defender, conviction_id=objected.pk, note="x")
    flagged = make_conviction()
    foreign = make_conviction(county=OTHER_COUNTY, review_state="ready_for_export")
    moved = services.convictions_export(
        actor=supervisor,
        conviction_ids=[ready.pk, objected.pk, flagged.pk, foreign.pk],
        batch_id=7,
    )
    assert moved == [ready.pk]
    assert state_of(ready) == ("exported", 2)
    assert state_of(objected)[0] == "ready_for_export"
    assert state_of(foreign)[0] == "ready_for_export"
    [event] = events("conviction.exported")
    assert (event.object_id, event.detail) == (str(ready.pk), {"batch_id": 7})
    assert Decision.objects.get(conviction=ready).action == "export"


def test_only_the_batch_builder_exports(prosecutor, make_conviction) -> None:
    ready = make_conviction(review_state="ready_for_export")
    with pytest.raises(RoleNotPermitted):
        services.convictions_export(actor=prosecutor, conviction_ids=[ready.pk], batch_id=1)
    assert state_of(ready)[0] == "ready_for_export"


def test_clerk_records_the_court_order_on_an_exported_conviction(
    clerk, make_user, make_conviction
) -> None:
    exported = make_conviction(review_state="exported")
    services.conviction_record_order(actor=clerk, conviction_id=exported.pk)
    assert state_of(exported) == ("order_recorded", 2)
    assert len(events("conviction.order_recorded")) == 1
    not_yet = make_conviction(review_state="ready_for_export")
    with pytest.raises(Conviction.DoesNotExist):  # the clerk sees only what reached the court
        services.conviction_record_order(actor=clerk, conviction_id=not_yet.pk)
    elsewhere = make_conviction(county=OTHER_COUNTY, review_state="exported")
    with pytest.raises(Conviction.DoesNotExist):
        services.conviction_record_order(actor=clerk, conviction_id=elsewhere.pk)
    with pytest.raises(RoleNotPermitted):
        services.conviction_record_order(
            actor=make_user("da_supervisor"), conviction_id=exported.pk
        )
