"""Every review action: one function each, keyword-only, one transaction, audited.

Each conviction action follows the same steps (`_move`):

1. Fetch the conviction through the county-scoped selector (another county's row: DoesNotExist).
2. Ask the pure workflow whether the actor's role may take the action from the current state,
   given whether an objection is open (`workflow.transition`).
3. Apply a conditional UPDATE on the expected state AND version, bumping the version. Zero rows
   means someone else moved the conviction first: nothing is written and `StaleState` says what
   the state is now. This is what rules out lost updates between two reviewers.
4. Write the history row (`Decision`, objection rows) and the audit event (ids and codes only) in
   the same transaction.

A refused action (domain error) is audited too, after the rollback, with outcome `denied` or
`failure`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from clearrecord.accounts.policy import can
from clearrecord.audit.models import Outcome
from clearrecord.audit.services import audit_record, audit_record_many
from clearrecord.cases.models import Conviction

from . import selectors
from . import workflow as wf
from .errors import InvalidInput, ReviewError, RoleNotPermitted, StaleState, TransitionNotAllowed
from .models import (
    Assignment,
    Comment,
    CountyReviewSettings,
    Decision,
    Objection,
    ObjectionStatus,
)

CONVICTION = "cases.conviction"
T = TypeVar("T")

#: audit action per workflow action
AUDIT_ACTIONS: dict[str, str] = {
    wf.NOT_CHALLENGE: "conviction.not_challenged",
    wf.CHALLENGE: "conviction.challenged",
    wf.MODIFY: "conviction.modified",
    wf.UNDO: "conviction.undone",
    wf.RELEASE: "conviction.released",
    wf.CLAIM: "conviction.claimed",
    wf.ASSIGN: "conviction.assigned",
    wf.RAISE_OBJECTION: "objection.raised",
    wf.RESPOND_WITHDRAW: "objection.withdrawn",
    wf.RESPOND_MAINTAIN: "objection.maintained",
    wf.COMMENT: "comment.added",
    wf.EXPORT: "conviction.exported",
    wf.RECORD_ORDER: "conviction.order_recorded",
}


def _require_role(actor: Any, action: str) -> None:
    """Refuse a role that may never take `action` before looking anything up (403, not 404)."""
    role = getattr(actor, "role", None)
    if role not in wf.RULES[action].roles or not getattr(actor, "is_active", False):
        raise RoleNotPermitted(action, getattr(actor, "role", ""))


@contextmanager
def _audited_refusal(
    *, actor: Any, action: str, request: HttpRequest | None, object_id: int | str = ""
) -> Iterator[None]:
    """Record a refused action (after its transaction rolled back), then re-raise."""
    try:
        yield
    except (ReviewError, ObjectDoesNotExist) as error:
        audit_record(
            action=AUDIT_ACTIONS[action],
            actor=actor,
            request=request,
            object_type=CONVICTION if object_id else "",
            object_id=object_id,
            outcome=Outcome.FAILURE
            if isinstance(error, ReviewError) and not isinstance(error, RoleNotPermitted)
            else Outcome.DENIED,
            detail={"error": type(error).__name__},
        )
        raise


def _stale(conviction_id: int, state: str, version: int) -> StaleState:
    now = Conviction.objects.filter(pk=conviction_id).values_list("review_state", "version")
    current = now.first() or (None, None)
    return StaleState(
        conviction_id=conviction_id,
        expected_state=state,
        expected_version=version,
        current_state=current[0],
        current_version=current[1],
    )


def _conditional_update(conviction_id: int, state: str, version: int, new_state: str) -> int:
    """Move one conviction if it is still at (state, version); the new version, or StaleState."""
    changed = Conviction.objects.filter(
        pk=conviction_id, review_state=state, version=version
    ).update(review_state=new_state, version=F("version") + 1)
    if changed != 1:
        raise _stale(conviction_id, state, version)
    return version + 1


@dataclass(frozen=True, slots=True)
class Moved:
    """What an action did: the conviction id, the state and version before and after."""

    conviction_id: int
    from_state: str
    to_state: str
    version: int  # after the move
    decision: Decision | None = None
    objection: Objection | None = None


def _move(
    *,
    actor: Any,
    conviction_id: int,
    action: str,
    expected_version: int | None,
    request: HttpRequest | None,
    ground: str = "",
    remedy: str = "",
    note: str = "",
    after: Callable[[Conviction, Moved], Objection | None] | None = None,
) -> Moved:
    _require_role(actor, action)
    conviction = selectors.conviction_get(user=actor, conviction_id=conviction_id)
    state, version = conviction.review_state, conviction.version
    if expected_version is not None and expected_version != version:
        # The person decided on a page showing an older version: tell them, change nothing.
        raise StaleState(
            conviction_id=conviction_id,
            expected_state=state,
            expected_version=expected_version,
            current_state=state,
            current_version=version,
        )
    open_objection = Objection.objects.open().filter(conviction_id=conviction_id).exists()
    new_state = wf.transition(
        state,
        action,
        actor.role,
        has_open_objection=open_objection,
        ground=ground or None,
        remedy=remedy or None,
        note=note,
    )
    new_version = _conditional_update(conviction_id, state, version, new_state)
    decision = Decision.objects.create(
        conviction_id=conviction_id,
        action=action,
        from_state=state,
        to_state=new_state,
        version=new_version,
        ground=ground if action == wf.CHALLENGE else "",
        remedy=remedy if action == wf.MODIFY else "",
        note=note.strip(),
        actor=actor,
    )
    moved = Moved(conviction_id, state, new_state, new_version, decision)
    objection = after(conviction, moved) if after else None
    detail: dict[str, Any] = {"from": state, "to": new_state, "version": new_version}
    if action == wf.CHALLENGE:
        detail["ground"] = ground
    if action == wf.MODIFY:
        detail["remedy"] = remedy
    if objection is not None:
        detail["objection_id"] = objection.pk
    audit_record(
        action=AUDIT_ACTIONS[action],
        actor=actor,
        request=request,
        object_type=CONVICTION,
        object_id=conviction_id,
        county=actor.county,
        detail=detail,
    )
    return Moved(conviction_id, state, new_state, new_version, decision, objection)


def _run(action: str, actor: Any, request: HttpRequest | None, oid: int, fn: Callable[[], T]) -> T:
    with (
        _audited_refusal(actor=actor, action=action, request=request, object_id=oid),
        transaction.atomic(),
    ):
        return fn()


# DA decisions ---------------------------------------------------------------------------------
def conviction_not_challenge(
    *,
    actor: Any,
    conviction_id: int,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Moved:
    """Relief as determined: the DA does not challenge this conviction."""
    return _run(
        wf.NOT_CHALLENGE,
        actor,
        request,
        conviction_id,
        lambda: _move(
            actor=actor,
            conviction_id=conviction_id,
            action=wf.NOT_CHALLENGE,
            expected_version=expected_version,
            request=request,
        ),
    )


def conviction_challenge(
    *,
    actor: Any,
    conviction_id: int,
    ground: str,
    note: str,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Moved:
    """The DA challenges relief, on one of the two statutory grounds, with a required note."""
    return _run(
        wf.CHALLENGE,
        actor,
        request,
        conviction_id,
        lambda: _move(
            actor=actor,
            conviction_id=conviction_id,
            action=wf.CHALLENGE,
            expected_version=expected_version,
            request=request,
            ground=ground,
            note=note,
        ),
    )


def conviction_modify(
    *,
    actor: Any,
    conviction_id: int,
    remedy: str,
    note: str,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Moved:
    """The DA grants relief with another remedy than determined (e.g. dismiss, not reduce)."""
    return _run(
        wf.MODIFY,
        actor,
        request,
        conviction_id,
        lambda: _move(
            actor=actor,
            conviction_id=conviction_id,
            action=wf.MODIFY,
            expected_version=expected_version,
            request=request,
            remedy=remedy,
            note=note,
        ),
    )


def conviction_undo(
    *,
    actor: Any,
    conviction_id: int,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Moved:
    """Take back a DA decision before export: the conviction is flagged again."""
    return _run(
        wf.UNDO,
        actor,
        request,
        conviction_id,
        lambda: _move(
            actor=actor,
            conviction_id=conviction_id,
            action=wf.UNDO,
            expected_version=expected_version,
            request=request,
        ),
    )


def conviction_release(
    *,
    actor: Any,
    conviction_id: int,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Moved:
    """A DA supervisor signs the decision off for export (blocked by an open objection)."""
    return _run(
        wf.RELEASE,
        actor,
        request,
        conviction_id,
        lambda: _move(
            actor=actor,
            conviction_id=conviction_id,
            action=wf.RELEASE,
            expected_version=expected_version,
            request=request,
        ),
    )


# Objections -----------------------------------------------------------------------------------
def objection_raise(
    *,
    actor: Any,
    conviction_id: int,
    note: str,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Moved:
    """A public defender objects to the DA decision; export is blocked until a DA responds.

    The state stays, but the version moves, so a DA acting on the version seen before the
    objection (say, releasing it) is told the conviction changed.
    """

    def open_one(conviction: Conviction, moved: Moved) -> Objection:
        return Objection.objects.create(
            conviction_id=conviction.pk,
            decision_state=moved.from_state,
            note=note.strip(),
            raised_by=actor,
        )

    return _run(
        wf.RAISE_OBJECTION,
        actor,
        request,
        conviction_id,
        lambda: _move(
            actor=actor,
            conviction_id=conviction_id,
            action=wf.RAISE_OBJECTION,
            expected_version=expected_version,
            request=request,
            note=note,
            after=open_one,
        ),
    )


def objection_respond(
    *,
    actor: Any,
    conviction_id: int,
    withdraw: bool,
    note: str = "",
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Moved:
    """A DA answers the open objection: withdraw the decision, or maintain it with a note."""
    action = wf.RESPOND_WITHDRAW if withdraw else wf.RESPOND_MAINTAIN

    def close(conviction: Conviction, moved: Moved) -> Objection:
        objection = Objection.objects.open().select_for_update().get(conviction_id=conviction.pk)
        objection.status = ObjectionStatus.WITHDRAWN if withdraw else ObjectionStatus.MAINTAINED
        objection.response_note = note.strip()
        objection.responded_by = actor
        objection.responded_at = timezone.now()
        objection.save(update_fields=["status", "response_note", "responded_by", "responded_at"])
        return objection

    return _run(
        action,
        actor,
        request,
        conviction_id,
        lambda: _move(
            actor=actor,
            conviction_id=conviction_id,
            action=action,
            expected_version=expected_version,
            request=request,
            note=note,
            after=close,
        ),
    )


# Assignment -----------------------------------------------------------------------------------
def conviction_claim(
    *, actor: Any, conviction_id: int, request: HttpRequest | None = None
) -> Assignment:
    """A DA takes a conviction to review; a conviction someone else holds is not taken over.

    Claiming moves no state, so it does not bump the version (it must not make a colleague's
    decision stale); two simultaneous claims meet on the unique conviction key instead.
    """

    def claim() -> Assignment:
        _require_role(actor, wf.CLAIM)
        conviction = selectors.conviction_get(user=actor, conviction_id=conviction_id)
        wf.transition(conviction.review_state, wf.CLAIM, actor.role)
        Assignment.objects.bulk_create(
            [Assignment(conviction_id=conviction.pk, reviewer=actor, assigned_by=actor)],
            ignore_conflicts=True,
        )
        assignment = Assignment.objects.get(conviction_id=conviction.pk)
        if assignment.reviewer_id != actor.pk:
            raise TransitionNotAllowed(
                conviction.review_state, wf.CLAIM, "another reviewer has claimed this conviction"
            )
        audit_record(
            action=AUDIT_ACTIONS[wf.CLAIM],
            actor=actor,
            request=request,
            object_type=CONVICTION,
            object_id=conviction.pk,
            county=actor.county,
        )
        return assignment

    return _run(wf.CLAIM, actor, request, conviction_id, claim)


def conviction_assign(
    *,
    actor: Any,
    conviction_id: int,
    reviewer_id: int,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Assignment:
    """A DA supervisor assigns the conviction to a DA of the same county (replacing any claim).

    Like a claim, it moves no state and keeps the version; but a supervisor who assigns from a
    page showing an older version is told the conviction changed (it may no longer need anyone).
    """

    def assign() -> Assignment:
        _require_role(actor, wf.ASSIGN)
        conviction = selectors.conviction_get(user=actor, conviction_id=conviction_id)
        if expected_version is not None and expected_version != conviction.version:
            raise StaleState(
                conviction_id=conviction.pk,
                expected_state=conviction.review_state,
                expected_version=expected_version,
                current_state=conviction.review_state,
                current_version=conviction.version,
            )
        wf.transition(conviction.review_state, wf.ASSIGN, actor.role)
        reviewer = selectors.reviewers_for(user=actor).filter(pk=reviewer_id).first()
        if reviewer is None:
            raise InvalidInput("reviewer", "choose a DA of your county")
        assignment, _ = Assignment.objects.update_or_create(
            conviction_id=conviction.pk, defaults={"reviewer": reviewer, "assigned_by": actor}
        )
        audit_record(
            action=AUDIT_ACTIONS[wf.ASSIGN],
            actor=actor,
            request=request,
            object_type=CONVICTION,
            object_id=conviction.pk,
            county=actor.county,
            detail={"reviewer_id": reviewer.pk},
        )
        return assignment

    return _run(wf.ASSIGN, actor, request, conviction_id, assign)


# Comments -------------------------------------------------------------------------------------
def comment_add(
    *,
    actor: Any,
    body: str,
    conviction_id: int | None = None,
    subject_id: int | None = None,
    request: HttpRequest | None = None,
) -> Comment:
    """A comment on a conviction or on a person (exactly one), seen by the county's DA and PD."""

    def add() -> Comment:
        _require_role(actor, wf.COMMENT)
        if (conviction_id is None) == (subject_id is None):
            raise InvalidInput("target", "comment on a conviction or on a person")
        if conviction_id is not None:
            conviction = selectors.conviction_get(user=actor, conviction_id=conviction_id)
            wf.transition(conviction.review_state, wf.COMMENT, actor.role, note=body)
            target: dict[str, int] = {"conviction_id": conviction.pk}
            object_type, object_id = CONVICTION, conviction.pk
        else:
            subject = selectors.subject_get(user=actor, subject_id=subject_id)
            wf.transition(wf.FLAGGED, wf.COMMENT, actor.role, note=body)  # role and note rules
            target = {"subject_id": subject.pk}
            object_type, object_id = "cases.subject", subject.pk
        comment = Comment.objects.create(
            county=actor.county, author=actor, body=body.strip(), **target
        )
        audit_record(
            action=AUDIT_ACTIONS[wf.COMMENT],
            actor=actor,
            request=request,
            object_type=object_type,
            object_id=object_id,
            county=actor.county,
            detail={"comment_id": comment.pk},
        )
        return comment

    return _run(wf.COMMENT, actor, request, conviction_id or subject_id or "", add)


