"""Progress and heartbeat written beside the data transaction, through its own connection.

The pipeline holds one long transaction open while it COPYs the upload's rows (so the upload
appears all at once). Progress written inside it would stay invisible until the end, so this
writer uses a second, autocommit connection: every write is visible to the upload page at once
and renews the job's lease. A write that finds the claim gone (another worker took the job after
this one's lease expired) raises `LostClaim`, which stops this worker before it publishes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg2
from django.conf import settings
from django.db import connection
from django.utils import timezone

from .errors import LostClaim


class ProgressWriter:
    def __init__(self, *, table: str, row_id: int, token: str) -> None:
        self.table = table
        self.row_id = row_id
        self.token = token
        self.conn: Any = None
        self.last_percent = -1
        self.last_phase = ""

    def __enter__(self) -> ProgressWriter:
        params = connection.get_connection_params()
        self.conn = psycopg2.connect(**params)
        self.conn.autocommit = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None:
            self.conn.close()

    def lease_until(self) -> dt.datetime:
        return timezone.now() + dt.timedelta(seconds=settings.CLEARRECORD_INGEST_LEASE_SECONDS)

    def update(self, phase: str, done: int, total: int, unit: str, *, force: bool = False) -> None:
        """Write the phase and counts when the phase or the whole percentage changed."""
        percent = int(100 * done / total) if total else 0
        if not force and phase == self.last_phase and percent == self.last_percent:
            return
        self.last_phase, self.last_percent = phase, percent
        now = timezone.now()
        with self.conn.cursor() as cur:
            if self.table == "intake_upload":
                cur.execute(
                    "UPDATE intake_upload SET phase = %s, progress_done = %s, progress_total = %s,"
                    " progress_unit = %s, heartbeat_at = %s, lease_expires_at = %s"
                    " WHERE id = %s AND claim_token = %s",
                    [phase, done, total, unit, now, self.lease_until(), self.row_id, self.token],
                )
            else:
                cur.execute(
                    "UPDATE cases_evaluation SET lease_expires_at = %s"
                    " WHERE id = %s AND claim_token = %s",
                    [self.lease_until(), self.row_id, self.token],
                )
            if cur.rowcount != 1:
                raise LostClaim
