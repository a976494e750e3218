"""A DA reviewer uploads a synthetic DOJ file, watches the progress bar, then reads the report.

The worker is real (in-thread, real broker). To see the bar part-way without racing the worker,
the test holds the worker after its first chunk of stored rows, looks, then lets it go on.
"""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect

from clearrecord.cases.models import Conviction
from clearrecord.intake import pgcopy, pipeline
from clearrecord.intake.models import Status, Upload
from tests.browser.conftest import screenshot, sign_in
from tests.conftest import PASSWORD
from tests.intake.builders import synthetic_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path_factory):
    settings.VAR_DIR = tmp_path_factory.mktemp("var")


def test_reviewer_uploads_sees_progress_then_the_report(
    page, prosecutor, celery_worker, monkeypatch, tmp_path
) -> None:
    gate = threading.Event()
    calls = {"n": 0}
    real_copy = pgcopy.copy_raw_payload

    def copy_then_hold(cursor, payload):
        calls["n"] += 1
        if calls["n"] == 2:  # the first chunk's progress is written by now
            gate.wait(timeout=60)
        return real_copy(cursor, payload)

    monkeypatch.setattr(pipeline, "RAW_CHUNK_ROWS", 500)
    monkeypatch.setattr(pgcopy, "copy_raw_payload", copy_then_hold)
    path = synthetic_file(tmp_path, rows=3000, malformed=0.03)

    sign_in(page, prosecutor.username, PASSWORD)
    page.get_by_role("link", name="Uploads").click()
    expect(page.get_by_role("heading", name="No uploads yet")).to_be_visible()
    page.get_by_role("link", name="Upload DOJ files").first.click()
    page.get_by_label("Compute date", exact=True).fill("2026-07-01")
    page.get_by_label("DOJ research files").set_input_files(str(path))
    screenshot(page, "upload-form")
    page.get_by_role("button", name="Upload and process").click()
    page.wait_for_url("**/uploads/*/")

    progress = page.locator("#upload-progress")
    progress.get_by_text("Storing rows").wait_for()
    value = int(page.locator("progress").get_attribute("value"))
    assert 0 < value < 100
    screenshot(page, "upload-progress")

    gate.set()
    page.get_by_role("heading", name="Validation report").wait_for(timeout=60_000)
    upload = Upload.objects.get()
    assert upload.status == Status.PUBLISHED
    main = page.inner_text("main")
    assert "Outcome summary" in main
    assert "FIELD_COUNT" in main
    assert str(upload.relevant_convictions) in main
    screenshot(page, "upload-report")

    # Published means reviewable: every relevant conviction is in the county's shared queue.
    page.get_by_role("link", name="Review queue").click()
    page.get_by_role("heading", name="Review queue").wait_for()
    assert upload.relevant_convictions > 0
    expect(page.get_by_role("link", name=f"All {upload.relevant_convictions}")).to_be_visible()
    first = (
        Conviction.objects.filter(upload=upload).select_related("subject").order_by("pk").first()
    )
    page.get_by_label("Search by name, CII, court case").fill(first.subject.cii)
    page.get_by_role("button", name="Search", exact=True).click()
    assert first.subject.name in page.inner_text("main")
    screenshot(page, "upload-in-queue")
