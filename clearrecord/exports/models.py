"""Court export batches: an immutable set of convictions handed to the court, and its files.

A batch is built once (services.batch_build) and never edited: its items, who built it and
when. The files are written afterwards by a Celery task (writers.py), which records each file's
SHA-256 on the batch; `status` and `progress` tell the pages how far that is.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from clearrecord.accounts.counties import County


class BatchStatus(models.TextChoices):
    WRITING = "writing", "Writing files"
    READY = "ready", "Files ready"
    FAILED = "failed", "Writing failed"


class Disposition(models.TextChoices):
    """The DA decision that was released for export."""

    NOT_CHALLENGED = "not_challenged", "Not challenged"
    CHALLENGED = "challenged", "Challenged"
    MODIFIED = "modified", "Remedy modified"


class ExportBatch(models.Model):
    county = models.CharField(max_length=32, choices=County.choices, db_index=True)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    built_at = models.DateTimeField(auto_now_add=True)
    filters = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=12, choices=BatchStatus.choices, default=BatchStatus.WRITING
    )
    progress = models.PositiveSmallIntegerField(default=0)  # percent of the files written
    conviction_count = models.PositiveIntegerField(default=0)
    challenged_count = models.PositiveIntegerField(default=0)
    court_csv_sha256 = models.CharField(max_length=64, blank=True)
    challenges_csv_sha256 = models.CharField(max_length=64, blank=True)
    order_pdf_sha256 = models.CharField(max_length=64, blank=True)
    # the gogen-compatible CSVs of the batch's convictions, in one zip file
    gogen_zip_sha256 = models.CharField(max_length=64, blank=True)
    files_written_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-built_at", "-id"]

    def __str__(self) -> str:
        return f"Batch {self.pk}"


class BatchItem(models.Model):
    batch = models.ForeignKey(ExportBatch, on_delete=models.PROTECT, related_name="items")
    # One batch per conviction, enforced by the database: the last line of defence behind the
    # row locks and the conditional UPDATE of batch_build.
    conviction = models.OneToOneField(
        "cases.Conviction", on_delete=models.PROTECT, related_name="batch_item"
    )
    disposition = models.CharField(max_length=16, choices=Disposition.choices)
    remedy = models.CharField(
        max_length=32, blank=True
    )  # the remedy applied (modified or as determined)
    ground = models.CharField(max_length=32, blank=True)  # challenge ground
    note = models.TextField(blank=True)  # the challenge or modification note

    class Meta:
        ordering = ["batch_id", "id"]

    def __str__(self) -> str:
        return f"Batch {self.batch_id} item {self.pk}"


class OrderOutcome(models.TextChoices):
    """What the court ordered for one conviction of the motion's schedule."""

    GRANTED = "granted", "Granted"
    DENIED = "denied", "Denied"
    MODIFIED = "modified", "Modified"


class CourtOrder(models.Model):
    """The court's order on a batch (or part of it), as the clerk recorded it (services.order_record).

    One batch may get several orders (the court rules on part of the schedule first); each
    conviction is ordered once (`OrderLine.conviction` is UNIQUE).
    """

    batch = models.ForeignKey(ExportBatch, on_delete=models.PROTECT, related_name="orders")
    county = models.CharField(max_length=32, choices=County.choices, db_index=True)
    order_date = models.DateField()
    judge = models.CharField(max_length=200)
    order_number = models.CharField(max_length=64)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    line_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"Court order {self.pk} on batch {self.batch_id}"


class OrderLine(models.Model):
    """The court's outcome for one conviction, and whether it has been reported to DOJ."""

    order = models.ForeignKey(CourtOrder, on_delete=models.PROTECT, related_name="lines")
    # One order per conviction, enforced by the database behind the conditional UPDATE.
    conviction = models.OneToOneField(
        "cases.Conviction", on_delete=models.PROTECT, related_name="order_line"
    )
    county = models.CharField(max_length=32, choices=County.choices)
    outcome = models.CharField(max_length=12, choices=OrderOutcome.choices)
    note = models.TextField(blank=True, max_length=1000)  # what the court modified
    reported_at = models.DateTimeField(null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["order_id", "id"]
        indexes = [
            models.Index(
                fields=["county", "id"],
                condition=models.Q(reported_at__isnull=True),
                name="orderline_doj_pending",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(outcome="modified") | ~models.Q(note=""),
                name="orderline_modified_has_note",
            ),
            models.CheckConstraint(
                condition=models.Q(reported_at__isnull=True) | models.Q(reported_by__isnull=False),
                name="orderline_reported_has_reporter",
            ),
        ]

    def __str__(self) -> str:
        return f"Order line {self.pk} ({self.outcome})"