# Bulk -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BulkResult:
    """How many convictions moved, and how many of the selection were left as they were."""

    action: str
    changed: int
    skipped: int
    by_state: dict[str, int] = field(default_factory=dict)  # from-state -> moved


BULK_ACTIONS = (wf.NOT_CHALLENGE, wf.CHALLENGE, wf.MODIFY, wf.RELEASE, wf.UNDO)
CHUNK = 2000


def conviction_bulk_decide(
    *,
    actor: Any,
    convictions: QuerySet[Conviction],
    action: str,
    ground: str = "",
    remedy: str = "",
    note: str = "",
    request: HttpRequest | None = None,
) -> BulkResult:
    """Apply one action to a selection, or to everything matching a filter, set-wise.

    1. The selection is re-scoped to the actor's county (a foreign id is simply not there).
    2. Only convictions in a state the action accepts and without an open objection are taken;
       they are locked with SKIP LOCKED, so a conviction a colleague is deciding right now is
       skipped (and counted), never overwritten.
    3. Each chunk moves with one conditional UPDATE on the state read under the lock, then one
       INSERT of history rows and one of audit events; all in one transaction.
    """
    if action not in BULK_ACTIONS:
        raise InvalidInput("action", f"{action} cannot be applied in bulk")

    def run() -> BulkResult:
        if not selectors.may_bulk_decide(user=actor):
            raise RoleNotPermitted(f"bulk {action}", getattr(actor, "role", ""))
        _require_role(actor, action)
        rule = wf.RULES[action]
        targets = {
            state: wf.transition(
                state,
                action,
                actor.role,
                ground=ground or None,
                remedy=remedy or None,
                note=note,
            )
            for state in rule.moves
        }
        scoped = selectors.convictions_for(user=actor).filter(
            pk__in=convictions.order_by().values("pk")
        )
        total = scoped.count()
        eligible = (
            scoped.filter(review_state__in=list(targets))
            .exclude(Exists(Objection.objects.open().filter(conviction_id=OuterRef("pk"))))
            .order_by("pk")
        )
        locked = list(
            eligible.select_for_update(skip_locked=True, of=("self",)).values_list(
                "pk", "review_state", "version"
            )
        )
        by_state: dict[str, int] = {}
        for start in range(0, len(locked), CHUNK):
            chunk = locked[start : start + CHUNK]
            for state, target in targets.items():
                rows = [(pk, v) for pk, s, v in chunk if s == state]
                if not rows:
                    continue
                ids = [pk for pk, _ in rows]
                changed = Conviction.objects.filter(pk__in=ids, review_state=state).update(
                    review_state=target, version=F("version") + 1
                )
                if changed != len(ids):  # cannot happen under the row locks; fail loudly
                    raise TransitionNotAllowed(state, action, "the selection changed; try again")
                Decision.objects.bulk_create(
                    Decision(
                        conviction_id=pk,
                        action=action,
                        from_state=state,
                        to_state=target,
                        version=v + 1,
                        ground=ground if action == wf.CHALLENGE else "",
                        remedy=remedy if action == wf.MODIFY else "",
                        note=note.strip(),
                        actor=actor,
                        bulk=True,
                    )
                    for pk, v in rows
                )
                audit_record_many(
                    action=AUDIT_ACTIONS[action],
                    actor=actor,
                    request=request,
                    object_type=CONVICTION,
                    object_ids=ids,
                    county=actor.county,
                    detail={"from": state, "to": target, "bulk": True},
                )
                by_state[state] = by_state.get(state, 0) + len(ids)
        changed_total = sum(by_state.values())
        audit_record(
            action=f"convictions.bulk_{action}",
            actor=actor,
            request=request,
            county=actor.county,
            detail={"changed": changed_total, "skipped": total - changed_total, **by_state},
        )
        return BulkResult(action, changed_total, total - changed_total, by_state)

    return _run(action, actor, request, "", run)


