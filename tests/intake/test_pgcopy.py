"""COPY text format: every kind of value the pipeline writes reads back unchanged."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection

from clearrecord.intake import pgcopy

pytestmark = pytest.mark.django_db


def test_copy_text_round_trips_awkward_values() -> None:
    rows = [
        (1, "tab\there", "back\\slash\nnew\rline", ["a\"b", "c\\d", "e,f"], True, None, dt.date(2020, 1, 2), {"k": "v\t"}),
        (2, "plain", "", [], False, "x", None, {}),
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE t (id int, a text, b text, c text[], d bool, e text, f date, g jsonb)"
        )
        assert (
            pgcopy.copy_text(cursor.cursor, "t", ["id", "a", "b", "c", "d", "e", "f", "g"], rows)
            == 2
        )
        cursor.execute("SELECT id, a, b, c, d, e, f, g FROM t ORDER BY id")
        got = [(*r[:7], json.loads(r[7])) for r in cursor.fetchall()]  # jsonb comes back as text
    assert got == [tuple(r) for r in rows]
