"""Indexes the review queue needs on cases_conviction (measured: bench/review_bench.py).

The queue lists a county's convictions grouped by person and court case (and optionally by
date); without these, every page sorts the whole county. They belong on cases.Conviction's
Meta: this migration creates them only until the cases app declares them (IF NOT EXISTS).
"""

from django.db import migrations

INDEXES = {
    "review_queue_person_order": "(county, subject_id, court_case, id)",
    "review_queue_date_order": "(county, date, id)",
}


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0001_initial"),
        ("cases", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON cases_conviction {columns}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, columns in INDEXES.items()
    ]
