"""Purge a finished upload's personal records, keeping its de-identified statistics.

python manage.py purge_evaluation --upload 12          # asks to type the id again
python manage.py purge_evaluation --upload 12 --yes    # no question (scripts)
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from clearrecord.intake.models import Upload
from clearrecord.retention.errors import HeldByCourtBatch, NotFinished
from clearrecord.retention.services import upload_purge


class Command(BaseCommand):
    help = (
        "Delete an upload's raw rows, people, convictions, determinations, decisions, comments "
        "and stored files; keep its counts, evaluation statistics and the audit log."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--upload", type=int, required=True, help="the upload's id")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, upload: int, yes: bool, **options: Any) -> None:
        try:
            row = Upload.objects.get(pk=upload)
        except Upload.DoesNotExist:
            raise CommandError(f"There is no upload #{upload}.") from None
        if not yes:
            self.stdout.write(
                f"This deletes every person, conviction and decision of upload #{row.pk} "
                f"({row.county}, {row.relevant_convictions} convictions). It cannot be undone."
            )
            answer = input(f"Type the upload id ({row.pk}) to confirm: ")
            if answer.strip() != str(row.pk):
                raise CommandError("Not confirmed; nothing was deleted.")
        try:
            counts = upload_purge(upload_id=row.pk, reason="command")
        except (NotFinished, HeldByCourtBatch) as exc:
            raise CommandError(str(exc)) from None
        summary = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Upload #{row.pk} purged: {summary}."))
