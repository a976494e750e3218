"""What-if: transition counts equal a direct comparison of the two evaluations' determinations."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from clearrecord.cases.models import Determination
from clearrecord.reports import selectors
from tests.conftest import OTHER_COUNTY, REQUEST_QUERIES

pytestmark = pytest.mark.django_db(transaction=True)


def direct_transitions(a, b) -> Counter:
    before = dict(Determination.objects.filter(evaluation=a).values_list("conviction", "outcome"))
    after = dict(Determination.objects.filter(evaluation=b).values_list("conviction", "outcome"))
    return Counter((before.get(c, "none"), after.get(c, "none")) for c in set(before) | set(after))


def test_transitions_equal_a_direct_comparison(published) -> None:
    a, b = published.first, published.second
    expected = direct_transitions(a, b)
    got = {
        (t["before"], t["after"]): t["convictions"] for t in selectors.whatif_transitions(a=a, b=b)
    }
    assert got == dict(expected)
    assert any(before != after for before, after in expected)  # the options really differ


def test_the_page_shows_the_transitions_and_the_changed_convictions(published, prosecutor) -> None:
    a, b = published.first, published.second
    expected = direct_transitions(a, b)
    client = Client()
    client.force_login(prosecutor)
    response = client.get(reverse("reports:whatif"), {"a": a.pk, "b": b.pk})
    page = response.content.decode()
    shown = {
        tuple(key.split(">")): int(n)
        for key, n in re.findall(
            r'data-transition="([^"]+)"><th scope="row">[^<]*</th><td class="num">(\d+)</td>', page
        )
    }
    assert shown == dict(expected)
    changed = sum(n for (x, y), n in expected.items() if x != y)
    assert f'data-figure="changed_total">{changed}<' in page
    # the changed convictions, paginated, each linked to its review page
    assert response.context["page"].paginator.count == changed
    first = response.context["page"][0]
    assert reverse("review:conviction", args=[first.pk]) in page
    assert first.outcome_a != first.outcome_b


def test_the_comparison_is_cached_under_the_two_ids(published, django_assert_num_queries) -> None:
    a, b = published.first, published.second
    cache.clear()
    with django_assert_num_queries(1):  # one set-wise query
        computed = selectors.whatif_transitions(a=a, b=b)
    with django_assert_num_queries(0):
        assert selectors.whatif_transitions(a=a, b=b) == computed
    assert cache.get(selectors.whatif_key(a.pk, b.pk)) == computed


def test_whatif_query_count(published, prosecutor, django_assert_num_queries) -> None:
    client = Client()
    client.force_login(prosecutor)
    url = reverse("reports:whatif")
    params = {"a": published.first.pk, "b": published.second.pk}
    # the two choices checked, the transitions query, the changed list's page (its count is
    # the transitions' sum), the options of the two selects, the uploads a DA may try other
    # options on: constant, whatever the number of convictions
    with django_assert_num_queries(REQUEST_QUERIES + 7):
        assert client.get(url, params).status_code == 200


def test_two_evaluations_of_different_uploads_or_the_same_one_are_refused(
    published, prosecutor
) -> None:
    client = Client()
    client.force_login(prosecutor)
    same = client.get(reverse("reports:whatif"), {"a": published.first.pk, "b": published.first.pk})
    assert "Choose two different evaluations." in same.content.decode()
    assert "transitions" not in same.context


def test_another_countys_evaluations_cannot_be_compared(published, make_user) -> None:
    client = Client()
    client.force_login(make_user("da_reviewer", county=OTHER_COUNTY))
    response = client.get(
        reverse("reports:whatif"), {"a": published.first.pk, "b": published.second.pk}
    )
    assert response.status_code == 200
    assert response.context["form"].errors  # not a valid choice: the ids are not theirs
    assert "transitions" not in response.context


def test_picking_a_preselects_it_without_errors(published, prosecutor) -> None:
    client = Client()
    client.force_login(prosecutor)
    response = client.get(reverse("reports:whatif"), {"a": published.first.pk})
    assert not response.context["form"].is_bound
    assert 'class="errors"' not in response.content.decode()


def test_the_changed_convictions_pages_keep_the_two_evaluations(
    published, prosecutor, monkeypatch
) -> None:
    from clearrecord.reports import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)  # the synthetic upload changes only a few
    a, b = published.first, published.second
    client = Client()
    client.force_login(prosecutor)
    first = client.get(reverse("reports:whatif"), {"a": a.pk, "b": b.pk})
    assert first.context["page"].has_next()
    assert f'href="?a={a.pk}&amp;b={b.pk}&amp;page=2"' in first.content.decode()
    second = client.get(reverse("reports:whatif"), {"a": a.pk, "b": b.pk, "page": 2})
    assert second.context["page"].number == 2
    assert {c.pk for c in second.context["page"]}.isdisjoint(c.pk for c in first.context["page"])
