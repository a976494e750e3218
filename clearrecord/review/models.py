"""What reviewers add to a conviction: the decision history, objections, comments, assignments.

The conviction's current `review_state` and `version` live on `cases.Conviction`; every change of
them writes one `Decision` row here in the same transaction (services.py), so the history is
complete and ordered by the version it produced.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from . import workflow as wf


class Action(models.TextChoices):
    NOT_CHALLENGE = wf.NOT_CHALLENGE, "Not challenged"
    CHALLENGE = wf.CHALLENGE, "Challenged"
    MODIFY = wf.MODIFY, "Remedy modified"
    UNDO = wf.UNDO, "Decision undone"
    RELEASE = wf.RELEASE, "Released for export"
    RESPOND_WITHDRAW = wf.RESPOND_WITHDRAW, "Decision withdrawn after objection"
    RESPOND_MAINTAIN = wf.RESPOND_MAINTAIN, "Decision maintained after objection"
    RAISE_OBJECTION = wf.RAISE_OBJECTION, "Objection raised"
    EXPORT = wf.EXPORT, "Exported"
    RECORD_ORDER = wf.RECORD_ORDER, "Court order recorded"


class Decision(models.Model):
    """One step of a conviction's review history (a challenge carries its ground and note)."""

    conviction = models.ForeignKey(
        "cases.Conviction", on_delete=models.CASCADE, related_name="decisions"
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    from_state = models.CharField(max_length=32)
    to_state = models.CharField(max_length=32)
    version = models.PositiveIntegerField(help_text="The conviction's version after this step")
    ground = models.CharField(max_length=32, choices=wf.GROUNDS, blank=True)
    remedy = models.CharField(max_length=32, choices=wf.REMEDIES, blank=True)
    note = models.TextField(blank=True, max_length=wf.NOTE_MAX_LENGTH)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    bulk = models.BooleanField(default=False)

    class Meta:
        ordering = ["conviction_id", "version"]
        constraints = [
            # Two steps can never claim the same version: a second line of defence behind the
            # conditional UPDATE against lost updates.
            models.UniqueConstraint(
                fields=["conviction", "version"], name="decision_one_per_version"
            ),
            models.CheckConstraint(
                condition=~Q(action=wf.CHALLENGE) | (~Q(ground="") & ~Q(note="")),
                name="decision_challenge_has_ground_and_note",
            ),
            models.CheckConstraint(
                condition=~Q(action=wf.MODIFY) | (~Q(remedy="") & ~Q(note="")),
                name="decision_modify_has_remedy_and_note",
            ),
        ]

    def __str__(self) -> str:
        return f"conviction {self.conviction_id} v{self.version}: {self.action}"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", "Open"
    WITHDRAWN = "withdrawn", "Decision withdrawn"
    MAINTAINED = "maintained", "Decision maintained"


class ObjectionQuerySet(models.QuerySet):
    def open(self) -> ObjectionQuerySet:
        return self.filter(status=ObjectionStatus.OPEN)


class Objection(models.Model):
    """A public defender's objection to a DA decision; open ones block export."""

    conviction = models.ForeignKey(
        "cases.Conviction", on_delete=models.CASCADE, related_name="objections"
    )
    decision_state = models.CharField(max_length=32, help_text="The state objected to")
    note = models.TextField(max_length=wf.NOTE_MAX_LENGTH)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=16, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    response_note = models.TextField(blank=True, max_length=wf.NOTE_MAX_LENGTH)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    objects = ObjectionQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conviction"],
                condition=Q(status="open"),
                name="objection_one_open_per_conviction",
            ),
            models.CheckConstraint(condition=~Q(note=""), name="objection_has_note"),
            models.CheckConstraint(
                condition=Q(status="open") | Q(responded_by__isnull=False),
                name="objection_response_has_responder",
            ),
        ]

    def __str__(self) -> str:
        return f"objection {self.pk} on conviction {self.conviction_id} ({self.status})"


class Comment(models.Model):
    """A note on a conviction or on a person, visible to the DA and PD of the county."""

    county = models.CharField(max_length=32, db_index=True)
    conviction = models.ForeignKey(
        "cases.Conviction",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
    )
    subject = models.ForeignKey(
        "cases.Subject", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=wf.NOTE_MAX_LENGTH)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(conviction__isnull=False, subject__isnull=True)
                | Q(conviction__isnull=True, subject__isnull=False),
                name="comment_on_conviction_or_person",
            ),
            models.CheckConstraint(condition=~Q(body=""), name="comment_has_body"),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk}"


class Assignment(models.Model):
    """Who is reviewing a conviction: claimed by a reviewer or assigned by a supervisor."""

    conviction = models.OneToOneField(
        "cases.Conviction", on_delete=models.CASCADE, related_name="assignment"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"conviction {self.conviction_id} -> user {self.reviewer_id}"


class CountyReviewSettings(models.Model):
    """How a county runs its review: set by its DA supervisors (one row per county, if any).

    A county without a row keeps the defaults: bulk actions restricted to supervisors.
    """

    county = models.CharField(max_length=32, unique=True)
    reviewers_may_bulk = models.BooleanField(
        default=False, help_text="DA reviewers may take bulk decisions, not only supervisors"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "county review settings"

    def __str__(self) -> str:
        return f"review settings of {self.county}"
