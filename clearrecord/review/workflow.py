"""The review workflow as a pure transition table: no Django models, no I/O, no clock.

The unit of review is one conviction. Its `review_state` moves like this::

    flagged ──not_challenge──► not_challenged ─┐
       │   ──challenge(ground, note)──► challenged ─┼─release (DA supervisor)─► ready_for_export
       │   ──modify(remedy, note)──► modified ──┘                                  │
       ◄──────────── undo (DA, before export) ─────────────────────────────────────┤
                                                          export (export service) ─▼
                                                     exported ─record_order (clerk)─► order_recorded

Objections are not a state but a flag beside it (`has_open_objection`): a public defender may
raise one (with a note) on any DA decision (`not_challenged`, `challenged`, `modified`,
`ready_for_export`), one at a time. While it is open, nothing moves the conviction towards export
(release, export) and the DA cannot quietly undo the decision: a DA must respond first, either

* `respond_withdraw`: withdraw the decision objected to. Withdrawing a challenge or a modification
  leaves relief as determined (`not_challenged`: under H&S 11361.9 relief is the default);
  withdrawing a "not challenged" or a release sends the conviction back to `flagged` for a fresh
  decision; or
* `respond_maintain` (note required): the decision stands and the objection is closed.

Challenges are exported too (the court and the PD must be told of them), so `release` accepts
`challenged` as well as `not_challenged` and `modified`.

Who may act: DA reviewers and supervisors decide, undo, claim and respond; only a DA supervisor
releases (batch sign-off) and assigns; the public defender comments and objects; the court clerk
records the court's order; `export` belongs to the export service alone (no person's role); the
administrator manages accounts and can never act on a case, not even comment.

Deciding again (say, from "not challenged" to "challenged") is an undo followed by a decision, so
every change of mind leaves two audited steps.
"""

from __future__ import annotations

from dataclasses import dataclass

from eligibility.model import Remedy

from .errors import InvalidInput, ObjectionBlocks, RoleNotPermitted, TransitionNotAllowed

# States ---------------------------------------------------------------------------------------
FLAGGED = "flagged"
NOT_CHALLENGED = "not_challenged"
CHALLENGED = "challenged"
MODIFIED = "modified"
READY_FOR_EXPORT = "ready_for_export"
EXPORTED = "exported"
ORDER_RECORDED = "order_recorded"

STATES: tuple[str, ...] = (
    FLAGGED,
    NOT_CHALLENGED,
    CHALLENGED,
    MODIFIED,
    READY_FOR_EXPORT,
    EXPORTED,
    ORDER_RECORDED,
)
STATE_LABELS: dict[str, str] = {
    FLAGGED: "Flagged",
    NOT_CHALLENGED: "Not challenged",
    CHALLENGED: "Challenged",
    MODIFIED: "Remedy modified",
    READY_FOR_EXPORT: "Ready for export",
    EXPORTED: "Exported",
    ORDER_RECORDED: "Order recorded",
}
#: states holding a DA decision that a PD may object to and a DA may undo
DECIDED: frozenset[str] = frozenset({NOT_CHALLENGED, CHALLENGED, MODIFIED, READY_FOR_EXPORT})
#: states where DA work may remain (a decision to take or an objection to answer)
OPEN_FOR_WORK: frozenset[str] = frozenset({FLAGGED, NOT_CHALLENGED, CHALLENGED, MODIFIED})

# Actors (the same strings as accounts.models.Role, plus the export service) --------------------
DA_REVIEWER = "da_reviewer"
DA_SUPERVISOR = "da_supervisor"
PUBLIC_DEFENDER = "public_defender"
COURT_CLERK = "court_clerk"
ADMIN = "admin"
EXPORT_SERVICE = "export_service"  # not a person: the export service building a batch
ACTORS: tuple[str, ...] = (
    DA_REVIEWER,
    DA_SUPERVISOR,
    PUBLIC_DEFENDER,
    COURT_CLERK,
    ADMIN,
    EXPORT_SERVICE,
)
DA = frozenset({DA_REVIEWER, DA_SUPERVISOR})

# Challenge grounds (H&S 11361.8(b)/11361.9(b)) -------------------------------------------------
GROUND_DOES_NOT_MEET_CRITERIA = "does_not_meet_criteria"
GROUND_UNREASONABLE_RISK = "unreasonable_risk"
GROUNDS: dict[str, str] = {
    GROUND_DOES_NOT_MEET_CRITERIA: "Does not meet the criteria",
    GROUND_UNREASONABLE_RISK: "Unreasonable risk to public safety",
}
REMEDIES: dict[str, str] = {
    Remedy.RECALL_AND_DISMISS.value: "Recall and dismiss",
    Remedy.RECALL_AND_RESENTENCE.value: "Recall and resentence",
    Remedy.DISMISS_AND_SEAL.value: "Dismiss and seal",
    Remedy.REDESIGNATE.value: "Redesignate",
}
NOTE_MAX_LENGTH = 4000

