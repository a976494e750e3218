"""Reads for review, scoped to the user's county and role: a row the user may not see does not
exist for them (DoesNotExist, a 404 in views)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet

from clearrecord.accounts.models import Role, User
from clearrecord.accounts.policy import can
from clearrecord.cases.models import Conviction, Subject
from clearrecord.cases.raw import RawLine, raw_lines_of

from . import workflow as wf
from .models import Comment, CountyReviewSettings, Decision, Objection

#: how a conviction reaches its county
CONVICTION_COUNTY = "county"
SUBJECT_COUNTY = "county"


def convictions_for(*, user: Any) -> QuerySet[Conviction]:
    """Every conviction the user may see: their county's; the DA and PD see all of them, the
    court clerk only those sent to the court (exported, order recorded)."""
    if can(user, "view_cases"):
        return Conviction.objects.filter(**{CONVICTION_COUNTY: user.county})
    if can(user, "record_order"):
        return Conviction.objects.filter(
            **{CONVICTION_COUNTY: user.county},
            review_state__in=[wf.EXPORTED, wf.ORDER_RECORDED],
        )
    return Conviction.objects.none()


def conviction_get(*, user: Any, conviction_id: int) -> Conviction:
    return convictions_for(user=user).get(pk=conviction_id)


def subjects_for(*, user: Any) -> QuerySet[Subject]:
    if not can(user, "view_cases"):
        return Subject.objects.none()
    return Subject.objects.filter(**{SUBJECT_COUNTY: user.county})


def subject_get(*, user: Any, subject_id: int | None) -> Subject:
    return subjects_for(user=user).get(pk=subject_id)


def reviewers_for(*, user: Any) -> QuerySet[User]:
    """The DAs of the user's county (who may be assigned a conviction)."""
    return User.objects.filter(
        county=user.county, is_active=True, role__in=[Role.DA_REVIEWER, Role.DA_SUPERVISOR]
    )


def county_settings_of(*, user: Any) -> CountyReviewSettings:
    """The review settings of the user's county; the (unsaved) defaults when none were saved."""
    found = CountyReviewSettings.objects.filter(county=user.county).select_related("changed_by")
    return found.first() or CountyReviewSettings(county=user.county)


def may_bulk_decide(*, user: Any) -> bool:
    """Supervisors always may take bulk decisions; DA reviewers when their county allows it.

    The one policy check behind the bulk page, the bulk API and the bulk controls of the queue.
    """
    if can(user, "bulk_decide"):
        return True
    if not can(user, "decide"):
        return False
    return CountyReviewSettings.objects.filter(county=user.county, reviewers_may_bulk=True).exists()


def bulk_actions_for(*, user: Any, may_bulk: bool | None = None) -> list[str]:
    """The bulk actions the user may take: none unless bulk is allowed, then those of the role
    (releasing for export stays a supervisor's sign-off whatever the county allows)."""
    if may_bulk is None:
        may_bulk = may_bulk_decide(user=user)
    if not may_bulk:
        return []
    return [a for a in (wf.NOT_CHALLENGE, wf.RELEASE) if user.role in wf.RULES[a].roles]


def comments_for(*, user: Any) -> QuerySet[Comment]:
    if not can(user, "comment"):
        return Comment.objects.none()
    return Comment.objects.filter(county=user.county).select_related("author")


def objections_for(*, user: Any) -> QuerySet[Objection]:
    return Objection.objects.filter(conviction__in=convictions_for(user=user))


def _with_row_details(queryset: QuerySet[Conviction]) -> QuerySet[Conviction]:
    """What a row of the queue shows: person, determination, reviewer, open objection."""
    return queryset.select_related(
        "subject", "current_determination", "assignment__reviewer"
    ).annotate(
        has_open_objection=Exists(
            Objection.objects.filter(conviction_id=OuterRef("pk"), status="open")
        )
    )


def queue_for(*, user: Any) -> QuerySet[Conviction]:
    """The review queue: the county's convictions with what a row of the queue shows."""
    return _with_row_details(convictions_for(user=user)).order_by("subject_id", "court_case", "id")


def rows_of_page(page_rows: QuerySet[Conviction]) -> list[Conviction]:
    """The rows of one page, fetched in two steps (a "deferred join").

    Walking past the first N rows (OFFSET) costs little for bare ids, but a lot when every
    skipped row is joined to its person, determination and reviewer and checked for objections.
    So: the page's ids first, with the filter and the order; then only those rows, in full.
    """
    ids = list(page_rows.values_list("pk", flat=True))
    by_pk = {row.pk: row for row in _with_row_details(Conviction.objects.filter(pk__in=ids))}
    return [by_pk[pk] for pk in ids]


def state_counts(queryset: QuerySet[Conviction]) -> dict[str, int]:
    """How many convictions of `queryset` are in each review state (one query)."""
    rows = queryset.order_by().values_list("review_state").annotate(n=Count("id"))
    found = dict(rows)
    return {state: found.get(state, 0) for state in wf.STATES}


def history_of(*, conviction: Conviction) -> QuerySet[Decision]:
    return conviction.decisions.select_related("actor").order_by("version")


def history_rows_of(*, subject: Subject) -> list[RawLine]:
    """Every accepted DOJ row of the person in their upload, in file order (their whole record)."""
    return raw_lines_of(upload_id=subject.upload_id, subject_id=subject.subject_id)
