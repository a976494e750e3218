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