def conviction_bulk_not_challenge(
    *, actor: Any, convictions: QuerySet[Conviction], request: HttpRequest | None = None
) -> BulkResult:
    """Mark every flagged conviction of the selection "not challenged" (relief as determined)."""
    return conviction_bulk_decide(
        actor=actor, convictions=convictions, action=wf.NOT_CHALLENGE, request=request
    )


def conviction_bulk_release(
    *, actor: Any, convictions: QuerySet[Conviction], request: HttpRequest | None = None
) -> BulkResult:
    """Sign off every decided conviction of the selection without an open objection."""
    return conviction_bulk_decide(
        actor=actor, convictions=convictions, action=wf.RELEASE, request=request
    )


# County settings ------------------------------------------------------------------------------
SETTINGS = "review.countyreviewsettings"


def county_settings_update(
    *, actor: Any, reviewers_may_bulk: bool, request: HttpRequest | None = None
) -> CountyReviewSettings:
    """A DA supervisor allows (or stops) the county's DA reviewers taking bulk decisions.

    Saving the value already in force changes nothing and records nothing.
    """
    if not can(actor, "review_settings"):
        audit_record(
            action="county.settings_changed",
            actor=actor,
            request=request,
            outcome=Outcome.DENIED,
            detail={"error": RoleNotPermitted.__name__},
        )
        raise RoleNotPermitted("change the county's review settings", getattr(actor, "role", ""))
    with transaction.atomic():
        row, _ = CountyReviewSettings.objects.select_for_update().get_or_create(county=actor.county)
        old = row.reviewers_may_bulk
        if old == reviewers_may_bulk:
            return row
        row.reviewers_may_bulk = reviewers_may_bulk
        row.changed_by = actor
        row.changed_at = timezone.now()
        row.save(update_fields=["reviewers_may_bulk", "changed_by", "changed_at"])
        audit_record(
            action="county.settings_changed",
            actor=actor,
            request=request,
            object_type=SETTINGS,
            object_id=row.pk,
            county=actor.county,
            detail={"reviewers_may_bulk": {"old": old, "new": reviewers_may_bulk}},
        )
    return row