# Actions --------------------------------------------------------------------------------------
NOT_CHALLENGE = "not_challenge"
CHALLENGE = "challenge"
MODIFY = "modify"
UNDO = "undo"
CLAIM = "claim"
ASSIGN = "assign"
RELEASE = "release"
RAISE_OBJECTION = "raise_objection"
RESPOND_WITHDRAW = "respond_withdraw"
RESPOND_MAINTAIN = "respond_maintain"
COMMENT = "comment"
EXPORT = "export"
RECORD_ORDER = "record_order"

SAME = "same"  # the action leaves the state as it is


@dataclass(frozen=True, slots=True)
class Rule:
    roles: frozenset[str]
    moves: dict[str, str]  # from state -> to state (or SAME)
    objection: bool | None  # True: needs an open objection; False: blocked by one; None: either
    needs_note: bool = False


_ALL = {s: SAME for s in STATES}
RULES: dict[str, Rule] = {
    NOT_CHALLENGE: Rule(DA, {FLAGGED: NOT_CHALLENGED}, objection=False),
    CHALLENGE: Rule(DA, {FLAGGED: CHALLENGED}, objection=False, needs_note=True),
    MODIFY: Rule(DA, {FLAGGED: MODIFIED}, objection=False, needs_note=True),
    UNDO: Rule(DA, {s: FLAGGED for s in DECIDED}, objection=False),
    CLAIM: Rule(DA, {s: SAME for s in OPEN_FOR_WORK}, objection=None),
    ASSIGN: Rule(frozenset({DA_SUPERVISOR}), {s: SAME for s in OPEN_FOR_WORK}, objection=None),
    RELEASE: Rule(
        frozenset({DA_SUPERVISOR}),
        {
            NOT_CHALLENGED: READY_FOR_EXPORT,
            CHALLENGED: READY_FOR_EXPORT,
            MODIFIED: READY_FOR_EXPORT,
        },
        objection=False,
    ),
    RAISE_OBJECTION: Rule(
        frozenset({PUBLIC_DEFENDER}), {s: SAME for s in DECIDED}, objection=False, needs_note=True
    ),
    RESPOND_WITHDRAW: Rule(
        DA,
        {
            CHALLENGED: NOT_CHALLENGED,
            MODIFIED: NOT_CHALLENGED,
            NOT_CHALLENGED: FLAGGED,
            READY_FOR_EXPORT: FLAGGED,
        },
        objection=True,
    ),
    RESPOND_MAINTAIN: Rule(DA, {s: SAME for s in DECIDED}, objection=True, needs_note=True),
    COMMENT: Rule(DA | {PUBLIC_DEFENDER}, dict(_ALL), objection=None, needs_note=True),
    EXPORT: Rule(frozenset({EXPORT_SERVICE}), {READY_FOR_EXPORT: EXPORTED}, objection=False),
    RECORD_ORDER: Rule(frozenset({COURT_CLERK}), {EXPORTED: ORDER_RECORDED}, objection=None),
}
ACTIONS: tuple[str, ...] = tuple(RULES)


def _check_note(note: str | None) -> None:
    if not note or not note.strip():
        raise InvalidInput("note", "a note is required")
    if len(note) > NOTE_MAX_LENGTH:
        raise InvalidInput("note", f"at most {NOTE_MAX_LENGTH} characters")


def transition(
    state: str,
    action: str,
    role: str,
    *,
    has_open_objection: bool = False,
    ground: str | None = None,
    remedy: str | None = None,
    note: str | None = None,
) -> str:
    """The state after `role` takes `action` on a conviction in `state`, or a domain error.

    Checks, in this order: the action and state exist; the role may take the action at all
    (`RoleNotPermitted`); the state allows it (`TransitionNotAllowed`); the objection flag allows
    it (`ObjectionBlocks` / `TransitionNotAllowed`); the reasons given are complete
    (`InvalidInput`: a challenge needs a ground and a note, a modification a remedy and a note,
    an objection, a maintained decision and a comment a note).
    """
    rule = RULES.get(action)
    if rule is None:
        raise InvalidInput("action", f"unknown action {action!r}")
    if state not in STATES:
        raise InvalidInput("state", f"unknown state {state!r}")
    if role not in rule.roles:
        raise RoleNotPermitted(action, role)
    if state not in rule.moves:
        raise TransitionNotAllowed(state, action)
    if rule.objection is False and has_open_objection:
        raise ObjectionBlocks(state, action)
    if rule.objection is True and not has_open_objection:
        raise TransitionNotAllowed(state, action, f"cannot {action}: there is no open objection")
    if action == CHALLENGE and ground not in GROUNDS:
        raise InvalidInput("ground", "choose a ground for the challenge")
    if action == MODIFY and remedy not in REMEDIES:
        raise InvalidInput("remedy", "choose the remedy to apply")
    if rule.needs_note:
        _check_note(note)
    target = rule.moves[state]
    return state if target == SAME else target


def allowed_actions(state: str, role: str, *, has_open_objection: bool = False) -> list[str]:
    """Actions `role` may take now (reasons not considered): what the page offers as buttons."""
    found = []
    for action, rule in RULES.items():
        if role not in rule.roles or state not in rule.moves:
            continue
        if rule.objection is False and has_open_objection:
            continue
        if rule.objection is True and not has_open_objection:
            continue
        found.append(action)
    return found
