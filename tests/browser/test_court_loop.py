"""Issue #6, acceptance 1, in a real browser: a DA supervisor builds a batch; the court clerk
downloads its three files (the PDF is rendered to PNG and its schedule read back), records the
court's order, and finds exactly those convictions on the DOJ report. Synthetic people only."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from clearrecord.cases.models import Conviction
from clearrecord.exports import writers
from clearrecord.exports.models import BatchItem, ExportBatch, OrderLine
from clearrecord.review.models import Decision
from tests.browser.conftest import ARTIFACTS, screenshot, sign_in
from tests.conftest import HOME_COUNTY, OTHER_COUNTY, PASSWORD
from tests.review.builders import make_convictions, make_upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAIN = 12
CHALLENGED = 2


@pytest.fixture
def ready_for_export(settings, tmp_path, supervisor):
    """Convictions released for export: most not challenged, two challenged on a ground."""
    settings.VAR_DIR = tmp_path / "var"
    upload = make_upload(HOME_COUNTY)
    plain = make_convictions(HOME_COUNTY, PLAIN, upload=upload, review_state="ready_for_export")
    challenged = make_convictions(
        HOME_COUNTY, CHALLENGED, upload=upload, review_state="ready_for_export"
    )
    for c in challenged:
        Decision.objects.create(
            conviction=c, action="challenge", from_state="flagged", to_state="challenged",
            version=2, ground="unreasonable_risk", note="Synthetic reason.", actor=supervisor,
        )  # fmt: skip
        Decision.objects.create(
            conviction=c, action="release", from_state="challenged",
            to_state="ready_for_export", version=3, actor=supervisor,
        )  # fmt: skip
    Conviction.objects.filter(pk__in=[c.pk for c in challenged]).update(version=3)
    make_convictions(OTHER_COUNTY, 3, review_state="ready_for_export")  # never in our batch
    return plain, challenged


def _download(page, link_name: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    download = info.value
    path = folder / download.suggested_filename
    download.save_as(path)
    return path


def test_batch_to_court_order_to_doj_report(
    page, supervisor, clerk, ready_for_export, monkeypatch, tmp_path
):
    if not (shutil.which("pdftoppm") and shutil.which("pdftotext")):
        pytest.skip("poppler-utils (pdftoppm, pdftotext) not installed")
    plain, challenged = ready_for_export
    # The files are written below, in this test, instead of by a worker.
    monkeypatch.setattr("clearrecord.exports.tasks.write_batch_files.delay", lambda *a: None)

    # 1. The supervisor builds the batch from the list page.
    sign_in(page, supervisor.username, PASSWORD)
    page.get_by_role("link", name="Court batches").click()
    assert "14 convictions released for export" in page.inner_text("main")
    screenshot(page, "court-batches-supervisor")
    page.get_by_role("button", name="Build batch from everything ready").click()
    page.wait_for_url(re.compile(r"/batches/\d+/$"))
    batch = ExportBatch.objects.get()
    assert f"Batch {batch.pk} built with 14 convictions" in page.inner_text("main")
    ids = set(BatchItem.objects.filter(batch=batch).values_list("conviction_id", flat=True))
    assert ids == {c.pk for c in (*plain, *challenged)}
    writers.batch_write_files(batch_id=batch.pk)
    page.get_by_role("button", name="Sign out").click()

    # 2. The clerk downloads the three files through the batch page.
    sign_in(page, clerk.username, PASSWORD)
    page.get_by_role("link", name="Court batches").click()
    page.get_by_role("link", name=f"#{batch.pk}").click()
    screenshot(page, "court-batch-detail-clerk")
    files = tmp_path / "downloads"
    files.mkdir()
    court = _download(page, "Court CSV", files)
    challenges = _download(page, "Challenges CSV", files)
    pdf = _download(page, "Bulk motion and proposed order (PDF)", files)

    court_rows = list(csv.DictReader(io.StringIO(court.read_text())))
    assert len(court_rows) == PLAIN + CHALLENGED
    challenge_rows = list(csv.DictReader(io.StringIO(challenges.read_text())))
    assert len(challenge_rows) == CHALLENGED
    assert {r["ground"] for r in challenge_rows} == {"Unreasonable risk to public safety"}

    # The PDF renders, page by page, and its schedule lists every conviction of the batch.
    pngs = tmp_path / "pdf"
    pngs.mkdir()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(pngs / "page")], check=True)
    rendered = sorted(pngs.glob("page-*.png"))
    assert len(rendered) >= 2  # motion and order, then the schedule
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(rendered[0], ARTIFACTS / "court-order-pdf-page-1.png")
    shutil.copy(rendered[-1], ARTIFACTS / "court-order-pdf-schedule.png")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    schedule = text[text.index("SCHEDULE A") :]
    for c in Conviction.objects.filter(pk__in=ids).select_related("subject"):
        line = next((row for row in schedule.splitlines() if c.case_numbers[0] in row), "")
        assert c.subject.name in line, c.pk  # name and case number on one schedule row
    assert len(re.findall(r"CR-\d+", schedule)) == len(ids)

    # 3. The clerk records the order: relief granted, both challenges sustained, and one
    #    exception, found with the search box (keyboard only: Enter searches), denied.
    page.get_by_role("link", name="Record the court order").click()
    exception = plain[0]
    search = page.get_by_label("Find convictions of this batch")
    search.fill(exception.subject.cii.lower())
    search.press("Enter")
    page.wait_for_url(re.compile(r"/order/\?s="))
    assert exception.subject.cii.lower() not in page.url.lower()
    assert page.locator('select[name^="outcome-"]').count() == 1
    page.get_by_label(f"Outcome for {exception.subject.name}").select_option("denied")
    page.get_by_label("Date of the order").fill("2026-09-01")
    page.get_by_label("Judge").fill("Hon. A. Synthetic")
    page.get_by_label("Order number").fill("ORD-2026-17")
    page.get_by_label("Denied (challenge sustained)").check()
    screenshot(page, "court-order-form")
    page.get_by_role("button", name="Record the order").click()
    page.wait_for_url(re.compile(rf"/batches/{batch.pk}/$"))
    main = page.inner_text("main")
    assert "Order ORD-2026-17 recorded for 14 convictions." in main
    assert "14 of 14 convictions ordered: 11 granted, 3 denied, 0 modified" in main
    screenshot(page, "court-batch-ordered")
    assert set(OrderLine.objects.values_list("conviction_id", flat=True)) == ids
    assert OrderLine.objects.get(conviction=exception).outcome == "denied"

    # 4. The DOJ report lists exactly the convictions of the batch.
    page.get_by_role("link", name="Report to DOJ").click()
    listed = {
        int(v)
        for v in page.locator('input[name="convictions"]').evaluate_all(
            "boxes => boxes.map(b => b.value)"
        )
    }
    assert listed == ids
    assert "Mark all 14 as reported" in page.inner_text("main")
    screenshot(page, "doj-report")
    doj_csv = _download(page, "Download the report (CSV)", files)
    doj_rows = list(csv.DictReader(io.StringIO(doj_csv.read_text())))
    assert {r["cii"] for r in doj_rows} == {
        c.subject.cii for c in Conviction.objects.filter(pk__in=ids).select_related("subject")
    }
    page.get_by_role("button", name="Mark all 14 as reported…").click()
    screenshot(page, "doj-report-confirm")
    page.get_by_role("button", name="Yes, mark 14 as reported").click()
    assert "14 convictions marked as reported to DOJ" in page.inner_text("main")
    assert "Nothing to report" in page.inner_text("main")

    # 5. The home page shows the county's progress.
    page.get_by_role("link", name="Home").click()
    figures = page.get_by_role("table").last.inner_text()
    assert re.search(r"Reported to DOJ\s+14", figures)
    screenshot(page, "home-county-progress")
