"""The review queue in a real browser: a DA filters, reads, decides and bulk-approves; a PD finds
the challenge and objects; the DA responds. Synthetic people only."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from clearrecord.cases.models import Conviction
from clearrecord.review.models import Objection
from tests.browser.conftest import screenshot, sign_in
from tests.conftest import HOME_COUNTY, PASSWORD
from tests.review.builders import make_convictions, make_raw_rows, make_upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def county_file(db):
    upload = make_upload(HOME_COUNTY)
    clear = make_convictions(HOME_COUNTY, 500, upload=upload, per_subject=2)
    doubtful = make_convictions(
        HOME_COUNTY,
        3,
        upload=upload,
        outcome="needs_review",
        section="11359",
        level="felony",
        flags=["currently_serving"],
    )
    return clear, doubtful


def test_da_filters_reads_decides_and_bulk_approves(
    page, prosecutor, supervisor, county_file
) -> None:
    clear, doubtful = county_file
    sign_in(page, prosecutor.username, PASSWORD)
    page.get_by_role("link", name="Review queue").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    page.get_by_label("Outcome").select_option("needs_review")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"outcome=needs_review"))
    assert "Showing 1\N{EN DASH}3 of 3" in page.inner_text("main")
    screenshot(page, "review-queue-filtered")

    # open a person, read the explanation, decide "not challenged"
    page.get_by_role("link", name=re.compile("H&S 11359")).first.click()
    assert "H&S 11361.8(e)" in page.inner_text("main")  # the explanation's citation
    screenshot(page, "review-conviction")
    page.get_by_role("button", name="Not challenged (relief as determined)").click()
    page.wait_for_url(re.compile(r"outcome=needs_review"))  # back to the same filtered queue
    assert "Marked not challenged" in page.inner_text("main")

    # challenge the next one, with a ground and a reason
    page.get_by_role("link", name=re.compile("H&S 11359")).nth(1).click()
    page.get_by_label("Unreasonable risk to public safety").check()
    page.get_by_label("Reason (shared with the public defender)").fill("Synthetic reason.")
    page.get_by_role("button", name="Challenge", exact=True).click()
    assert "Challenge recorded" in page.inner_text("main")
    states = sorted(
        Conviction.objects.filter(pk__in=[c.pk for c in doubtful]).values_list(
            "review_state", flat=True
        )
    )
    assert states == ["challenged", "flagged", "not_challenged"]

    # a supervisor approves the 500 clear cases in bulk, after a confirmation
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, supervisor.username, PASSWORD)
    page.goto("/review/?outcome=eligible_dismissal")
    assert "of 500" in page.inner_text("main")
    page.get_by_label(re.compile("With the selected convictions")).select_option("not_challenge")
    page.get_by_role("button", name="Review the bulk action…").click()
    assert page.get_by_test_id("bulk-changing").inner_text() == "500"
    assert "Eligible for dismissal" in page.inner_text("main")
    screenshot(page, "review-bulk-confirm")
    page.get_by_role("button", name=re.compile("Mark not challenged: 500")).click()
    assert "500 conviction(s) marked not challenged" in page.inner_text("main")
    assert (
        Conviction.objects.filter(
            pk__in=[c.pk for c in clear], review_state="not_challenged"
        ).count()
        == 500
    )


def test_pd_objects_to_a_challenge_and_the_da_responds(page, prosecutor, defender) -> None:
    conviction = make_convictions(HOME_COUNTY, 1, review_state="challenged")[0]
    make_convictions(HOME_COUNTY, 4)
    sign_in(page, defender.username, PASSWORD)
    page.goto("/review/")
    page.get_by_role("link", name=re.compile(r"^Challenged")).click()
    assert "Showing 1\N{EN DASH}1 of 1" in page.inner_text("main")
    page.get_by_role("link", name=re.compile("H&S 11357")).click()
    page.get_by_label("Objection (what the DA should reconsider)").fill("Synthetic objection.")
    page.get_by_role("button", name="Raise objection").click()
    assert "Objection raised" in page.inner_text("main")
    screenshot(page, "review-objection-raised")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, prosecutor.username, PASSWORD)
    page.goto("/review/?objection=open")
    page.get_by_role("link", name=re.compile("H&S 11357")).click()
    assert "Synthetic objection." in page.inner_text("main")
    page.get_by_label("Maintain the decision (note required)").check()
    page.get_by_label("Response note").fill("Synthetic response.")
    page.get_by_role("button", name="Send response").click()
    assert "Response to the objection recorded" in page.inner_text("main")
    screenshot(page, "review-objection-answered")
    objection = Objection.objects.get(conviction=conviction)
    assert (objection.status, objection.responded_by) == ("maintained", prosecutor)


def test_keyboard_path_through_the_queue(page, prosecutor) -> None:
    first, second, _third = make_convictions(HOME_COUNTY, 3)
    sign_in(page, prosecutor.username, PASSWORD)
    page.goto("/review/")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/review/convictions/{second.pk}/"))
    page.wait_for_load_state()
    page.keyboard.press("n")
    page.wait_for_url(re.compile(r"/review/$"))
    assert "Marked not challenged" in page.inner_text("main")
    second.refresh_from_db()
    assert second.review_state == "not_challenged"
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/review/convictions/{first.pk}/"))
    page.wait_for_load_state()
    page.keyboard.press("c")
    assert page.evaluate("document.activeElement.name") == "ground"
    page.keyboard.type("c")  # typing in a field is not a shortcut
    page.get_by_label("Reason (shared with the public defender)").type("cn")
    first.refresh_from_db()
    assert first.review_state == "flagged"


def test_da_reads_a_persons_whole_record(page, prosecutor) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    make_raw_rows(
        conviction,
        [
            {"CYC_ORDER": "1", "CYC_DATE": "20100501", "STP_TYPE_DESCR": "COURT",
             "OFFENSE_CODE": "11357(A)", "OFFENSE_DESCR": "POSSESS MARIJUANA",
             "DISP_DESCR": "CONVICTED"},
            {"CYC_ORDER": "2", "CYC_DATE": "20150101", "STP_TYPE_DESCR": "ARREST/DETAINED/CITED",
             "OFFENSE_DESCR": "SYNTHETIC OTHER OFFENCE"},
        ],
    )  # fmt: skip
    sign_in(page, prosecutor.username, PASSWORD)
    page.goto(f"/review/convictions/{conviction.pk}/")
    page.get_by_role("link", name="The person's whole record").click()
    main = page.inner_text("main")
    assert "POSSESS MARIJUANA" in main
    assert "SYNTHETIC OTHER OFFENCE" in main
    assert "evidence: conviction" in main
    screenshot(page, "review-person")


def test_quick_not_challenged_from_the_queue_swaps_the_row(page, prosecutor) -> None:
    first, _second = make_convictions(HOME_COUNTY, 2)
    sign_in(page, prosecutor.username, PASSWORD)
    page.goto("/review/?outcome=eligible_dismissal")
    flagged = page.locator('#state-counts [data-state="flagged"]')
    decided = page.locator('#state-counts [data-state="not_challenged"]')
    assert (flagged.inner_text(), decided.inner_text()) == ("2", "0")
    page.evaluate("window.__marker = 1")  # survives only if the page is not reloaded
    page.get_by_role("button", name=f"Not challenged: conviction {first.pk}").click()
    page.get_by_role("status").filter(has_text="Marked not challenged").wait_for()
    assert page.evaluate("window.__marker") == 1
    # the counts at the top moved with the decision (swapped in out of band, no reload)
    page.wait_for_function(
        "document.querySelector('#state-counts [data-state=\"not_challenged\"]')"
        ".textContent === '1'"
    )
    assert (flagged.inner_text(), decided.inner_text()) == ("1", "1")
    assert page.locator("#state-counts").count() == 1
    assert page.locator("table.queue tbody tr").count() == 2  # the row replaced, not added
    first.refresh_from_db()
    assert first.review_state == "not_challenged"
    screenshot(page, "review-queue-quick-decision")


def test_next_and_previous_conviction_from_the_keyboard(page, prosecutor) -> None:
    first, second = make_convictions(HOME_COUNTY, 2)
    sign_in(page, prosecutor.username, PASSWORD)
    page.goto("/review/?outcome=eligible_dismissal")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/review/convictions/{first.pk}/"))
    page.wait_for_load_state()
    page.keyboard.press("j")
    page.wait_for_url(re.compile(rf"/review/convictions/{second.pk}/"))
    page.wait_for_load_state()
    page.keyboard.press("k")
    page.wait_for_url(re.compile(rf"/review/convictions/{first.pk}/"))
    page.wait_for_load_state()
    page.keyboard.press("u")
    page.wait_for_url(re.compile(r"/review/\?outcome=eligible_dismissal$"))


def test_undo_asks_first(page, prosecutor) -> None:
    conviction = make_convictions(HOME_COUNTY, 1, review_state="not_challenged")[0]
    sign_in(page, prosecutor.username, PASSWORD)
    page.goto(f"/review/convictions/{conviction.pk}/")
    asked = []

    def answer(dialog, accept: bool) -> None:
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, accept=False))
    page.get_by_role("button", name="Undo the decision").click()
    assert "goes back to Flagged" in asked[0]
    conviction.refresh_from_db()
    assert conviction.review_state == "not_challenged"
    page.once("dialog", lambda d: answer(d, accept=True))
    page.get_by_role("button", name="Undo the decision").click()
    assert "Decision undone" in page.inner_text("main")
    conviction.refresh_from_db()
    assert conviction.review_state == "flagged"


def test_next_follows_the_sort_of_the_queue(page, prosecutor) -> None:
    early, late = make_convictions(HOME_COUNTY, 2)
    Conviction.objects.filter(pk=early.pk).update(date="2009-01-01")
    Conviction.objects.filter(pk=late.pk).update(date="2019-01-01")
    sign_in(page, prosecutor.username, PASSWORD)
    page.goto("/review/?sort=-date")  # newest first: the later one, then the earlier one
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/review/convictions/{late.pk}/"))
    page.wait_for_load_state()
    page.keyboard.press("j")
    page.wait_for_url(re.compile(rf"/review/convictions/{early.pk}/"))
    page.wait_for_load_state()
    page.keyboard.press("u")
    page.wait_for_url(re.compile(r"/review/\?sort=-date$"))
