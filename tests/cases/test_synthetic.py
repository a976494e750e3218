"""The synthetic-data builders: refused under production settings; their raw rows are real
DOJ records to the engine (benchmarks of the gogen files rely on it)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from clearrecord.cases import synthetic
from clearrecord.cases.models import RawBlock
from clearrecord.cases.raw import raw_lines_of_many
from clearrecord.exports import gogen
from tests.conftest import HOME_COUNTY

pytestmark = pytest.mark.django_db


def test_nothing_is_written_under_production_settings(settings, supervisor):
    settings.CLEARRECORD_ENV = "production"
    with pytest.raises(ImproperlyConfigured):
        synthetic.published_upload(HOME_COUNTY, by=supervisor)
    assert not RawBlock.objects.exists()


def test_raw_rows_are_read_by_the_engine_as_the_same_convictions(supervisor, tmp_path):
    upload, evaluation = synthetic.published_upload(HOME_COUNTY, by=supervisor)
    convictions = synthetic.add_convictions(
        upload, evaluation, 4, per_subject=2, raw_rows=True,
        conviction=lambda i: {"cnt_order": f"10{i}002001000", "level": "felony"},
    )  # fmt: skip
    subject_ids = [c.subject.subject_id for c in convictions]
    assert len(list(raw_lines_of_many(upload_id=upload.pk, subject_ids=subject_ids))) == 4
    sources, original = gogen._write_sources(tmp_path, upload.pk, subject_ids, 1)
    from eligibility import api

    result = api.run(sources, county=HOME_COUNTY, compute_at=evaluation.compute_at)
    refs = {
        (d.conviction_ref.file, original[0][d.conviction_ref.line]) for d in result.determinations
    }
    assert refs == {(c.file_number, c.line) for c in convictions}
    assert {d.subject_id for d in result.determinations} == set(subject_ids)
