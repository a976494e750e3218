"""Indexes for the queue's sorts by review state and by section (the queue page and the
previous / next links of the conviction page walk them; see views._adjacent).

Like 0002: they belong on cases.Conviction's Meta; created here only until the cases app
declares them (IF NOT EXISTS).
"""

from django.db import migrations

INDEXES = {
    "review_queue_state_order": "(county, review_state, subject_id, id)",
    "review_queue_section_order": "(county, section, subject_id, id)",
}


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0004_county_review_settings"),
        ("cases", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON cases_conviction {columns}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, columns in INDEXES.items()
    ]
