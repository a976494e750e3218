"""Role-based access on every view: each role, anonymous, and a user of another county.

`EXPECTED` must name every URL pattern of the project; a new view without an entry fails
`test_every_url_pattern_has_an_access_rule`, so access is decided deliberately, never by default.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from clearrecord.accounts.models import Role
from clearrecord.cases.models import Conviction
from clearrecord.system import services as health_services
from clearrecord.system.services import Check
from tests.conftest import HOME_COUNTY, OTHER_COUNTY

ALL_ROLES = [r.value for r in Role]
ANON = "anonymous"

#: url name -> {role or ANON: expected status}; admin URLs are covered by the admin-site test.
EXPECTED: dict[str, dict[str, int]] = {
    "home": {ANON: 302, **{r: 200 for r in ALL_ROLES}},
    "accounts:login": {ANON: 200, **{r: 302 for r in ALL_ROLES}},  # signed in: back home
    "system:health": {
        ANON: 302,
        Role.DA_REVIEWER: 403, Role.DA_SUPERVISOR: 200, Role.PUBLIC_DEFENDER: 403,
        Role.COURT_CLERK: 403, Role.ADMIN: 200,
    },
    # Signed-in users arrive here verified (force_login): the code steps send them on.
    "accounts:otp": {ANON: 302, **{r: 302 for r in ALL_ROLES}},
    "accounts:otp_enrol": {ANON: 302, **{r: 302 for r in ALL_ROLES}},
    "accounts:recovery_codes": {ANON: 302, **{r: 200 for r in ALL_ROLES}},
    "audit:events": {
        ANON: 302,
        Role.DA_REVIEWER: 403, Role.DA_SUPERVISOR: 200, Role.PUBLIC_DEFENDER: 403,
        Role.COURT_CLERK: 403, Role.ADMIN: 200,
    },
    "audit:export": {
        ANON: 302,
        Role.DA_REVIEWER: 403, Role.DA_SUPERVISOR: 200, Role.PUBLIC_DEFENDER: 403,
        Role.COURT_CLERK: 403, Role.ADMIN: 200,
    },
    "accounts:api_tokens": {ANON: 302, **{r: 200 for r in ALL_ROLES}},
    "api:me": {ANON: 401, **{r: 200 for r in ALL_ROLES}},
    "accounts:lockouts": {
        ANON: 302,
        Role.DA_REVIEWER: 403, Role.DA_SUPERVISOR: 200, Role.PUBLIC_DEFENDER: 403,
        Role.COURT_CLERK: 403, Role.ADMIN: 200,
    },
    "intake:list": {ANON: 302, **{r: 403 for r in ALL_ROLES}, Role.DA_REVIEWER: 200, Role.DA_SUPERVISOR: 200},
    "intake:new": {ANON: 302, **{r: 403 for r in ALL_ROLES}, Role.DA_REVIEWER: 200, Role.DA_SUPERVISOR: 200},
    "intake_api:uploads": {ANON: 401, **{r: 403 for r in ALL_ROLES}, Role.DA_REVIEWER: 200, Role.DA_SUPERVISOR: 200},
}  # fmt: skip
DA = (Role.DA_REVIEWER, Role.DA_SUPERVISOR)
CASE_ROLES = (*DA, Role.PUBLIC_DEFENDER)


def _rule(allowed: tuple[str, ...], ok: int) -> dict[str, int]:
    return {ANON: 302, **{r: ok if r in allowed else 403 for r in ALL_ROLES}}


# Review (issue #5). Action URLs are POSTed with an empty form: 400 (incomplete) for a role that
# may act, 403 for one that may not. For the conviction URLs, a user of another county gets 404.
EXPECTED |= {
    "review:queue": _rule(CASE_ROLES, 200),
    "review:bulk": _rule((Role.DA_SUPERVISOR,), 400),  # GET without an action
    "review:search": _rule(CASE_ROLES, 302),  # POST: back to the queue
    "review:settings": _rule((Role.DA_SUPERVISOR,), 200),  # who may bulk-decide (county)
    "review:conviction": _rule(CASE_ROLES, 200),
    "review:person": _rule(CASE_ROLES, 200),
    "review:not_challenge": _rule(DA, 400),
    "review:challenge": _rule(DA, 400),
    "review:modify": _rule(DA, 400),
    "review:undo": _rule(DA, 400),
    "review:release": _rule((Role.DA_SUPERVISOR,), 400),
    "review:claim": _rule(DA, 400),
    "review:assign": _rule((Role.DA_SUPERVISOR,), 400),
    "review:object": _rule((Role.PUBLIC_DEFENDER,), 400),
    "review:respond": _rule(DA, 400),
    "review:comment": _rule(CASE_ROLES, 400),
    "review:person_comment": _rule(CASE_ROLES, 400),
}
# The API answers anonymous requests with 401 and a Bearer challenge (no redirect to sign-in).
EXPECTED |= {
    f"review_api:{name}": {**rule, ANON: 401}
    for name, rule in {
        "conviction_list": _rule(CASE_ROLES, 200),
        "search": _rule(CASE_ROLES, 400),  # POST without a search text
        "bulk": _rule((Role.DA_SUPERVISOR,), 400),  # POST without an action
        "conviction": _rule(CASE_ROLES, 200),
        "not_challenge": _rule(DA, 400),
        "challenge": _rule(DA, 400),
        "modify": _rule(DA, 400),
        "undo": _rule(DA, 400),
        "release": _rule((Role.DA_SUPERVISOR,), 400),
        "claim": _rule(DA, 200),  # nothing to fill in: the claim is taken
        "assign": _rule((Role.DA_SUPERVISOR,), 400),  # POST without a reviewer
        "object": _rule((Role.PUBLIC_DEFENDER,), 400),
        "respond": _rule(DA, 400),
        "comment": _rule(CASE_ROLES, 400),
    }.items()
}
# Impact (issue #8): aggregates for the DA roles and the county's public defender.
EXPECTED |= {
    "reports:index": _rule(CASE_ROLES, 200),
    "reports:whatif": _rule(CASE_ROLES, 200),  # the picker; comparing is tested in tests/reports/
}
EXPECTED |= {
    "api-schema": {ANON: 401, **{r: 200 for r in ALL_ROLES}},
    "api-docs": {ANON: 401, **{r: 200 for r in ALL_ROLES}},
}
# Court exports (issue #6): batch pages are for the county's DA supervisors and court clerks.
EXPECTED |= {
    "exports:list": _rule((Role.DA_SUPERVISOR, Role.COURT_CLERK), 200),
    # The clerk reports ordered convictions to DOJ; the confirmation page is a GET.
    "exports:doj_report": _rule((Role.COURT_CLERK,), 200),
    "exports:doj_report_csv": _rule((Role.COURT_CLERK,), 200),
    "exports:doj_mark": _rule((Role.COURT_CLERK,), 200),
}
EXPECTED |= {
    f"exports_api:{name}": {**rule, ANON: 401}
    for name, rule in {
        "batch_list": _rule((Role.DA_SUPERVISOR, Role.COURT_CLERK), 200),
        "build": _rule((Role.DA_SUPERVISOR,), 405),  # a GET; building is a POST
        "doj_report": _rule((Role.COURT_CLERK,), 200),
        "doj_mark": _rule((Role.COURT_CLERK,), 400),  # POST without a choice
    }.items()
}
#: url names taking a conviction of HOME_COUNTY (another county's user: 404 where allowed)
CONVICTION_URLS = {
    name
    for name in EXPECTED
    if name.startswith(("review:", "review_api:"))
    and name.split(":")[1]
    not in ("queue", "bulk", "conviction_list", "person", "search", "settings")
}
#: url names taking a person (subject) of HOME_COUNTY
PERSON_URLS = {"review:person"}
#: url names exercised with POST (state changes are POSTs to action URLs)
POSTED = (CONVICTION_URLS - {"review:conviction", "review_api:conviction"}) | {
    "review_api:bulk",
    "review_api:search",
    "review:search",
    "exports_api:doj_mark",
}
POST_ONLY = {"accounts:logout", "exports:build"}
#: URLs of one object: every role, anonymous and another county are walked in the app's own
#: access tests, where the objects exist (tests/intake/test_views.py, tests/accounts/test_lockout.py).
OBJECT_URLS = {
    "intake:detail", "intake:progress", "intake:issues_csv", "intake:reevaluate",
    "intake_api:upload", "accounts:lockout_release", "accounts:api_token_revoke",
    "reports:dashboard", "reports:impact_report", "reports:export_csv", "reports:export_json",  # tests/reports/
    "reports:whatif_trial", "reports:trial_progress",  # tests/reports/
    "exports:detail", "exports:download",  # tests/exports/test_views.py
    "exports:order", "exports:order_search",  # tests/exports/test_order_views.py
    "exports_api:batch", "exports_api:download", "exports_api:order",  # tests/exports/test_api.py
}  # fmt: skip


def iter_names(resolvers: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            ns = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from iter_names(entry.url_patterns, ns)
        elif entry.name:
            yield prefix + entry.name


def test_every_url_pattern_has_an_access_rule() -> None:
    names = set(iter_names(get_resolver().url_patterns))
    missing = names - set(EXPECTED) - POST_ONLY - OBJECT_URLS
    assert not missing, f"views without an access rule: {sorted(missing)}"


@pytest.fixture(autouse=True)
def quick_health(monkeypatch: pytest.MonkeyPatch) -> None:
    # Access is under test here, not the worker: answer the health checks at once.
    monkeypatch.setattr(
        health_services, "health_check", lambda **_: [Check("database", True, "ok")]
    )


CASES = [(name, who, status) for name, rules in EXPECTED.items() for who, status in rules.items()]


@pytest.fixture
def home_conviction_id(db: None) -> int:
    from tests.review.builders import make_convictions

    return make_convictions(HOME_COUNTY, 1)[0].pk


@pytest.mark.parametrize(("name", "who", "status"), CASES)
@pytest.mark.parametrize("county", [HOME_COUNTY, OTHER_COUNTY])
def test_view_access_by_role(
    make_user, client: Client, name: str, who: str, status: int, county: str, request
) -> None:
    if who != ANON:
        client.force_login(make_user(who, county=county, is_staff=who == Role.ADMIN))
    kwargs = {}
    if name in CONVICTION_URLS:
        kwargs = {"conviction_id": request.getfixturevalue("home_conviction_id")}
    if name in PERSON_URLS:
        conviction_id = request.getfixturevalue("home_conviction_id")
        kwargs = {"subject_id": Conviction.objects.get(pk=conviction_id).subject_id}
    if kwargs and county == OTHER_COUNTY and status not in (302, 401, 403):
        status = 404  # another county's conviction does not exist for this user
    url = reverse(name, kwargs=kwargs)
    response = client.post(url) if name in POSTED else client.get(url)
    assert response.status_code == status
    if status == 302 and who == ANON and not name.startswith("api:"):  # pages go to sign-in
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ALL_ROLES)
def test_home_page_speaks_to_the_role_and_county(make_user, client: Client, role: str) -> None:
    user = make_user(role, county=OTHER_COUNTY)
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert Role(role).label in page
    assert "Fresno County" in page
    assert "Sacramento" not in page


@pytest.mark.parametrize("role", ALL_ROLES)
def test_navigation_links_only_to_pages_the_role_may_open(
    make_user, client: Client, role: str
) -> None:
    client.force_login(
        make_user(role, is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN)
    )
    response = client.get(reverse("home"))
    for item in response.context["nav_items"]:
        assert client.get(item["url"]).status_code == 200, item["label"]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_the_admin_role_reaches_user_management(make_user, client: Client, role: str) -> None:
    is_admin = role == Role.ADMIN
    client.force_login(make_user(role, is_staff=is_admin, is_superuser=is_admin))
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == (200 if is_admin else 302)


def test_logout_is_a_post_and_ends_the_session(prosecutor, client: Client) -> None:
    client.force_login(prosecutor)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


# --- Isolation walker: every URL pattern and API route that takes an object id ---------------
#: path parameter -> how to make such an object of HOME_COUNTY (a new parameter fails the walker
#: below until it is added here, so no object URL escapes the cross-county check)
OBJECT_FACTORIES = {
    "conviction_id", "upload_id", "subject_id", "evaluation_id", "batch_id", "kind", "pk",
}  # fmt: skip
#: where the other county may legitimately reach the object (documented exceptions)
CROSS_COUNTY_ALLOWED = {("accounts:lockout_release", Role.ADMIN)}  # admins serve every county


def iter_routes(
    resolvers: list[URLPattern | URLResolver],
    prefix: str = "",
    params: frozenset[str] = frozenset(),
) -> Iterator[tuple[str, frozenset[str]]]:
    """(url name, its path parameters) for every named pattern outside the admin site."""
    for entry in resolvers:
        names = params | frozenset(getattr(entry.pattern, "converters", {}))
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            ns = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from iter_routes(entry.url_patterns, ns, names)
        elif entry.name:
            yield prefix + entry.name, names


OBJECT_ROUTES = sorted((n, p) for n, p in iter_routes(get_resolver().url_patterns) if p)


def test_the_walker_covers_every_object_route() -> None:
    assert {n for n, _ in OBJECT_ROUTES} >= OBJECT_URLS | CONVICTION_URLS
    unknown = {p for _, params in OBJECT_ROUTES for p in params} - OBJECT_FACTORIES
    assert not unknown, f"add a factory for {unknown}"


@pytest.fixture
def home_objects(make_user) -> dict[str, dict[str, int]]:
    """One object of HOME_COUNTY for every object route, keyed by url name."""
    from axes.models import AccessAttempt
    from django.conf import settings

    from clearrecord.accounts.services import api_token_create
    from clearrecord.exports.models import ExportBatch
    from clearrecord.exports.views import DOWNLOADS
    from tests.review.builders import make_convictions

    conviction = make_convictions(HOME_COUNTY, 1)[0]
    locked = make_user(Role.DA_REVIEWER, county=HOME_COUNTY)
    AccessAttempt.objects.create(
        username=locked.username,
        ip_address="127.0.0.1",
        user_agent="test",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
    )
    token, _ = api_token_create(user=make_user(Role.DA_REVIEWER, county=HOME_COUNTY), name="t")
    ids = {
        "conviction_id": conviction.pk,
        "upload_id": conviction.upload_id,
        "subject_id": conviction.subject_id,
        "evaluation_id": conviction.current_determination.evaluation_id,
        "batch_id": ExportBatch.objects.create(
            county=HOME_COUNTY, built_by=make_user(Role.DA_SUPERVISOR, county=HOME_COUNTY)
        ).pk,
        "kind": next(iter(DOWNLOADS)),  # which file of the batch: not an object, any valid one
    }
    pks = {"accounts:lockout_release": locked.pk, "accounts:api_token_revoke": token.pk}
    return {
        name: {p: (pks[name] if p == "pk" else ids[p]) for p in params}
        for name, params in OBJECT_ROUTES
    }


@pytest.mark.parametrize("role", ALL_ROLES)
def test_another_county_gets_nothing_from_any_object_route(
    make_user, client: Client, role: str, home_objects
) -> None:
    """Every object URL and API route, GET and POST, by each role of another county: 404 (or 403
    where the role may not use the URL at all); never the object. At least one role per URL gets
    as far as the lookup (404), so the test proves isolation, not only the role matrix."""
    client.force_login(make_user(role, county=OTHER_COUNTY, is_staff=role == Role.ADMIN))
    for name, _ in OBJECT_ROUTES:
        if (name, role) in CROSS_COUNTY_ALLOWED:
            continue
        url = reverse(name, kwargs=home_objects[name])
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (403, 404, 405), (name, method, response.status_code)
            assert b"TESTPERSON" not in response.content, (name, method)


def test_each_object_route_reaches_the_lookup_for_some_role(
    make_user, client: Client, home_objects
) -> None:
    for name, _ in OBJECT_ROUTES:
        url = reverse(name, kwargs=home_objects[name])
        seen = set()
        for role in ALL_ROLES:
            client.force_login(make_user(role, county=OTHER_COUNTY))
            seen |= {client.get(url).status_code, client.post(url).status_code}
        assert 404 in seen, (name, seen)
