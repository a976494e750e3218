"""The review transition table, exhaustively: every state x action x actor x objection flag.

`ALLOWED` is written out by hand, independently of `workflow.RULES`: each line is one permitted
move. Everything not listed must be refused with the right domain error.
"""

from __future__ import annotations

import itertools

import pytest

from clearrecord.accounts.models import Role
from clearrecord.review import workflow as wf
from clearrecord.review.errors import (
    InvalidInput,
    ObjectionBlocks,
    RoleNotPermitted,
    StaleState,
    TransitionNotAllowed,
    http_status,
)

DA_ROLES = ("da_reviewer", "da_supervisor")
PD = "public_defender"
DECIDED = ("not_challenged", "challenged", "modified", "ready_for_export")
WORK = ("flagged", "not_challenged", "challenged", "modified")
NO, YES = False, True

#: (action, actor, state, has_open_objection) -> next state
ALLOWED: dict[tuple[str, str, str, bool], str] = {}
for da in DA_ROLES:
    ALLOWED[("not_challenge", da, "flagged", NO)] = "not_challenged"
    ALLOWED[("challenge", da, "flagged", NO)] = "challenged"
    ALLOWED[("modify", da, "flagged", NO)] = "modified"
    for s in DECIDED:
        ALLOWED[("undo", da, s, NO)] = "flagged"
        ALLOWED[("respond_maintain", da, s, YES)] = s
    ALLOWED[("respond_withdraw", da, "challenged", YES)] = "not_challenged"
    ALLOWED[("respond_withdraw", da, "modified", YES)] = "not_challenged"
    ALLOWED[("respond_withdraw", da, "not_challenged", YES)] = "flagged"
    ALLOWED[("respond_withdraw", da, "ready_for_export", YES)] = "flagged"
    for s in WORK:
        for flag in (NO, YES):
            ALLOWED[("claim", da, s, flag)] = s
for s in WORK:
    for flag in (NO, YES):
        ALLOWED[("assign", "da_supervisor", s, flag)] = s
for s in ("not_challenged", "challenged", "modified"):
    ALLOWED[("release", "da_supervisor", s, NO)] = "ready_for_export"
for s in DECIDED:
    ALLOWED[("raise_objection", PD, s, NO)] = s
for who in (*DA_ROLES, PD):
    for s in wf.STATES:
        for flag in (NO, YES):
            ALLOWED[("comment", who, s, flag)] = s
ALLOWED[("export", "export_service", "ready_for_export", NO)] = "exported"
for flag in (NO, YES):
    ALLOWED[("record_order", "court_clerk", "exported", flag)] = "order_recorded"

#: the roles that may ever take each action (anything else: RoleNotPermitted)
ROLES_FOR = {action: {who for (a, who, _s, _f) in ALLOWED if a == action} for action in wf.ACTIONS}

#: reasons complete enough for every action
GOOD = {"ground": "unreasonable_risk", "remedy": "dismiss_and_seal", "note": "Reason given."}

PRODUCT = list(itertools.product(wf.STATES, wf.ACTIONS, wf.ACTORS, (NO, YES)))


def test_the_product_is_complete() -> None:
    assert len(wf.STATES) == 7
    assert len(wf.ACTIONS) == 13
    assert len(wf.ACTORS) == 6
    assert len(PRODUCT) == 7 * 13 * 6 * 2
    assert set(ROLES_FOR) == set(wf.ACTIONS)
    assert all(ROLES_FOR.values()), "every action belongs to someone"


@pytest.mark.parametrize(("state", "action", "actor", "objection"), PRODUCT)
def test_transition(state: str, action: str, actor: str, objection: bool) -> None:
    key = (action, actor, state, objection)
    if key in ALLOWED:
        assert (
            wf.transition(state, action, actor, has_open_objection=objection, **GOOD)
            == (ALLOWED[key])
        )
        assert action in wf.allowed_actions(state, actor, has_open_objection=objection)
        return
    assert action not in wf.allowed_actions(state, actor, has_open_objection=objection)
    if actor not in ROLES_FOR[action]:
        expected: type[Exception] = RoleNotPermitted
    elif any((action, actor, state, f) in ALLOWED for f in (NO, YES)) and objection:
        expected = ObjectionBlocks
    else:
        expected = TransitionNotAllowed
    with pytest.raises(expected) as caught:
        wf.transition(state, action, actor, has_open_objection=objection, **GOOD)
    if expected is TransitionNotAllowed:
        assert not isinstance(caught.value, ObjectionBlocks)


