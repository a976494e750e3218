"""Impact dashboard: the page shows the engine's statistics; access per role and county; queries."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse

from clearrecord.accounts.models import Role
from clearrecord.cases.models import Conviction, ReviewState
from clearrecord.reports.figures import outcome_label
from tests.conftest import HOME_COUNTY, OTHER_COUNTY, REQUEST_QUERIES
from tests.reports.helpers import chart_tables, engine_statistics, shown_figures

pytestmark = pytest.mark.django_db(transaction=True)

ALL_ROLES = [r.value for r in Role]
IMPACT = {Role.DA_REVIEWER, Role.DA_SUPERVISOR, Role.PUBLIC_DEFENDER}
OBJECT_EXPECTED = {
    "reports:dashboard": {r: 200 if r in IMPACT else 403 for r in ALL_ROLES},
    "reports:impact_report": {r: 200 if r in IMPACT else 403 for r in ALL_ROLES},
    "reports:export_csv": {r: 200 if r == Role.DA_SUPERVISOR else 403 for r in ALL_ROLES},
    "reports:export_json": {r: 200 if r == Role.DA_SUPERVISOR else 403 for r in ALL_ROLES},
    "reports:trial_progress": {r: 200 if r in IMPACT else 403 for r in ALL_ROLES},
    # trying other options (a what-if trial) is for the DA roles; takes the upload's id
    "reports:whatif_trial": {
        r: 200 if r in IMPACT - {Role.PUBLIC_DEFENDER} else 403 for r in ALL_ROLES
    },
}
RELIEF = ("no_felony", "no_conviction", "no_conviction_last_7_years")


def test_every_object_url_has_an_access_rule() -> None:
    from tests.accounts.test_access import OBJECT_URLS

    assert {n for n in OBJECT_URLS if n.startswith("reports")} == set(OBJECT_EXPECTED)


@pytest.mark.parametrize("which", ["first", "second"])
def test_the_page_shows_the_engines_statistics(published, defender, which) -> None:
    evaluation = getattr(published, which)
    engine = engine_statistics(published.path, evaluation)
    # a few review decisions so review progress has more than one state
    ids = list(Conviction.objects.filter(upload=published.upload).values_list("pk", flat=True)[:7])
    Conviction.objects.filter(pk__in=ids).update(review_state=ReviewState.NOT_CHALLENGED)
    client = Client()
    client.force_login(defender)
    page = client.get(reverse("reports:dashboard", args=[evaluation.pk])).content.decode()

    shown = shown_figures(page)
    expected = {
        **{f"relief.current.{k}": getattr(engine.relief, k) for k in RELIEF},
        **{f"relief.dismiss_all.{k}": getattr(engine.relief_dismiss_all, k) for k in RELIEF},
        "subjects_with_conviction": engine.subjects_with_prop64_in_county,
        "subjects_with_some_relief": engine.subjects_with_some_relief,
        "felony": engine.felony,
        "non_felony": engine.non_felony,
    }
    assert {k: int(shown[k]) for k in expected} == expected
    assert engine.relief.no_felony > 0  # not vacuous
    assert engine.subjects_with_some_relief > 0
    assert shown["earliest_conviction"] == engine.earliest_conviction.isoformat()

    tables = chart_tables(page)
    outcomes = [o for o in ("eligible_dismissal", "eligible_reduction", "not_eligible",
                            "needs_review") if o in engine.by_outcome]  # fmt: skip
    by_section = tables["Convictions by code section and outcome"]
    assert by_section == {
        f"HS {k}": [engine.by_outcome_and_section.get(o, {}).get(k, 0) for o in outcomes] + [n]
        for k, n in sorted(engine.by_section.items())
    }
    assert tables["Convictions by outcome"] == {
        outcome_label(o): [engine.by_outcome[o]] for o in outcomes
    }
    assert tables["Convictions by outcome and reason"] == {
        f"{outcome_label(o)}: {r}": [n]
        for o in outcomes
        for r, n in engine.by_outcome_and_reason[o].items()
    }
    assert tables["Felony and non-felony convictions"] == {
        "Felony": [engine.felony], "Misdemeanour or other": [engine.non_felony],
    }  # fmt: skip
    relief_chart = next(v for k, v in tables.items() if k.startswith("People relieved"))
    assert list(relief_chart.values()) == [
        [getattr(engine.relief, k), getattr(engine.relief_dismiss_all, k)] for k in RELIEF
    ]
    states = Counter(
        Conviction.objects.filter(upload=published.upload).values_list("review_state", flat=True)
    )
    assert tables["Review progress"] == {
        label: [states.get(value, 0)] for value, label in ReviewState.choices
    }
    assert states[ReviewState.NOT_CHALLENGED] == 7


def test_charts_are_accessible_svg_without_inline_style_or_script(published, prosecutor) -> None:
    client = Client()
    client.force_login(prosecutor)
    page = client.get(reverse("reports:dashboard", args=[published.first.pk])).content.decode()
    svgs = re.findall(r'<svg class="chart-svg"[^>]*>\s*<title[^>]*>[^<]+</title>', page)
    assert len(svgs) == 6
    assert all('role="img"' in s for s in svgs)
    assert "style=" not in page
    assert "<script" not in page
    assert page.count('<table class="table">') >= 6  # a data table under every chart


@pytest.mark.parametrize("name", sorted(OBJECT_EXPECTED))
def test_object_urls_by_role_county_and_anonymous(published, make_user, name) -> None:
    obj = published.upload if name == "reports:whatif_trial" else published.first
    url = reverse(name, args=[obj.pk])
    assert Client().get(url).status_code == 302
    for role, status in OBJECT_EXPECTED[name].items():
        client = Client()
        client.force_login(make_user(role, county=HOME_COUNTY))
        assert client.get(url).status_code == status, role
        other = Client()
        other.force_login(make_user(role, county=OTHER_COUNTY))
        assert other.get(url).status_code in ({404} if status == 200 else {403, 404}), role


def test_dashboard_query_count(published, prosecutor, django_assert_num_queries) -> None:
    client = Client()
    client.force_login(prosecutor)
    url = reverse("reports:dashboard", args=[published.first.pk])
    # the evaluation with its upload; the review-state counts
    with django_assert_num_queries(REQUEST_QUERIES + 2):
        assert client.get(url).status_code == 200


def test_index_lists_the_countys_evaluations_in_constant_queries(
    published, prosecutor, django_assert_num_queries
) -> None:
    client = Client()
    client.force_login(prosecutor)
    with django_assert_num_queries(REQUEST_QUERIES + 2):  # count, page
        page = client.get(reverse("reports:index")).content.decode()
    for e in (published.first, published.second):
        assert reverse("reports:dashboard", args=[e.pk]) in page


def test_index_shows_an_empty_state(db, prosecutor) -> None:
    client = Client()
    client.force_login(prosecutor)
    assert "No evaluation is complete yet" in client.get(reverse("reports:index")).content.decode()