# Export and court order (called by the exports app) -------------------------------------------
def convictions_export(
    *,
    actor: Any,
    conviction_ids: list[int],
    batch_id: int | str,
    request: HttpRequest | None = None,
) -> list[int]:
    """Mark released convictions exported for one batch; the ids that moved, in id order.

    For the export service only: it builds the batch (checking its own capability) and calls
    this inside the batch's transaction, so a batch and its convictions' states commit together.
    A conviction no longer ready (undone, or under a new objection since) is left out, not
    exported: the caller builds the batch from the returned ids. Locks with SKIP LOCKED so a
    conviction a DA is changing at this moment is simply not in this batch.
    """
    if not can(actor, "build_batch"):
        raise RoleNotPermitted(wf.EXPORT, getattr(actor, "role", ""))
    wf.transition(wf.READY_FOR_EXPORT, wf.EXPORT, wf.EXPORT_SERVICE)
    with transaction.atomic():
        locked = list(
            selectors.convictions_for(user=actor)
            .filter(pk__in=conviction_ids, review_state=wf.READY_FOR_EXPORT)
            .exclude(Exists(Objection.objects.open().filter(conviction_id=OuterRef("pk"))))
            .order_by("pk")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", "version")
        )
        ids = [pk for pk, _ in locked]
        Conviction.objects.filter(pk__in=ids, review_state=wf.READY_FOR_EXPORT).update(
            review_state=wf.EXPORTED, version=F("version") + 1
        )
        Decision.objects.bulk_create(
            Decision(
                conviction_id=pk,
                action=wf.EXPORT,
                from_state=wf.READY_FOR_EXPORT,
                to_state=wf.EXPORTED,
                version=v + 1,
                actor=actor,
                bulk=True,
            )
            for pk, v in locked
        )
        audit_record_many(
            action="conviction.exported",
            actor=actor,
            request=request,
            object_type=CONVICTION,
            object_ids=ids,
            county=actor.county,
            detail={"batch_id": batch_id},
        )
    return ids


def conviction_record_order(
    *,
    actor: Any,
    conviction_id: int,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Moved:
    """The court clerk records the court's order on an exported conviction."""
    return _run(
        wf.RECORD_ORDER,
        actor,
        request,
        conviction_id,
        lambda: _move(
            actor=actor,
            conviction_id=conviction_id,
            action=wf.RECORD_ORDER,
            expected_version=expected_version,
            request=request,
        ),
    )
