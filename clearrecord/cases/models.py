"""People, their relevant convictions and the engine's determinations, per upload.

Everything here is written set-wise by the ingest pipeline (`clearrecord.intake.pipeline`) in
the transaction that publishes the upload, so an upload's rows are visible all at once or not at
all. Per upload:

- `RawBlock`: every accepted record with its 95 raw values (DOJ column order, see
  `eligibility.doj.columns.COLUMNS`), a run of one person's records per row, so a person's full
  history can be shown and exported after the original file is deleted (read through `raw.py`).
- `Subject`: one person (normalised SUBJECT_ID) with at least one relevant conviction.
- `Conviction`: one *relevant* conviction (Prop 64 section, in the upload's county; rules spec
  §1): the unit of review. `review_state` starts at ``flagged``; `version` is bumped by every
  review transition (optimistic concurrency: update ``WHERE version = expected``).
  `current_determination` points at the determination of the current evaluation;
  `needs_attention` is set when a re-evaluation changed the determination of a conviction that
  was already decided.
- `Evaluation`: one run of a rule set with options over the upload. Exactly one evaluation of a
  published upload is `is_current`; a re-evaluation adds another and moves the flag. A *what-if
  trial* (`purpose = whatif`, clearrecord/reports/services.py) is computed only to be compared:
  it is never current and never touches review state, decisions or `needs_attention`; the
  review, export and dashboard reads pick evaluations through `Evaluation.objects.for_review()`.
- `Determination`: the engine's answer for one conviction in one evaluation (rules spec §3.1).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from clearrecord.accounts.counties import County


class RawBlock(models.Model):
    """Consecutive accepted records of one person in one file, kept as CSV text.

    Read only through `clearrecord.cases.raw`, which parses `records` back into `RawLine`s.
    One block per run of a person's rows (a person whose rows are split by a chunk boundary or
    spread over files has several blocks): ~12 records a block instead of one table row per
    record, so storing an upload writes far fewer rows and bytes (the column is lz4-compressed where the server has lz4).
    """

    upload = models.ForeignKey(
        "intake.Upload",
        on_delete=models.CASCADE,
        related_name="raw_blocks",
        db_index=False,  # the two indexes below start with upload
    )
    file_number = models.PositiveIntegerField()
    first_line = models.BigIntegerField()  # line number of the block's first record
    line_count = models.PositiveIntegerField()  # records in the block
    subject_id = models.TextField()  # raw SUBJECT_ID, trimmed
    #: CSV (`,` and `"`, quoted when needed), one record a line: the line number, then the 95
    #: raw values in DOJ column order (`eligibility.doj.columns.COLUMNS`)
    records = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["upload", "subject_id"], name="rawblock_upload_subject")]
        constraints = [
            models.UniqueConstraint(
                fields=["upload", "file_number", "first_line"], name="rawblock_once_per_line"
            )
        ]

    def __str__(self) -> str:
        return f"Rows {self.file_number}:{self.first_line}+{self.line_count} of {self.upload_id}"


class Subject(models.Model):
    upload = models.ForeignKey("intake.Upload", on_delete=models.CASCADE, related_name="subjects")
    county = models.CharField(max_length=32, choices=County.choices)
    subject_id = models.TextField()  # normalised SUBJECT_ID
    name = models.TextField(blank=True)
    cii = models.TextField(blank=True)
    dob = models.DateField(null=True, blank=True)
    deceased = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["upload", "subject_id"], name="subject_once_per_upload")
        ]
        indexes = [models.Index(fields=["county", "cii"]), models.Index(fields=["county", "name"])]

    def __str__(self) -> str:
        return f"Subject {self.pk}"  # never the name: __str__ ends up in logs


class ReviewState(models.TextChoices):
    """The review workflow's states (ARCHITECTURE.md); the review issue owns the transitions."""

    FLAGGED = "flagged", "Flagged"
    NOT_CHALLENGED = "not_challenged", "Not challenged"
    CHALLENGED = "challenged", "Challenged"
    MODIFIED = "modified", "Modified"
    READY_FOR_EXPORT = "ready_for_export", "Ready for export"
    EXPORTED = "exported", "Exported"
    ORDER_RECORDED = "order_recorded", "Order recorded"


