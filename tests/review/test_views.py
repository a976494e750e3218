"""Review pages: the queue (filters, counts, pagination, query count), the conviction page and
the action POSTs, including the 409 a person sees when someone else was faster."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from clearrecord.audit.models import AuditEvent
from clearrecord.cases.models import Conviction, Subject
from clearrecord.review import services
from clearrecord.review.models import Decision, Objection
from tests.conftest import HOME_COUNTY, OTHER_COUNTY, REQUEST_QUERIES

from .builders import make_convictions, make_raw_rows, make_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_prosecutor(client: Client, prosecutor) -> Client:
    client.force_login(prosecutor)
    return client


def queue(client: Client, **params: str):
    return client.get(reverse("review:queue"), params)


def ids_on(response) -> list[int]:
    return [c.pk for c in response.context["page"].object_list]


def test_queue_lists_only_the_home_county(as_prosecutor) -> None:
    mine = make_convictions(HOME_COUNTY, 3)
    make_convictions(OTHER_COUNTY, 2)
    response = queue(as_prosecutor)
    assert response.status_code == 200
    assert sorted(ids_on(response)) == sorted(c.pk for c in mine)
    assert response.context["total"] == 3


def test_queue_counts_per_state_ignore_the_state_filter(as_prosecutor) -> None:
    make_convictions(HOME_COUNTY, 3)
    make_convictions(HOME_COUNTY, 2, review_state="challenged")
    response = queue(as_prosecutor, state="challenged")
    assert len(ids_on(response)) == 2
    counts = {c["state"]: c["n"] for c in response.context["counts"]}
    assert counts["flagged"] == 3
    assert counts["challenged"] == 2
    assert counts["exported"] == 0


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"outcome": "not_eligible"}, "not_eligible"),
        ({"section": "11359"}, "felony"),
        ({"level": "felony"}, "felony"),
        ({"flag": "superstrike"}, "superstrike"),
        ({"flag": "currently_serving"}, "serving"),
    ],
)
def test_queue_filters(as_prosecutor, params: dict[str, str], expected: str) -> None:
    upload = make_upload(HOME_COUNTY)
    groups = {
        "plain": make_convictions(HOME_COUNTY, 2, upload=upload),
        "not_eligible": make_convictions(HOME_COUNTY, 1, upload=upload, outcome="not_eligible"),
        "felony": make_convictions(HOME_COUNTY, 1, upload=upload, section="11359", level="felony"),
        "serving": make_convictions(HOME_COUNTY, 1, upload=upload, flags=["currently_serving"]),
    }
    superstrike = make_convictions(HOME_COUNTY, 1, upload=upload)[0]
    d = superstrike.current_determination
    d.evidence = [*d.evidence, {"role": "superstrike", "file": 1, "line": 9}]
    d.save()
    groups["superstrike"] = [superstrike]
    response = queue(as_prosecutor, **params)
    assert ids_on(response) == [c.pk for c in groups[expected]]


def search(client: Client, text: str, **params: str):
    """Search as the page does: POST the text, follow the redirect to the tokenised URL."""
    response = client.post(reverse("review:search"), {"q": text, **params})
    assert response.status_code == 302
    return client.get(response["Location"])


def test_queue_search_by_name_cii_court_case_and_dob(as_prosecutor) -> None:
    target, _other = make_convictions(HOME_COUNTY, 2)
    subject = target.subject
    for q in (
        subject.name.split(",")[1].strip().lower(),
        subject.cii,
        target.court_case,
        target.case_numbers[0],
    ):
        assert ids_on(search(as_prosecutor, q)) == [target.pk], q
    subject.dob = subject.dob.replace(year=1950)
    subject.save()
    assert ids_on(search(as_prosecutor, subject.dob.isoformat())) == [target.pk]


def test_eight_digits_are_a_court_case_number_not_a_date(as_prosecutor) -> None:
    target, other = make_convictions(HOME_COUNTY, 2)
    Conviction.objects.filter(pk=target.pk).update(court_case="20100101")
    Subject.objects.filter(pk=other.subject_id).update(dob=dt.date(2010, 1, 1))
    assert ids_on(search(as_prosecutor, "20100101")) == [target.pk]
    assert ids_on(search(as_prosecutor, "2010-01-01")) == [other.pk]


def test_search_text_never_appears_in_a_url(as_prosecutor) -> None:
    target, _other = make_convictions(HOME_COUNTY, 2)
    cii = target.subject.cii
    response = as_prosecutor.post(reverse("review:search"), {"q": cii, "state": "flagged"})
    location = response["Location"]
    assert cii not in location
    assert "state=flagged" in location
    assert "s=" in location
    page = as_prosecutor.get(location)
    assert ids_on(page) == [target.pk]
    html = page.content.decode()
    assert f"q={cii}" not in html
    for link in re.findall(r'href="([^"]+)"', html):
        assert cii not in link
    # a search text put in the URL by hand is ignored, not honoured
    assert sorted(ids_on(queue(as_prosecutor, q=cii))) == sorted([target.pk, _other.pk])


def test_a_search_link_from_another_session_searches_nothing(as_prosecutor, prosecutor) -> None:
    make_convictions(HOME_COUNTY, 2)
    location = as_prosecutor.post(reverse("review:search"), {"q": "SYNTH"})["Location"]
    other = Client()
    other.force_login(prosecutor)
    page = other.get(location)
    assert "Search again" in page.content.decode()
    assert len(ids_on(page)) == 2


def test_queue_filters_on_open_objection_and_reviewer(as_prosecutor, prosecutor, defender) -> None:
    a, b, c = make_convictions(HOME_COUNTY, 3, review_state="challenged")
    services.objection_raise(actor=defender, conviction_id=a.pk, note="x")
    services.conviction_claim(actor=prosecutor, conviction_id=b.pk)
    assert ids_on(queue(as_prosecutor, objection="open")) == [a.pk]
    assert ids_on(queue(as_prosecutor, reviewer="me")) == [b.pk]
    assert ids_on(queue(as_prosecutor, reviewer=str(prosecutor.pk))) == [b.pk]
    assert sorted(ids_on(queue(as_prosecutor, reviewer="none"))) == sorted([a.pk, c.pk])


def test_queue_paginates_and_keeps_the_filter_in_page_links(as_prosecutor) -> None:
    make_convictions(HOME_COUNTY, 120, per_subject=3)
    response = queue(as_prosecutor, outcome="eligible_dismissal")
    page = response.context["page"]
    assert (page.paginator.count, len(page.object_list), page.paginator.num_pages) == (120, 50, 3)
    assert "?outcome=eligible_dismissal&amp;page=2" in response.content.decode()
    last = queue(as_prosecutor, outcome="eligible_dismissal", page="3")
    assert len(last.context["page"].object_list) == 20


def test_queue_groups_rows_by_person(as_prosecutor) -> None:
    make_convictions(HOME_COUNTY, 6, per_subject=3)
    rows = [(c.subject_id, c.court_case, c.pk) for c in queue(as_prosecutor).context["page"]]
    assert rows == sorted(rows)


def test_queue_empty_state(as_prosecutor) -> None:
    page = queue(as_prosecutor).content.decode()
    assert "There is nothing to review yet" in page
    page = search(as_prosecutor, "nobody").content.decode()
    assert "Nothing matches these filters" in page


def test_queue_invalid_filter_shows_nothing_not_everything(as_prosecutor) -> None:
    make_convictions(HOME_COUNTY, 2)
    response = queue(as_prosecutor, state="pardoned")
    assert response.status_code == 200
    assert ids_on(response) == []


@pytest.mark.parametrize("rows", [5, 60])
def test_queue_query_count_does_not_grow_with_rows(
    as_prosecutor, defender, prosecutor, django_assert_num_queries, rows: int
) -> None:
    convictions = make_convictions(HOME_COUNTY, rows, per_subject=2)
    # claims and objections are shown in the rows too
    services.conviction_claim(actor=prosecutor, conviction_id=convictions[0].pk)
    services.conviction_not_challenge(actor=prosecutor, conviction_id=convictions[1].pk)
    services.objection_raise(actor=defender, conviction_id=convictions[1].pk, note="x")
    # session, user, OTP device (REQUEST_QUERIES); reviewers, whether the county lets reviewers
    # bulk-decide, counts per state (which also give the total), the page's ids, the page's rows
    # (a deferred join: see selectors.rows_of_page)
    with django_assert_num_queries(REQUEST_QUERIES + 5):
        response = queue(as_prosecutor)
    assert response.status_code == 200


def test_conviction_page_shows_determination_and_audits_the_view(as_prosecutor, prosecutor) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    response = as_prosecutor.get(reverse("review:conviction", args=[conviction.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "H&amp;S 11361.8(e)" in page  # the citation of the explanation
    assert "Not challenged (relief as determined)" in page
    event = AuditEvent.objects.get(action="conviction.viewed")
    assert (event.actor, event.object_id, event.detail) == (prosecutor, str(conviction.pk), {})


def test_conviction_page_query_count_is_constant(
    as_prosecutor, prosecutor, defender, django_assert_num_queries
) -> None:
    conviction, *_ = make_convictions(HOME_COUNTY, 4, per_subject=4)
    services.conviction_challenge(
        actor=prosecutor, conviction_id=conviction.pk, ground="unreasonable_risk", note="x"
    )
    services.objection_raise(actor=defender, conviction_id=conviction.pk, note="y")
    services.comment_add(actor=defender, conviction_id=conviction.pk, body="z")
    services.comment_add(actor=defender, subject_id=conviction.subject_id, body="w")
    # session, user, conviction, audit insert, history, objections, comments x2, others
    with django_assert_num_queries(REQUEST_QUERIES + 7):
        as_prosecutor.get(reverse("review:conviction", args=[conviction.pk]))


def test_defender_sees_objection_form_not_decisions(client: Client, defender) -> None:
    conviction = make_convictions(HOME_COUNTY, 1, review_state="challenged")[0]
    client.force_login(defender)
    page = client.get(reverse("review:conviction", args=[conviction.pk])).content.decode()
    assert "Raise objection" in page
    assert "Not challenged (relief as determined)" not in page
    assert ">Challenge<" not in page


def test_not_challenge_post_redirects_and_moves(as_prosecutor) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    url = reverse("review:not_challenge", args=[conviction.pk])
    response = as_prosecutor.post(url, {"version": 1})
    assert response.status_code == 302
    assert response["Location"] == reverse("review:conviction", args=[conviction.pk])
    assert Conviction.objects.get().review_state == "not_challenged"


def test_next_keeps_the_person_in_the_filtered_queue(as_prosecutor) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    back = reverse("review:queue") + "?outcome=eligible_dismissal"
    response = as_prosecutor.post(
        reverse("review:not_challenge", args=[conviction.pk]), {"version": 1, "next": back}
    )
    assert response["Location"] == back
    evil = as_prosecutor.post(
        reverse("review:undo", args=[conviction.pk]),
        {"version": 2, "next": "https://evil.example/"},
    )
    assert evil["Location"] == reverse("review:conviction", args=[conviction.pk])


def test_a_stale_version_is_a_409_that_shows_the_new_state(as_prosecutor, supervisor) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    services.conviction_challenge(
        actor=supervisor, conviction_id=conviction.pk, ground="unreasonable_risk", note="x"
    )
    response = as_prosecutor.post(
        reverse("review:not_challenge", args=[conviction.pk]), {"version": 1}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "changed while you were looking at it" in page
    assert "“Challenged”" in page
    assert Conviction.objects.get().review_state == "challenged"


def test_challenge_without_note_is_400_with_the_form_kept(as_prosecutor) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    response = as_prosecutor.post(
        reverse("review:challenge", args=[conviction.pk]),
        {"version": 1, "ground": "unreasonable_risk", "note": ""},
    )
    assert response.status_code == 400
    assert response.context["challenge_form"].errors["note"]
    assert not Decision.objects.exists()


def test_challenge_post(as_prosecutor) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    response = as_prosecutor.post(
        reverse("review:challenge", args=[conviction.pk]),
        {"version": 1, "ground": "does_not_meet_criteria", "note": "Out of county."},
    )
    assert response.status_code == 302
    assert Decision.objects.get().ground == "does_not_meet_criteria"


def test_transition_not_allowed_is_409(as_prosecutor) -> None:
    conviction = make_convictions(HOME_COUNTY, 1, review_state="exported")[0]
    response = as_prosecutor.post(reverse("review:undo", args=[conviction.pk]), {"version": 1})
    assert response.status_code == 409
    assert "Not done" in response.content.decode()


def test_objection_and_response_through_the_pages(client: Client, prosecutor, defender) -> None:
    conviction = make_convictions(HOME_COUNTY, 1, review_state="challenged")[0]
    client.force_login(defender)
    response = client.post(
        reverse("review:object", args=[conviction.pk]), {"version": 1, "note": "Qualifies."}
    )
    assert response.status_code == 302
    client.force_login(prosecutor)
    page = client.get(reverse("review:conviction", args=[conviction.pk])).content.decode()
    assert "Respond to the objection" in page
    response = client.post(
        reverse("review:respond", args=[conviction.pk]),
        {"version": 2, "response": "withdraw", "note": ""},
    )
    assert response.status_code == 302
    assert Conviction.objects.get().review_state == "not_challenged"
    assert Objection.objects.get().status == "withdrawn"


def test_comments_on_conviction_and_person(client: Client, defender) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    client.force_login(defender)
    client.post(reverse("review:comment", args=[conviction.pk]), {"body": "On the count."})
    client.post(reverse("review:person_comment", args=[conviction.pk]), {"body": "On him."})
    page = client.get(reverse("review:conviction", args=[conviction.pk])).content.decode()
    assert "On the count." in page
    assert "On him." in page


def test_bulk_confirm_then_apply_to_the_filter(client: Client, supervisor) -> None:
    make_convictions(HOME_COUNTY, 4)
    make_convictions(HOME_COUNTY, 2, outcome="not_eligible")
    make_convictions(HOME_COUNTY, 1, review_state="challenged")
    client.force_login(supervisor)
    confirm = client.get(
        reverse("review:bulk"), {"action": "not_challenge", "outcome": "eligible_dismissal"}
    )
    assert confirm.status_code == 200
    assert confirm.context["changing"] == 4
    assert confirm.context["by_outcome"] == [("Eligible for dismissal", 4)]
    assert Conviction.objects.filter(review_state="not_challenged").count() == 0  # GET: no change
    done = client.post(
        reverse("review:bulk"), {"action": "not_challenge", "outcome": "eligible_dismissal"}
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("review:queue") + "?outcome=eligible_dismissal"
    assert Conviction.objects.filter(review_state="not_challenged").count() == 4
    assert Conviction.objects.filter(review_state="flagged").count() == 2


def test_bulk_on_a_selection_only(client: Client, supervisor) -> None:
    a, _b, c = make_convictions(HOME_COUNTY, 3)
    client.force_login(supervisor)
    client.post(reverse("review:bulk"), {"action": "not_challenge", "ids": [a.pk, c.pk]})
    assert set(Conviction.objects.filter(review_state="not_challenged")) == {a, c}


def test_bulk_cannot_reach_another_county(client: Client, supervisor) -> None:
    foreign = make_convictions(OTHER_COUNTY, 1)[0]
    client.force_login(supervisor)
    client.post(reverse("review:bulk"), {"action": "not_challenge", "ids": [foreign.pk]})
    assert Conviction.objects.get().review_state == "flagged"


@pytest.mark.parametrize(
    "name", ["not_challenge", "challenge", "undo", "claim", "respond", "comment"]
)
def test_other_county_posts_are_404(client: Client, outsider, name: str) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    client.force_login(outsider)
    response = client.post(
        reverse(f"review:{name}", args=[conviction.pk]),
        {
            "version": 1,
            "ground": "unreasonable_risk",
            "note": "x",
            "body": "x",
            "response": "withdraw",
        },
    )
    assert response.status_code == 404
    assert Conviction.objects.get().version == 1


def test_defender_finds_own_open_objections(client: Client, defender, make_user) -> None:
    mine, theirs, answered = make_convictions(HOME_COUNTY, 3, review_state="challenged")
    colleague = make_user("public_defender")
    services.objection_raise(actor=defender, conviction_id=mine.pk, note="x")
    services.objection_raise(actor=colleague, conviction_id=theirs.pk, note="x")
    services.objection_raise(actor=defender, conviction_id=answered.pk, note="x")
    client.force_login(defender)
    assert ids_on(queue(client, objection="mine")) == [mine.pk, answered.pk]
    services.objection_respond(
        actor=make_user("da_reviewer"), conviction_id=answered.pk, withdraw=False, note="kept"
    )
    assert ids_on(queue(client, objection="mine")) == [mine.pk]


def test_person_page_shows_the_whole_record_with_evidence_marked(
    as_prosecutor, prosecutor, django_assert_num_queries
) -> None:
    conviction = make_convictions(HOME_COUNTY, 2, per_subject=2)[0]
    make_raw_rows(
        conviction,
        [
            {"CYC_ORDER": "1", "CYC_DATE": "20100501", "STP_TYPE_DESCR": "COURT",
             "OFFENSE_DESCR": "POSSESS MARIJUANA", "DISP_DESCR": "CONVICTED"},
            {"CYC_ORDER": "2", "CYC_DATE": "20150101", "STP_TYPE_DESCR": "ARREST",
             "OFFENSE_DESCR": "OTHER OFFENCE", "FBI_NUMBER": "FBI-SECRET-1"},
        ],
    )  # fmt: skip
    url = reverse("review:person", args=[conviction.subject_id])
    # REQUEST_QUERIES, then subject, convictions, raw rows, audit insert, comments
    with django_assert_num_queries(REQUEST_QUERIES + 5):
        response = as_prosecutor.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "POSSESS MARIJUANA" in page
    assert "OTHER OFFENCE" in page
    assert "FBI-SECRET-1" not in page  # identifiers stay masked
    timeline = response.context["timeline"]
    assert [r["evidence"] for r in timeline] == ["conviction", ""]
    assert [r["new_cycle"] for r in timeline] == [True, True]
    assert len(response.context["convictions"]) == 2
    event = AuditEvent.objects.get(action="subject.viewed")
    assert (event.actor, event.object_id) == (prosecutor, str(conviction.subject_id))


def test_person_of_another_county_is_404(client: Client, outsider) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    client.force_login(outsider)
    assert client.get(reverse("review:person", args=[conviction.subject_id])).status_code == 404


def test_supervisor_assigns_from_the_conviction_page(
    client: Client, supervisor, prosecutor
) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    client.force_login(supervisor)
    page = client.get(reverse("review:conviction", args=[conviction.pk])).content.decode()
    assert "Assign to" in page
    response = client.post(
        reverse("review:assign", args=[conviction.pk]), {"version": 1, "reviewer": prosecutor.pk}
    )
    assert response.status_code == 302
    page = client.get(reverse("review:conviction", args=[conviction.pk])).content.decode()
    assert f"Reviewer: {prosecutor.get_full_name()}" in page


def test_reviewer_page_has_no_assign_form(as_prosecutor) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    page = as_prosecutor.get(reverse("review:conviction", args=[conviction.pk])).content.decode()
    assert "Assign to" not in page


def test_quick_decision_in_the_queue_returns_the_row_for_htmx(as_prosecutor) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    page = queue(as_prosecutor).content.decode()
    assert "Quick decision" in page
    url = reverse("review:not_challenge", args=[conviction.pk])
    response = as_prosecutor.post(
        url, {"version": 1, "next": "/review/?state=flagged"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    row = response.content.decode()
    assert row.strip().startswith("<tr>")
    assert "Not challenged" in row
    assert "Marked not challenged" in row
    stale = as_prosecutor.post(url, {"version": 1}, HTTP_HX_REQUEST="true")
    assert stale.status_code == 409
    assert "Changed by someone else: now “Not challenged”" in stale.content.decode()


def test_defender_queue_has_no_quick_decision(client: Client, defender) -> None:
    make_convictions(HOME_COUNTY, 1)
    client.force_login(defender)
    assert "Quick decision" not in queue(client).content.decode()


def test_conviction_page_links_to_neighbours_in_the_filtered_queue(as_prosecutor) -> None:
    upload = make_upload(HOME_COUNTY)
    a, b, c = make_convictions(HOME_COUNTY, 3, upload=upload, per_subject=3)
    make_convictions(HOME_COUNTY, 2, upload=upload, outcome="not_eligible")
    back = reverse("review:queue") + "?outcome=eligible_dismissal"
    order = ids_on(queue(as_prosecutor, outcome="eligible_dismissal"))
    assert sorted(order) == sorted([a.pk, b.pk, c.pk])

    def neighbours(pk: int) -> tuple[str | None, str | None]:
        context = as_prosecutor.get(reverse("review:conviction", args=[pk]), {"next": back}).context
        return context.get("previous_url"), context.get("next_url")

    first_prev, first_next = neighbours(order[0])
    assert first_prev is None
    assert first_next.startswith(reverse("review:conviction", args=[order[1]]))
    assert "next=%2Freview%2F%3Foutcome%3Deligible_dismissal" in first_next
    middle_prev, middle_next = neighbours(order[1])
    assert middle_prev.startswith(reverse("review:conviction", args=[order[0]]))
    assert middle_next.startswith(reverse("review:conviction", args=[order[2]]))
    assert neighbours(order[2])[1] is None  # the not-eligible ones are outside the filter


def test_assign_from_a_stale_page_is_409(client: Client, supervisor, prosecutor) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    services.conviction_not_challenge(actor=prosecutor, conviction_id=conviction.pk)
    client.force_login(supervisor)
    response = client.post(
        reverse("review:assign", args=[conviction.pk]), {"version": 1, "reviewer": prosecutor.pk}
    )
    assert response.status_code == 409
    assert "changed while you were looking at it" in response.content.decode()
    assert not Conviction.objects.filter(assignment__isnull=False).exists()


def counts_in(html: str) -> dict[str, int]:
    return {s: int(n) for s, n in re.findall(r'data-state="(\w+)">(\d+)<', html)}


def test_a_quick_decision_brings_the_updated_counts_along(as_prosecutor, supervisor) -> None:
    upload = make_upload(HOME_COUNTY)
    first, second, _third = make_convictions(HOME_COUNTY, 3, upload=upload)
    make_convictions(HOME_COUNTY, 2, upload=upload, outcome="not_eligible")  # outside the filter
    back = reverse("review:queue") + "?outcome=eligible_dismissal&state=flagged"
    before = counts_in(queue(as_prosecutor, outcome="eligible_dismissal").content.decode())
    assert (before["all"], before["flagged"], before["not_challenged"]) == (3, 3, 0)
    response = as_prosecutor.post(
        reverse("review:not_challenge", args=[first.pk]),
        {"version": 1, "next": back},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert html.strip().startswith("<tr>")  # the row first: htmx swaps it into the table
    nav = html[html.index("<nav") :]
    assert 'id="state-counts" hx-swap-oob="true"' in nav
    counts = counts_in(nav)
    assert (counts["all"], counts["flagged"], counts["not_challenged"]) == (3, 2, 1)
    assert 'href="?outcome=eligible_dismissal&amp;state=challenged"' in nav  # filter kept
    assert 'aria-current="true">Flagged' in nav
    # too late: the row says so, and the counts show the colleague's decision as well
    services.conviction_not_challenge(actor=supervisor, conviction_id=second.pk)
    stale = as_prosecutor.post(
        reverse("review:not_challenge", args=[second.pk]),
        {"version": 1, "next": back},
        HTTP_HX_REQUEST="true",
    )
    assert stale.status_code == 409
    assert counts_in(stale.content.decode())["not_challenged"] == 2


def test_a_quick_decision_from_elsewhere_has_no_counts(as_prosecutor) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    response = as_prosecutor.post(
        reverse("review:not_challenge", args=[conviction.pk]),
        {"version": 1, "next": reverse("review:person", args=[conviction.subject_id])},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "state-counts" not in response.content.decode()


def test_a_quick_decision_costs_the_same_whatever_the_queue_size(
    as_prosecutor, django_assert_num_queries
) -> None:
    first, *_ = make_convictions(HOME_COUNTY, 30, per_subject=3)
    # REQUEST_QUERIES; the service: role-scoped fetch, objection check, conditional UPDATE,
    # history row, audit event (and the savepoint pair of its transaction); then the row again,
    # whether the county lets reviewers bulk-decide, and the counts of the queue's filter
    with django_assert_num_queries(REQUEST_QUERIES + 10):
        response = as_prosecutor.post(
            reverse("review:not_challenge", args=[first.pk]),
            {"version": 1, "next": "/review/?outcome=eligible_dismissal"},
            HTTP_HX_REQUEST="true",
        )
    assert counts_in(response.content.decode())["not_challenged"] == 1


def _varied_queue() -> None:
    """Convictions whose sort keys tie and are missing, so every sort order is exercised."""
    upload = make_upload(HOME_COUNTY)
    convictions = make_convictions(HOME_COUNTY, 9, upload=upload, per_subject=2)
    make_convictions(HOME_COUNTY, 2, upload=upload, outcome="not_eligible")  # filtered out
    dates = [None, "2012-01-01", "2010-05-01", None, "2010-05-01", "2015-03-03", "2012-01-01"]
    names = ["ZED, A", "ABEL, B", "ZED, A", "MOSS, C", "ABEL, B"]
    sections = ["11359", "11357", "11360", "11357"]
    states = ["flagged", "challenged", "not_challenged"]
    for i, c in enumerate(convictions):
        Conviction.objects.filter(pk=c.pk).update(
            date=dates[i % len(dates)],
            section=sections[i % len(sections)],
            review_state=states[i % len(states)],
        )
    for i, subject_id in enumerate(sorted({c.subject_id for c in convictions})):
        Subject.objects.filter(pk=subject_id).update(name=names[i % len(names)])


@pytest.mark.parametrize("sort", ["date", "-date", "person", "-person", "section", "state"])
def test_next_and_previous_follow_the_queues_sort(as_prosecutor, sort: str) -> None:
    _varied_queue()
    back = reverse("review:queue") + f"?outcome=eligible_dismissal&sort={sort}"
    order = ids_on(queue(as_prosecutor, outcome="eligible_dismissal", sort=sort))
    assert len(order) == 9

    def walk(start: int, link: str) -> list[int]:
        seen, pk = [start], start
        while True:
            context = as_prosecutor.get(
                reverse("review:conviction", args=[pk]), {"next": back}
            ).context
            url = context.get(link)
            if url is None:
                return seen
            assert url.endswith("?" + urlencode({"next": back}))  # the sort travels on
            pk = int(url.split("/")[-2])
            seen.append(pk)
            assert len(seen) <= len(order)

    assert walk(order[0], "next_url") == order
    assert walk(order[-1], "previous_url") == order[::-1]


def test_neighbours_cost_two_short_queries(
    as_prosecutor, prosecutor, defender, django_assert_num_queries
) -> None:
    _varied_queue()
    conviction = Conviction.objects.filter(current_determination__outcome="eligible_dismissal")[4]
    back = reverse("review:queue") + "?outcome=eligible_dismissal&sort=-date"
    url = reverse("review:conviction", args=[conviction.pk])
    # as the page without a queue to come back to (REQUEST_QUERIES + 7), then one LIMIT 1
    # query each way
    with django_assert_num_queries(REQUEST_QUERIES + 7 + 2) as captured:
        response = as_prosecutor.get(url, {"next": back})
    assert response.context["next_url"]
    assert response.context["previous_url"]
    neighbour_queries = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('SELECT "cases_conviction"."id" AS "pk"')
    ]
    assert len(neighbour_queries) == 2
    assert all(q.endswith("LIMIT 1") for q in neighbour_queries)  # never the whole queue


def test_conviction_page_title_is_plain_text(as_prosecutor) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    html = as_prosecutor.get(reverse("review:conviction", args=[conviction.pk])).content.decode()
    assert f"<title>Conviction {conviction.pk} · ClearRecord</title>" in html
    assert html.count("js/review-keys.js") == 1


def test_the_persons_other_convictions_keep_the_way_back(as_prosecutor) -> None:
    first, second = make_convictions(HOME_COUNTY, 2, per_subject=2)
    back = reverse("review:queue") + "?outcome=eligible_dismissal&sort=-date"
    html = as_prosecutor.get(
        reverse("review:conviction", args=[first.pk]), {"next": back}
    ).content.decode()
    link = reverse("review:conviction", args=[second.pk]) + "?" + urlencode({"next": back})
    assert f'href="{link}"' in html.replace("&amp;", "&")
    plain = as_prosecutor.get(
        reverse("review:conviction", args=[first.pk]), {"next": "https://evil.example/"}
    ).content.decode()
    assert f'href="{reverse("review:conviction", args=[second.pk])}"' in plain


@pytest.mark.parametrize("sort", ["person", "-person"])
def test_person_sort_neighbours_walk_people_not_the_queue(
    as_prosecutor, sort: str, django_assert_max_num_queries
) -> None:
    """By person, a neighbour is this person's next row, else the nearest person's: LIMIT 1s."""
    _varied_queue()
    order = ids_on(queue(as_prosecutor, outcome="eligible_dismissal", sort=sort))
    back = reverse("review:queue") + f"?outcome=eligible_dismissal&sort={sort}"
    url = reverse("review:conviction", args=[order[4]])
    with django_assert_max_num_queries(REQUEST_QUERIES + 7 + 6) as captured:
        response = as_prosecutor.get(url, {"next": back})
    assert response.context["next_url"].startswith(reverse("review:conviction", args=[order[5]]))
    assert response.context["previous_url"].startswith(
        reverse("review:conviction", args=[order[3]])
    )
    walks = [q["sql"] for q in captured.captured_queries if '"pk"' in q["sql"].split("FROM")[0]]
    assert walks
    assert all(q.endswith("LIMIT 1") for q in walks)
    # no walk over the queue's convictions in the joined name's order (no index can serve it)
    by_name = [q for q in walks if '"cases_subject"."name"' in q.rpartition("ORDER BY")[2]]
    assert all(q.split(" FROM ")[1].startswith('"cases_subject"') for q in by_name)
