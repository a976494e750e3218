"""The clerk's order form and the batch page's order summary; the county figures on home."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from clearrecord.accounts.models import Role
from clearrecord.cases.models import Conviction
from clearrecord.exports import services
from clearrecord.exports.models import OrderLine
from clearrecord.exports.views import ORDER_PAGE_SIZE
from clearrecord.review.models import Decision
from tests.conftest import OTHER_COUNTY, REQUEST_QUERIES
from tests.review.builders import make_convictions

pytestmark = pytest.mark.django_db

FORM = {
    "order_date": "2026-09-01",
    "judge": "Hon. A. Synthetic",
    "order_number": "ORD-9",
    "scope": "all",
    "outcome": "granted",
}


@pytest.fixture
def batch(supervisor, ready):
    ready(3)
    return services.batch_build(user=supervisor)


@pytest.mark.parametrize("role", [r.value for r in Role])
@pytest.mark.parametrize("county", ["SACRAMENTO", OTHER_COUNTY])
def test_order_form_by_role_and_county(client, make_user, batch, role, county):
    client.force_login(make_user(role, county=county))
    expected = 403 if role != Role.COURT_CLERK else (200 if county == "SACRAMENTO" else 404)
    url = reverse("exports:order", args=[batch.pk])
    assert client.get(url).status_code == expected
    assert client.post(url, FORM).status_code in ({302} if expected == 200 else {expected})
    if expected != 200:
        assert not OrderLine.objects.exists()


def test_clerk_records_the_whole_batch(client, clerk, batch):
    client.force_login(clerk)
    detail = client.get(reverse("exports:detail", args=[batch.pk])).content.decode()
    assert "3 convictions waiting for the court" in detail
    assert "Record the court order" in detail
    response = client.post(reverse("exports:order", args=[batch.pk]), FORM, follow=True)
    page = response.content.decode()
    assert "Order ORD-9 recorded for 3 convictions." in page
    assert "3 of 3 convictions ordered: 3 granted, 0 denied, 0 modified" in page
    assert Conviction.objects.filter(review_state="order_recorded").count() == 3


def test_ticked_convictions_with_their_own_outcome(client, clerk, batch):
    ids = sorted(batch.items.values_list("conviction_id", flat=True))
    client.force_login(clerk)
    data = {
        **FORM, "scope": "selected", "convictions": [str(ids[0]), str(ids[1])],
        f"outcome-{ids[1]}": "modified", f"note-{ids[1]}": "Reduced to an infraction.",
        f"outcome-{ids[2]}": "",  # "as above", and not ticked: untouched
    }  # fmt: skip
    assert client.post(reverse("exports:order", args=[batch.pk]), data).status_code == 302
    assert dict(OrderLine.objects.values_list("conviction_id", "outcome")) == {
        ids[0]: "granted", ids[1]: "modified",
    }  # fmt: skip
    assert Conviction.objects.get(pk=ids[2]).review_state == "exported"


def test_missing_challenge_ruling_is_shown_on_the_form(client, clerk, supervisor, ready):
    challenged = ready(1)[0]
    Decision.objects.create(
        conviction=challenged, action="release", from_state="challenged",
        to_state="ready_for_export", version=2, actor=supervisor,
    )  # fmt: skip
    Conviction.objects.filter(pk=challenged.pk).update(version=2)
    batch = services.batch_build(user=supervisor)
    client.force_login(clerk)
    response = client.post(reverse("exports:order", args=[batch.pk]), FORM)
    assert response.status_code == 400
    assert "the court rules on each challenge" in response.content.decode()
    assert not OrderLine.objects.exists()


def test_a_batch_ordered_meanwhile_says_why_the_post_was_refused(client, clerk, batch):
    """Another clerk recorded the whole batch while this one filled in the form."""
    services.order_record(
        user=clerk, batch_id=batch.pk, outcome="granted", order_date=dt.date(2026, 9, 1),
        judge="J", order_number="1",
    )  # fmt: skip
    client.force_login(clerk)
    response = client.post(reverse("exports:order", args=[batch.pk]), FORM)
    assert response.status_code == 409
    page = response.content.decode()
    assert "The order was not recorded" in page
    assert "already has a court order" in page
    assert "Nothing waiting" in page


def test_second_record_of_the_batch_is_a_409_on_the_form(client, clerk, batch):
    services.order_record(
        user=clerk, batch_id=batch.pk, outcome="granted", conviction_ids=[
            batch.items.first().conviction_id
        ], order_date=dt.date(2026, 9, 1), judge="J", order_number="1",
    )  # fmt: skip
    client.force_login(clerk)
    ids = list(batch.items.values_list("conviction_id", flat=True))
    data = {**FORM, "scope": "selected", "convictions": [str(i) for i in ids]}
    response = client.post(reverse("exports:order", args=[batch.pk]), data)
    assert response.status_code == 409
    assert "already have a court order" in response.content.decode()


def test_order_form_queries_do_not_grow_with_convictions(
    client, clerk, supervisor, ready, django_assert_num_queries
):
    ready(30)
    batch = services.batch_build(user=supervisor)
    client.force_login(clerk)
    url = reverse("exports:order", args=[batch.pk])
    client.get(url)
    with django_assert_num_queries(REQUEST_QUERIES + 3):  # batch, count, page with people
        response = client.get(url)
    assert response.content.decode().count('name="convictions"') == 30


def test_detail_page_queries(client, clerk, batch, django_assert_num_queries):
    client.force_login(clerk)
    url = reverse("exports:detail", args=[batch.pk])
    client.get(url)
    with django_assert_num_queries(REQUEST_QUERIES + 2):  # batch with builder, order counts
        client.get(url)


# Home page figures ----------------------------------------------------------------------------
def test_home_shows_the_county_progress(client, make_user, supervisor, clerk, ready):
    make_convictions("SACRAMENTO", 2)  # identified, not decided
    make_convictions("SACRAMENTO", 1, review_state="challenged")
    make_convictions("SACRAMENTO", 1, review_state="modified")
    ready(3)
    batch = services.batch_build(user=supervisor)
    ids = list(batch.items.values_list("conviction_id", flat=True))
    services.order_record(
        user=clerk, batch_id=batch.pk, outcome="granted", conviction_ids=ids[:2],
        order_date=dt.date(2026, 9, 1), judge="J", order_number="1",
    )  # fmt: skip
    services.doj_mark_reported(user=clerk, conviction_ids=ids[:1])
    make_convictions(OTHER_COUNTY, 5)  # another county's figures stay out
    client.force_login(make_user(Role.PUBLIC_DEFENDER))
    response = client.get(reverse("home"))
    assert response.context["progress"]["figures"] == {
        "identified": 7, "challenged": 1, "not_challenged": 4, "ordered": 2, "reported": 1,
    }  # fmt: skip
    page = response.content.decode()
    assert "Sacramento County in figures" in page
    assert "Reported to DOJ" in page
    assert "<svg" in page


def test_progress_counts_released_challenges_as_challenged(supervisor, ready):
    from clearrecord.exports.selectors import county_progress

    released = ready(1)[0]
    Decision.objects.create(
        conviction=released, action="release", from_state="challenged",
        to_state="ready_for_export", version=2, actor=supervisor,
    )  # fmt: skip
    ready(1)  # released without a recorded decision: relief as determined
    figures = county_progress(county="SACRAMENTO")
    assert (figures["challenged"], figures["not_challenged"]) == (1, 1)


def test_home_query_count_does_not_grow(client, clerk, ready, django_assert_num_queries):
    ready(20)
    client.force_login(clerk)
    client.get(reverse("home"))
    with django_assert_num_queries(REQUEST_QUERIES + 1):  # one query for every figure
        client.get(reverse("home"))


# The form's rows: kept on a refusal; found by a search (issue #6) -----------------------------
def _ids(batch) -> list[int]:
    """The batch's conviction ids in the order of the form's table (by name)."""
    items = batch.items.order_by("conviction__subject__name", "conviction_id")
    return list(items.values_list("conviction_id", flat=True))


def _row(page: str, pk: int) -> str:
    """The HTML of the table row of conviction `pk`."""
    return next(tr for tr in page.split("<tr>") if f'id="outcome-{pk}"' in tr)


def _shown(response) -> list[int]:
    return [item.conviction_id for item, *_ in response.context["rows"]]


def _search(client, batch, text: str):
    """Search as the page does: POST the text, follow the redirect to the tokenised URL."""
    response = client.post(reverse("exports:order_search", args=[batch.pk]), {"q": text})
    assert response.status_code == 302
    return client.get(response["Location"])


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"judge": ""}, "This field is required."),  # the form refuses
        ({"order_date": "2099-01-01"}, "cannot be dated in the future"),  # the service refuses
    ],
)
def test_a_refused_post_keeps_each_rows_outcome_and_note(client, clerk, batch, change, error):
    first, second, third = _ids(batch)
    client.force_login(clerk)
    data = {
        **FORM, **change, "scope": "selected", "convictions": [str(first)],
        f"outcome-{second}": "modified", f"note-{second}": "Reduced to an infraction.",
        f"outcome-{third}": "denied",
    }  # fmt: skip
    response = client.post(reverse("exports:order", args=[batch.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert error in page
    assert " checked" in _row(page, first)
    assert '<option value="modified" selected>' in _row(page, second)
    assert 'value="Reduced to an infraction."' in _row(page, second)
    assert '<option value="denied" selected>' in _row(page, third)
    assert " selected>" not in _row(page, first)  # left "as above"
    assert not OrderLine.objects.exists()


def test_a_refused_post_stays_on_the_page_it_came_from(client, clerk, supervisor, ready):
    ready(ORDER_PAGE_SIZE + 2)
    batch = services.batch_build(user=supervisor)
    client.force_login(clerk)
    url = reverse("exports:order", args=[batch.pk])
    form_page = client.get(url, {"page": 2})
    assert form_page.context["action"] == f"{url}?page=2"
    last = _ids(batch)[-1]
    data = {**FORM, "judge": "", f"outcome-{last}": "denied"}
    response = client.post(form_page.context["action"], data)
    assert response.status_code == 400
    assert response.context["page"].number == 2
    assert '<option value="denied" selected>' in _row(response.content.decode(), last)


def test_search_narrows_the_rows_whatever_the_case(client, clerk, batch):
    target = Conviction.objects.select_related("subject").get(pk=_ids(batch)[1])
    client.force_login(clerk)
    for text in (
        target.subject.name.split(",")[1].strip().lower(),  # part of the name
        target.subject.cii.lower(),
        target.court_case,
        target.case_numbers[0].lower(),
    ):
        response = _search(client, batch, text)
        assert _shown(response) == [target.pk], text
        page = response.content.decode()
        assert "1 of 3 waiting convictions match the search" in page
        assert "3 convictions waiting for the court" in page  # the lede counts the whole batch
        assert text not in response.request["QUERY_STRING"]
        assert text not in response.context["action"]


def test_search_reaches_only_this_batchs_convictions(client, clerk, batch):
    elsewhere = make_convictions(OTHER_COUNTY, 1, review_state="ready_for_export")[0]
    not_in_batch = make_convictions("SACRAMENTO", 1, review_state="ready_for_export")[0]
    client.force_login(clerk)
    for other in (elsewhere, not_in_batch):
        response = _search(client, batch, other.subject.cii)
        assert _shown(response) == []


def test_search_without_a_match_shows_an_empty_table_and_keeps_the_form(client, clerk, batch):
    client.force_login(clerk)
    response = _search(client, batch, "nobody of that name")
    assert response.status_code == 200
    page = response.content.decode()
    assert "0 of 3 waiting convictions match the search" in page
    assert "No conviction waiting for an order matches this search." in page
    assert "<table" not in page
    assert "Record the order" in page  # the order can still be recorded from here


def test_an_override_on_a_searched_row_is_recorded_with_scope_all(client, clerk, batch):
    ids = _ids(batch)
    target = Conviction.objects.select_related("subject").get(pk=ids[2])
    client.force_login(clerk)
    form_page = _search(client, batch, target.subject.cii)
    assert _shown(form_page) == [target.pk]
    data = {**FORM, "scope": "all", f"outcome-{target.pk}": "denied"}
    response = client.post(form_page.context["action"], data)
    assert response.status_code == 302
    assert dict(OrderLine.objects.values_list("conviction_id", "outcome")) == {
        ids[0]: "granted", ids[1]: "granted", ids[2]: "denied",
    }  # fmt: skip


def test_a_search_link_from_another_session_says_the_search_is_lost(client, clerk, batch):
    client.force_login(clerk)
    url = reverse("exports:order", args=[batch.pk])
    response = client.get(url, {"s": "not-a-token"})
    assert response.status_code == 200
    assert len(_shown(response)) == 3
    assert "Search again." in response.content.decode()
    assert response.context["action"] == url


def test_pages_of_a_search_keep_the_search(client, clerk, supervisor, ready):
    ready(ORDER_PAGE_SIZE + 1)  # every synthetic name starts with TESTPERSON
    batch = services.batch_build(user=supervisor)
    client.force_login(clerk)
    response = _search(client, batch, "testperson")
    token = response.context["request"].GET["s"]
    page = response.content.decode()
    assert f'href="?s={token}&amp;page=2"' in page
    second = client.get(reverse("exports:order", args=[batch.pk]), {"s": token, "page": 2})
    assert len(_shown(second)) == 1
    assert second.context["action"].endswith(f"?s={token}&page=2")


@pytest.mark.parametrize("role", [r.value for r in Role])
@pytest.mark.parametrize("county", ["SACRAMENTO", OTHER_COUNTY])
def test_order_search_by_role_and_county(client, make_user, batch, role, county):
    client.force_login(make_user(role, county=county))
    expected = 403 if role != Role.COURT_CLERK else (302 if county == "SACRAMENTO" else 404)
    url = reverse("exports:order_search", args=[batch.pk])
    assert client.post(url, {"q": "testperson"}).status_code == expected
    assert client.get(url).status_code in (403, 405)


def test_searched_order_form_queries_do_not_grow_with_convictions(
    client, clerk, supervisor, ready, django_assert_num_queries
):
    ready(30)
    batch = services.batch_build(user=supervisor)
    client.force_login(clerk)
    response = _search(client, batch, "testperson")
    url = response.request["PATH_INFO"] + "?" + response.request["QUERY_STRING"]
    with django_assert_num_queries(REQUEST_QUERIES + 4):  # batch, count, page, whole batch's count
        response = client.get(url)
    assert len(_shown(response)) == 30


def test_a_rows_own_modified_outcome_without_a_note_is_shown_on_that_row(client, clerk, batch):
    first, second, _third = _ids(batch)
    client.force_login(clerk)
    data = {**FORM, f"outcome-{second}": "modified", f"note-{second}": "  "}
    response = client.post(reverse("exports:order", args=[batch.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "A conviction&#x27;s own outcome needs a fix: see its row." in page
    row = _row(page, second)
    assert "Say briefly how the court modified the relief." in row
    assert f'aria-describedby="error-{second}"' in row
    assert "Say briefly" not in _row(page, first)
    assert response.context["form"]["note"].errors == []  # not the batch-wide note
    assert not OrderLine.objects.exists()


def test_a_search_keeps_what_the_clerk_typed_of_the_order(client, clerk, batch):
    client.force_login(clerk)
    typed = {"q": "testperson", "judge": "Hon. B. Synthetic", "order_number": "ORD-77",
             "order_date": "2026-09-02", "scope": "all", "outcome": "granted"}  # fmt: skip
    searched = client.post(reverse("exports:order_search", args=[batch.pk]), typed)
    page = client.get(searched["Location"]).content.decode()
    assert 'value="Hon. B. Synthetic"' in page
    assert 'value="ORD-77"' in page
    assert 'value="2026-09-02"' in page
    # the search button posts the order form itself to the search URL (no second form)
    assert page.count("<form") == page.count("</form>") == 2  # the order form and sign-out
    assert f'formaction="{reverse("exports:order_search", args=[batch.pk])}"' in page
    # recorded: the draft is gone
    response = client.post(reverse("exports:order", args=[batch.pk]), FORM)
    assert response.status_code == 302
    assert "order_draft_" not in "".join(client.session.keys())
