"""The review API: the same filters and services as the pages; 409 for a stale transition."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from clearrecord.audit.models import AuditEvent
from clearrecord.cases.models import Conviction
from clearrecord.review import services
from clearrecord.review.models import Assignment, Objection
from tests.conftest import HOME_COUNTY, OTHER_COUNTY, REQUEST_QUERIES

from .builders import make_convictions

pytestmark = pytest.mark.django_db


def api(name: str, conviction: Conviction | None = None) -> str:
    return reverse(f"review_api:{name}", args=[conviction.pk] if conviction else [])


@pytest.fixture
def da(client: Client, prosecutor) -> Client:
    client.force_login(prosecutor)
    return client


def test_list_is_the_county_queue_with_the_same_filters(da) -> None:
    make_convictions(HOME_COUNTY, 3)
    felony = make_convictions(HOME_COUNTY, 1, section="11359", level="felony")[0]
    make_convictions(OTHER_COUNTY, 2)
    body = da.get(api("conviction_list")).json()
    assert body["count"] == 4
    body = da.get(api("conviction_list"), {"level": "felony"}).json()
    assert [row["id"] for row in body["results"]] == [felony.pk]
    row = body["results"][0]
    assert row["review_state"] == "flagged"
    assert row["version"] == 1
    assert row["determination"]["outcome"] == "eligible_dismissal"
    assert row["has_open_objection"] is False


@pytest.mark.parametrize("rows", [3, 40])
def test_list_query_count_is_constant(da, django_assert_num_queries, rows: int) -> None:
    make_convictions(HOME_COUNTY, rows)
    # session, user, reviewers (filter choices), count, page
    with django_assert_num_queries(REQUEST_QUERIES + 3):
        assert da.get(api("conviction_list")).status_code == 200


def test_detail_is_audited_and_lists_allowed_actions(da, prosecutor) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    body = da.get(api("conviction", conviction)).json()
    assert body["determination"]["explanation"].startswith("A misdemeanour")
    assert set(body["allowed_actions"]) == {
        "not_challenge",
        "challenge",
        "modify",
        "claim",
        "comment",
    }
    event = AuditEvent.objects.get(action="conviction.viewed")
    assert (event.actor, event.detail) == (prosecutor, {"api": True})


def test_actions_return_the_move(da) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    response = da.post(
        api("challenge", conviction),
        {"version": 1, "ground": "unreasonable_risk", "note": "Synthetic."},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == {
        "conviction_id": conviction.pk,
        "from_state": "flagged",
        "to_state": "challenged",
        "version": 2,
    }


def test_stale_version_is_409_with_the_current_state(da, supervisor) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    services.conviction_not_challenge(actor=supervisor, conviction_id=conviction.pk)
    response = da.post(
        api("challenge", conviction),
        {"version": 1, "ground": "unreasonable_risk", "note": "x"},
        content_type="application/json",
    )
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "StaleState"
    assert (body["current_state"], body["current_version"]) == ("not_challenged", 2)


def test_transition_not_allowed_is_409(da) -> None:
    conviction = make_convictions(HOME_COUNTY, 1, review_state="exported")[0]
    response = da.post(api("undo", conviction), {"version": 1}, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["error"] == "TransitionNotAllowed"


def test_missing_note_is_400(da) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    response = da.post(
        api("challenge", conviction),
        {"version": 1, "ground": "unreasonable_risk", "note": "   "},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert Conviction.objects.get().version == 1


def test_defender_objects_and_da_maintains(client: Client, prosecutor, defender) -> None:
    conviction = make_convictions(HOME_COUNTY, 1, review_state="challenged")[0]
    client.force_login(defender)
    assert (
        client.post(
            api("challenge", conviction),
            {"version": 1, "ground": "unreasonable_risk", "note": "x"},
            content_type="application/json",
        ).status_code
        == 403
    )
    response = client.post(
        api("object", conviction), {"version": 1, "note": "Qualifies."}, "application/json"
    )
    assert response.json()["version"] == 2
    client.force_login(prosecutor)
    response = client.post(
        api("respond", conviction),
        {"version": 2, "response": "maintain", "note": "Risk stands."},
        "application/json",
    )
    assert response.status_code == 200
    assert Objection.objects.get().status == "maintained"


def test_comment_on_the_person(client: Client, defender) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    client.force_login(defender)
    response = client.post(
        api("comment", conviction), {"body": "Works nights.", "on": "person"}, "application/json"
    )
    assert response.status_code == 201
    assert response.json()["subject_id"] == conviction.subject_id


def test_claim(da, prosecutor) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    assert da.post(api("claim", conviction)).json() == {"reviewer_id": prosecutor.pk}


def test_bulk_on_the_filter(client: Client, supervisor) -> None:
    make_convictions(HOME_COUNTY, 3)
    make_convictions(HOME_COUNTY, 2, outcome="needs_review")
    client.force_login(supervisor)
    response = client.post(
        api("bulk") + "?outcome=eligible_dismissal",
        {"action": "not_challenge"},
        "application/json",
    )
    assert response.json() == {"action": "not_challenge", "changed": 3, "skipped": 0}
    assert Conviction.objects.filter(review_state="flagged").count() == 2


@pytest.mark.parametrize("name", ["conviction", "not_challenge", "claim", "comment"])
def test_another_county_is_404(client: Client, outsider, name: str) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    client.force_login(outsider)
    if name == "conviction":
        response = client.get(api(name, conviction))
    else:
        response = client.post(
            api(name, conviction), {"version": 1, "body": "x"}, "application/json"
        )
    assert response.status_code == 404
    assert Conviction.objects.get().version == 1


def test_anonymous_is_401_with_a_bearer_challenge_not_a_redirect(client: Client) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    response = client.get(api("conviction_list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert client.post(api("not_challenge", conviction), {"version": 1}).status_code == 401


def test_openapi_schema_describes_every_action(da) -> None:
    response = da.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json() if "json" in response["Content-Type"] else None
    text = response.content.decode()
    for path in (
        "not-challenge",
        "challenge",
        "modify",
        "undo",
        "release",
        "object",
        "respond",
        "assign",
    ):
        assert f"/api/v1/convictions/{{conviction_id}}/{path}/" in text
    if schema:
        assert (
            "409"
            in schema["paths"]["/api/v1/convictions/{conviction_id}/challenge/"]["post"][
                "responses"
            ]
        )


def test_review_endpoints_generate_the_schema_without_warnings(capsys) -> None:
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    review_paths = [p for p in schema["paths"] if p.startswith("/api/v1/convictions/")]
    assert len(review_paths) == 14
    noise = capsys.readouterr().err
    assert "review/api.py" not in noise


def test_search_is_posted_never_read_from_the_query_string(da) -> None:
    target, _other = make_convictions(HOME_COUNTY, 2)
    cii = target.subject.cii
    ignored = da.get(api("conviction_list"), {"q": cii}).json()
    assert ignored["count"] == 2
    found = da.post(api("search") + "?state=flagged", {"q": cii}, "application/json").json()
    assert [row["id"] for row in found["results"]] == [target.pk]


def assign(client: Client, conviction: Conviction, **body: object):
    return client.post(api("assign", conviction), body, "application/json")


def test_supervisor_assigns_through_the_api(client: Client, supervisor, prosecutor) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    services.conviction_claim(actor=supervisor, conviction_id=conviction.pk)
    client.force_login(supervisor)
    response = assign(client, conviction, version=1, reviewer_id=prosecutor.pk)
    assert response.status_code == 200
    assert response.json() == {"conviction_id": conviction.pk, "reviewer_id": prosecutor.pk}
    assert Assignment.objects.get().reviewer == prosecutor  # the claim is replaced
    event = AuditEvent.objects.get(action="conviction.assigned")
    assert (event.actor, event.object_id, event.detail) == (
        supervisor,
        str(conviction.pk),
        {"reviewer_id": prosecutor.pk},
    )
    assert Conviction.objects.get().version == 1  # an assignment moves no state


def test_assign_on_a_stale_version_is_409(client: Client, supervisor, prosecutor) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    services.conviction_not_challenge(actor=prosecutor, conviction_id=conviction.pk)
    client.force_login(supervisor)
    response = assign(client, conviction, version=1, reviewer_id=prosecutor.pk)
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "StaleState"
    assert (body["current_state"], body["current_version"]) == ("not_challenged", 2)
    assert not AuditEvent.objects.filter(action="conviction.assigned", outcome="success").exists()


def test_assign_only_to_a_da_of_the_same_county(client: Client, supervisor, make_user) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    client.force_login(supervisor)
    for reviewer in (
        make_user("da_reviewer", county=OTHER_COUNTY),
        make_user("public_defender"),
    ):
        response = assign(client, conviction, version=1, reviewer_id=reviewer.pk)
        assert response.status_code == 400
        assert response.json()["field"] == "reviewer"
    assert assign(client, conviction, version=1).status_code == 400  # no reviewer at all


def test_a_reviewer_may_not_assign(da, prosecutor) -> None:
    conviction = make_convictions(HOME_COUNTY, 1)[0]
    response = assign(da, conviction, version=1, reviewer_id=prosecutor.pk)
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="conviction.assigned").exists()
