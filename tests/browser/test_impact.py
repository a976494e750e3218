"""A public defender opens the impact dashboard, then compares two evaluations (what-if)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.conftest import PASSWORD
from tests.intake.conftest import no_enqueue, var_dir  # noqa: F401 (fixtures)
from tests.reports.conftest import published  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboard_and_whatif_render_labelled_charts(page, published, supervisor) -> None:  # noqa: F811
    sign_in(page, supervisor.username, PASSWORD)
    page.get_by_role("link", name="Impact").click()
    page.get_by_role("link", name=f"Evaluation #{published.first.pk}").click()
    page.get_by_role("heading", name=f"Impact of evaluation #{published.first.pk}").wait_for()
    charts = page.get_by_role("img")
    assert charts.count() == 6
    relief = page.get_by_role("img", name="People relieved", exact=False)
    expect(relief).to_be_visible()
    box = relief.bounding_box()
    assert box["width"] > 300  # drawn at a readable size
    # labels are drawn in the SVG, and the CSS colours the bars (no inline styles)
    expect(page.locator("svg.chart-svg text.chart-label").first).to_be_visible()
    fill = page.locator("svg.chart-svg rect.seg-0").first.evaluate(
        "el => getComputedStyle(el).fill"
    )
    assert fill == "rgb(0, 114, 178)"
    screenshot(page, "impact-dashboard")

    page.get_by_role("link", name="Compare with another evaluation").click()
    page.get_by_label("with evaluation (B)").select_option(str(published.second.pk))
    page.get_by_role("button", name="Compare").click()
    page.get_by_role("heading", name="Transitions").wait_for()
    assert page.locator("#transitions tbody tr").count() >= 1
    expect(page.get_by_text("change outcome").first).to_be_visible()
    screenshot(page, "impact-whatif")
    page.locator("#changed-title ~ table a").first.click()
    assert "/review/convictions/" in page.url


def test_a_da_tries_options_not_run_yet_and_watches_the_worker(
    page,
    published,  # noqa: F811
    supervisor,
    monkeypatch,
) -> None:
    from django.urls import reverse

    from clearrecord.reports import services, tasks

    queued: list[int] = []
    monkeypatch.setattr(tasks.evaluate_whatif, "delay", queued.append)
    sign_in(page, supervisor.username, PASSWORD)
    page.goto(reverse("intake:detail", args=[published.upload.pk]))
    page.get_by_role("link", name="What if: try other options").click()
    page.locator('input[name="section_11358"][value="dismiss"]').check()
    page.locator('input[name="section_11359"][value="none"]').check()
    page.get_by_role("button", name="Compare").click()
    page.get_by_text("Waiting for a worker").wait_for()
    assert page.locator("#trial-progress[hx-get]").count() == 1
    screenshot(page, "impact-whatif-trial-queued")
    assert len(queued) == 1
    # the worker runs; the page polls, sees the trial complete and reloads into the comparison
    assert services.whatif_process(evaluation_id=queued[0]) == "complete"
    page.get_by_role("heading", name="Transitions").wait_for()
    assert page.locator("#transitions tbody tr").count() >= 1
    assert page.locator("#trial-progress").count() == 0
    screenshot(page, "impact-whatif-trial")