@pytest.mark.parametrize("action", wf.ACTIONS)
def test_the_administrator_can_never_act_on_a_case(action: str) -> None:
    for state, flag in itertools.product(wf.STATES, (NO, YES)):
        with pytest.raises(RoleNotPermitted):
            wf.transition(state, action, "admin", has_open_objection=flag, **GOOD)
        assert wf.allowed_actions(state, "admin", has_open_objection=flag) == []


def test_no_person_can_export_only_the_export_service() -> None:
    for role in Role.values:
        with pytest.raises(RoleNotPermitted):
            wf.transition("ready_for_export", "export", role)
    assert wf.transition("ready_for_export", "export", "export_service") == "exported"


def test_human_actors_are_the_account_roles() -> None:
    assert set(wf.ACTORS) - {wf.EXPORT_SERVICE} == set(Role.values)


@pytest.mark.parametrize("ground", [None, "", "because", "DOES_NOT_MEET_CRITERIA"])
def test_a_challenge_needs_one_of_the_two_grounds(ground: str | None) -> None:
    with pytest.raises(InvalidInput) as caught:
        wf.transition("flagged", "challenge", "da_reviewer", ground=ground, note="x")
    assert caught.value.field == "ground"


@pytest.mark.parametrize("ground", ["does_not_meet_criteria", "unreasonable_risk"])
def test_both_grounds_are_accepted(ground: str) -> None:
    assert wf.transition("flagged", "challenge", "da_reviewer", ground=ground, note="x") == (
        "challenged"
    )


@pytest.mark.parametrize(
    ("action", "state", "objection", "extra"),
    [
        ("challenge", "flagged", NO, {"ground": "unreasonable_risk"}),
        ("modify", "flagged", NO, {"remedy": "redesignate"}),
        ("raise_objection", "challenged", NO, {}),
        ("respond_maintain", "challenged", YES, {}),
        ("comment", "flagged", NO, {}),
    ],
)
@pytest.mark.parametrize("note", [None, "", "   \n", "x" * (wf.NOTE_MAX_LENGTH + 1)])
def test_reasoned_actions_need_a_note(
    action: str, state: str, objection: bool, extra: dict[str, str], note: str | None
) -> None:
    actor = PD if action in ("raise_objection", "comment") else "da_reviewer"
    with pytest.raises(InvalidInput) as caught:
        wf.transition(state, action, actor, has_open_objection=objection, note=note, **extra)
    assert caught.value.field == "note"


@pytest.mark.parametrize("remedy", [None, "", "pardon"])
def test_a_modification_needs_a_known_remedy(remedy: str | None) -> None:
    with pytest.raises(InvalidInput) as caught:
        wf.transition("flagged", "modify", "da_reviewer", remedy=remedy, note="x")
    assert caught.value.field == "remedy"


def test_unknown_action_or_state_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        wf.transition("flagged", "pardon", "da_reviewer")
    with pytest.raises(InvalidInput):
        wf.transition("limbo", "not_challenge", "da_reviewer")


def test_errors_map_to_http_once() -> None:
    stale = StaleState(
        conviction_id=1,
        expected_state="flagged",
        expected_version=1,
        current_state="challenged",
        current_version=2,
    )
    assert http_status(stale) == 409
    assert http_status(TransitionNotAllowed("exported", "undo")) == 409
    assert http_status(ObjectionBlocks("challenged", "release")) == 409
    assert http_status(RoleNotPermitted("challenge", "admin")) == 403
    assert http_status(InvalidInput("note", "required")) == 400


def test_the_module_is_pure() -> None:
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(wf))
    imported = {
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    } | {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    assert not any(m.startswith(("django", "rest_framework", "clearrecord")) for m in imported)
