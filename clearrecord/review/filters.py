"""The queue's filters (django-filter): the same FilterSet serves the page and the API.

Every parameter lives in the URL, so a filtered queue can be bookmarked, shared or reloaded.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import django_filters as df
from django.db.models import Exists, OuterRef, Q, QuerySet

from clearrecord.cases.models import Conviction

from . import selectors
from . import workflow as wf
from .models import Objection

OUTCOMES = {
    "eligible_dismissal": "Eligible for dismissal",
    "eligible_reduction": "Eligible for reduction",
    "not_eligible": "Not eligible",
    "needs_review": "Needs review",
}
SECTIONS = {s: f"H&S {s}" for s in ("11357", "11358", "11359", "11360")}
LEVELS = {"felony": "Felony", "misdemeanor": "Misdemeanour", "infraction": "Infraction"}
#: flag key -> (label, condition); superstrike, PC 290 and related charges are evidence roles
FLAGS: dict[str, tuple[str, Q]] = {
    "superstrike": (
        "Superstrike",
        Q(current_determination__evidence__contains=[{"role": "superstrike"}]),
    ),
    "pc290": (
        "PC 290 registration",
        Q(current_determination__evidence__contains=[{"role": "pc290"}]),
    ),
    "comment_charge": (
        "Charge only in comment text",
        Q(current_determination__flags__contains=["possible_other_prop64_charge"]),
    ),
    "related_charge": (
        "Related charge in the cycle",
        Q(current_determination__evidence__contains=[{"role": "related_charge"}]),
    ),
    "currently_serving": (
        "Currently serving",
        Q(current_determination__flags__contains=["currently_serving"]),
    ),
    "deceased": ("Deceased", Q(current_determination__flags__contains=["deceased"])),
    "needs_attention": ("Determination changed after a decision", Q(needs_attention=True)),
}
SORTS = {
    "person": ("subject__name", "subject_id", "court_case", "id"),
    "-person": ("-subject__name", "-subject_id", "court_case", "id"),
    "date": ("date", "id"),
    "-date": ("-date", "-id"),
    "section": ("section", "subject_id", "id"),
    "state": ("review_state", "subject_id", "id"),
}
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
CII = re.compile(r"[A-Za-z]{1,3}\d{6,10}")  # real: A12345678; synthetic: SYN000000001
CASE_NUMBER = re.compile(r"[A-Za-z0-9]+-[A-Za-z0-9-]*\d[A-Za-z0-9-]*")  # e.g. CR-2010-123
DEFAULT_SORT = ("subject_id", "court_case", "id")  # grouped by person, then court case


def search_condition(text: str, *, via: str = "") -> Q:
    """The condition a free-text search puts on convictions (`via` reaches them from another
    model, e.g. "conviction__" from a batch item); case does not matter.

    One lookup chosen by the shape of the text, not an OR across every column: an OR over four
    columns of two tables defeats every index (a full scan per page on a large county). So: a
    date is a date of birth; letters then digits is a CII (exact); digits only is a court case
    number; a hyphenated code with digits is a case number; anything else is part of a name.
    """
    text = text.strip()
    if not text:
        return Q()
    if DATE.fullmatch(text):  # with its dashes: eight bare digits are a court case number
        try:
            return Q(**{f"{via}subject__dob": dt.date.fromisoformat(text)})
        except ValueError:
            pass
    if CII.fullmatch(text):
        return Q(**{f"{via}subject__cii": text.upper()})
    if text.isdigit():
        return Q(**{f"{via}court_case": text}) | Q(**{f"{via}case_numbers__contains": [text]})
    if CASE_NUMBER.fullmatch(text):
        # Case numbers are stored as DOJ wrote them (in capitals, in practice): match the text
        # as typed, in capitals and in lower case, without a per-row function on the array.
        spellings = sorted({text, text.upper(), text.lower()})
        return Q(**{f"{via}case_numbers__overlap": spellings})
    return Q(**{f"{via}subject__name__icontains": text})


def reviewer_choices(user: Any) -> list[tuple[str, str]]:
    """The DAs of the user's county, for the "assigned reviewer" filter (one query)."""
    return [
        (str(r.pk), r.get_full_name() or r.username)
        for r in selectors.reviewers_for(user=user).order_by("username")
    ]


class ConvictionFilter(df.FilterSet):
    # Set from the session by the views (never read from a URL: see searches.py).
    q = df.CharFilter(method="search", label="Search (name, CII, court case, DOB)")
    state = df.ChoiceFilter(
        field_name="review_state", choices=list(wf.STATE_LABELS.items()), label="Review state"
    )
    outcome = df.ChoiceFilter(
        field_name="current_determination__outcome",
        choices=list(OUTCOMES.items()),
        label="Outcome",
    )
    reason = df.CharFilter(field_name="current_determination__reason", label="Reason")
    rule = df.CharFilter(field_name="current_determination__rule_id", label="Rule")
    section = df.ChoiceFilter(field_name="section", choices=list(SECTIONS.items()), label="Section")
    level = df.ChoiceFilter(field_name="level", choices=list(LEVELS.items()), label="Level")
    flag = df.ChoiceFilter(
        method="with_flag", choices=[(k, v[0]) for k, v in FLAGS.items()], label="Flag"
    )
    reviewer = df.ChoiceFilter(method="assigned_to", label="Assigned reviewer")
    objection = df.ChoiceFilter(
        method="with_objection",
        choices=[
            ("open", "Open objection"),
            ("mine", "My open objections"),
            ("any", "Any objection"),
            ("none", "No objection"),
        ],
        label="Objection",
    )
    upload = df.NumberFilter(field_name="upload_id", label="Upload number")
    sort = df.ChoiceFilter(
        method="sorted_by", choices=[(k, k) for k in SORTS], label="Sort", empty_label="Person"
    )

    class Meta:
        model = Conviction
        fields: list[str] = []

    def __init__(
        self,
        *args: Any,
        user: Any = None,
        reviewers: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._user = user or getattr(self.request, "user", None)
        if reviewers is None:
            reviewers = reviewer_choices(self._user) if self._user is not None else []
        self.filters["reviewer"].extra["choices"] = [("me", "Me"), ("none", "Nobody"), *reviewers]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(search_condition(value))

    def with_flag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(FLAGS[value][1]) if value in FLAGS else queryset

    def assigned_to(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "none":
            return queryset.filter(assignment__isnull=True)
        if value == "me":
            return queryset.filter(assignment__reviewer=self._user)
        return queryset.filter(assignment__reviewer_id=int(value))

    def with_objection(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "open":
            return queryset.filter(has_open_objection=True)
        if value == "mine":
            return queryset.filter(
                Exists(
                    Objection.objects.filter(
                        conviction_id=OuterRef("pk"), status="open", raised_by=self._user
                    )
                )
            )
        if value == "any":
            return queryset.filter(objections__isnull=False).distinct()
        return queryset.filter(objections__isnull=True)

    def sorted_by(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.order_by(*SORTS.get(value, DEFAULT_SORT))