class Conviction(models.Model):
    upload = models.ForeignKey(
        "intake.Upload", on_delete=models.CASCADE, related_name="convictions"
    )
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="convictions")
    county = models.CharField(max_length=32, choices=County.choices)
    file_number = models.PositiveIntegerField()  # primary row (eligibility RowRef)
    line = models.BigIntegerField()
    cnt_order = models.TextField(blank=True)
    court_case = models.TextField(blank=True)  # CNT_ORDER[0:6]
    case_numbers = ArrayField(models.TextField(), default=list, blank=True)
    date = models.DateField(null=True, blank=True)
    level = models.CharField(max_length=12)  # eligibility.model.Level
    section = models.CharField(max_length=8)  # '11357'..'11360'
    code_section = models.TextField(blank=True)  # canonical, e.g. '11357(C) HS'
    offense_text = models.TextField(blank=True)
    extra_lines = ArrayField(models.TextField(), default=list, blank=True)  # "file:line"

    review_state = models.CharField(
        max_length=24, choices=ReviewState.choices, default=ReviewState.FLAGGED
    )
    version = models.PositiveIntegerField(default=1)
    needs_attention = models.BooleanField(default=False)
    current_determination = models.ForeignKey(
        "Determination", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["upload", "file_number", "line"], name="conviction_once_per_row"
            ),
            models.CheckConstraint(
                condition=models.Q(review_state__in=ReviewState.values),
                name="conviction_review_state_valid",
            ),
        ]
        indexes = [models.Index(fields=["county", "review_state"])]

    def __str__(self) -> str:
        return f"Conviction {self.pk}"


class EvaluationQuerySet(models.QuerySet["Evaluation"]):
    def for_review(self) -> EvaluationQuerySet:
        """Evaluations that drive review, exports and the dashboard: never what-if trials."""
        return self.filter(purpose=Evaluation.Purpose.REVIEW)

    def trials(self) -> EvaluationQuerySet:
        return self.filter(purpose=Evaluation.Purpose.WHATIF)


class Evaluation(models.Model):
    class Purpose(models.TextChoices):
        REVIEW = "review", "Review"
        WHATIF = "whatif", "What-if trial"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        COMPLETE = "complete", "Complete"
        FAILED = "failed", "Failed"

    upload = models.ForeignKey(
        "intake.Upload", on_delete=models.CASCADE, related_name="evaluations"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    rule_set = models.CharField(max_length=32)
    rule_set_version = models.CharField(max_length=32, blank=True)
    options = models.JSONField(default=dict)
    options_digest = models.CharField(max_length=64)
    compute_at = models.DateField()
    stats = models.JSONField(default=dict)  # eligibility.stats.Statistics.summary()
    results_digest = models.CharField(max_length=64, blank=True)  # SHA-256 of the determinations
    is_current = models.BooleanField(default=False)
    purpose = models.CharField(max_length=8, choices=Purpose.choices, default=Purpose.REVIEW)
    changed = models.PositiveIntegerField(default=0)  # determinations changed vs. previous current
    flagged_for_attention = models.PositiveIntegerField(default=0)

    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    claim_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Live progress of a what-if trial (its page polls them); written by its worker.
    phase = models.CharField(max_length=64, blank=True)
    progress_done = models.BigIntegerField(default=0)
    progress_total = models.BigIntegerField(default=0)
    timings = models.JSONField(default=dict, blank=True)  # seconds per step of a trial

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["upload"],
                condition=models.Q(is_current=True),
                name="evaluation_one_current_per_upload",
            ),
            models.CheckConstraint(
                condition=~models.Q(purpose="whatif", is_current=True),
                name="evaluation_trial_never_current",
            ),
            # The same options asked twice reuse one trial (a failed one may be asked again).
            models.UniqueConstraint(
                fields=["upload", "rule_set", "rule_set_version", "compute_at", "options_digest"],
                condition=models.Q(purpose="whatif") & ~models.Q(state="failed"),
                name="evaluation_one_trial_per_options",
            ),
        ]

    def __str__(self) -> str:
        return f"Evaluation {self.pk}"

    @property
    def is_trial(self) -> bool:
        return self.purpose == self.Purpose.WHATIF

    @property
    def is_running(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def percent(self) -> int:
        return int(100 * self.progress_done / self.progress_total) if self.progress_total else 0


class Determination(models.Model):
    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="determinations"
    )
    conviction = models.ForeignKey(
        Conviction, on_delete=models.CASCADE, related_name="determinations"
    )
    outcome = models.CharField(max_length=24)  # eligibility.model.Outcome
    rule_id = models.TextField()
    reason = models.TextField()
    explanation = models.TextField()
    citation = models.TextField(blank=True)
    evidence = models.JSONField(default=list)  # [{"role": ..., "file": n, "line": n}]
    remedy = models.CharField(max_length=32, blank=True)
    remedy_citation = models.TextField(blank=True)
    flags = ArrayField(models.TextField(), default=list, blank=True)
    compat_determination = models.TextField(blank=True)
    compat_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "conviction"], name="determination_once_per_evaluation"
            )
        ]
        indexes = [models.Index(fields=["evaluation", "outcome"])]

    def __str__(self) -> str:
        return f"Determination {self.pk}"
