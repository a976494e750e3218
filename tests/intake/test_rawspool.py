"""The raw rows are prepared beside the engine (`intake.rawspool`) and stored in the publishing
transaction: the thread never outlives the job, and a disagreement never publishes."""

from __future__ import annotations

import threading

import pytest

from clearrecord.cases.raw import raw_line_count
from clearrecord.intake import pgcopy, pipeline, rawspool
from clearrecord.intake.models import Status, Upload
from eligibility.doj import Source, iter_records

from .builders import make_upload, synthetic_file

pytestmark = pytest.mark.django_db(transaction=True)


def _spool_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("raw-spool-")]


def test_the_spool_holds_every_accepted_row_as_copy_text(tmp_path) -> None:
    path = synthetic_file(tmp_path, rows=1200, malformed=0.03)
    sources = [Source(name=path.name, path=path)]
    spool = rawspool.RawSpool(upload_id=7, sources=sources, folder=tmp_path, chunk_rows=250)
    try:
        chunks = list(spool.chunks())
    finally:
        spool.close()
    frames = list(iter_records(sources, chunk_rows=250))
    assert [rows for rows, _ in chunks] == [f.height for f in frames]
    assert [payload for _, payload in chunks] == [pgcopy.raw_frame_payload(7, f) for f in frames]
    assert spool.rows == sum(f.height for f in frames) > 1000
    assert not _spool_threads()


def test_a_rejected_file_stops_the_thread(prosecutor, tmp_path, no_enqueue) -> None:
    path = tmp_path / "not_doj.csv"
    path.write_text("a,b,c\n1,2,3\n")
    upload = make_upload(prosecutor, path)
    assert pipeline.upload_process(upload_id=upload.pk) == "rejected"
    assert not _spool_threads()
    assert raw_line_count(upload_id=upload.pk) == 0


def test_rows_missing_from_the_spool_are_never_published(
    prosecutor, tmp_path, no_enqueue, monkeypatch
) -> None:
    upload = make_upload(prosecutor, synthetic_file(tmp_path, rows=1500))
    real_chunks = rawspool.RawSpool.chunks

    def all_but_the_last(self):
        chunks = list(real_chunks(self))
        return iter(chunks[:-1])

    monkeypatch.setattr(pipeline, "RAW_CHUNK_ROWS", 400)
    monkeypatch.setattr(rawspool.RawSpool, "chunks", all_but_the_last)
    assert pipeline.upload_process(upload_id=upload.pk) == "retry"
    upload.refresh_from_db()
    assert upload.status == Status.QUEUED
    assert raw_line_count(upload_id=upload.pk) == 0
    assert not _spool_threads()

    monkeypatch.undo()
    assert pipeline.upload_process(upload_id=upload.pk) == "published"
    assert raw_line_count(upload_id=upload.pk) == Upload.objects.get(pk=upload.pk).data_rows
