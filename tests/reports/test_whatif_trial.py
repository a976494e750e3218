"""What-if trials: options not run yet, computed by the worker, compared, never reviewed (#8)."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from clearrecord.audit.models import AuditEvent
from clearrecord.cases.models import Conviction, Determination, Evaluation, ReviewState
from clearrecord.intake import pipeline
from clearrecord.intake import selectors as intake_selectors
from clearrecord.intake import services as intake_services
from clearrecord.reports import selectors, services, tasks, views
from clearrecord.review import selectors as review_selectors
from tests.conftest import OTHER_COUNTY, REQUEST_QUERIES
from tests.reports.test_whatif import direct_transitions

pytestmark = pytest.mark.django_db(transaction=True)

#: dismiss possession only, reduce nothing: differs from both evaluations of `published`
DISMISS_11357 = {"baselineEligibility": {"dismiss": ["11357"], "reduce": []}}


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """Trial ids sent to the worker (instead of the broker)."""
    sent: list[int] = []
    monkeypatch.setattr(tasks.evaluate_whatif, "delay", sent.append)
    return sent


def request_trial(published, user, options=DISMISS_11357) -> Evaluation:
    return services.whatif_request(
        user=user, upload=published.upload, compute_at=published.upload.compute_at,
        rule_set="statutory", options=options,
    )  # fmt: skip


def review_snapshot(upload) -> list[tuple]:
    return list(
        Conviction.objects.filter(upload=upload)
        .order_by("pk")
        .values_list("pk", "review_state", "version", "needs_attention", "current_determination")
    )


def test_a_trial_is_computed_by_the_worker_and_compared_like_any_evaluation(
    published, prosecutor, queued
) -> None:
    trial = request_trial(published, prosecutor)
    assert trial.is_trial
    assert trial.state == Evaluation.State.QUEUED
    assert queued == [trial.pk]  # the task gets the id only
    assert tasks.evaluate_whatif(trial.pk) == "complete"
    trial.refresh_from_db()
    assert trial.state == Evaluation.State.COMPLETE
    assert not trial.is_current
    assert trial.stats
    assert trial.results_digest
    a = published.second  # the current evaluation
    expected = direct_transitions(a, trial)
    assert any(before != after for before, after in expected)  # the options really differ
    got = {
        (t["before"], t["after"]): t["convictions"]
        for t in selectors.whatif_transitions(a=a, b=trial)
    }
    assert got == dict(expected)
    # the same number of convictions as the review evaluation: one determination each
    assert Determination.objects.filter(evaluation=trial).count() == (
        Conviction.objects.filter(upload=published.upload).count()
    )


def test_the_worker_caches_the_comparison_with_the_current_evaluation(
    published, prosecutor, queued, django_assert_num_queries
) -> None:
    trial = request_trial(published, prosecutor)
    cache.clear()
    services.whatif_process(evaluation_id=trial.pk)
    trial.refresh_from_db()
    assert trial.phase == ""
    with django_assert_num_queries(0):  # computed once, in the worker
        cached = selectors.whatif_transitions(a=published.second, b=trial)
    assert cached == cache.get(selectors.whatif_key(published.second.pk, trial.pk))


def test_a_trial_changes_no_review_state_decision_or_attention_flag(
    published, prosecutor, queued
) -> None:
    # a few decided convictions: a re-evaluation would flag those whose determination changed
    decided = list(Conviction.objects.filter(upload=published.upload).values_list("pk", flat=True))
    Conviction.objects.filter(pk__in=decided[:20]).update(review_state=ReviewState.NOT_CHALLENGED)
    before = review_snapshot(published.upload)
    current = list(Evaluation.objects.filter(is_current=True).values_list("pk", flat=True))
    trial = request_trial(published, prosecutor)
    assert services.whatif_process(evaluation_id=trial.pk) == "complete"
    assert review_snapshot(published.upload) == before
    assert list(Evaluation.objects.filter(is_current=True).values_list("pk", flat=True)) == current
    assert not Conviction.objects.filter(current_determination__evaluation=trial).exists()


def test_trials_never_reach_the_queue_the_upload_page_or_the_impact_list(
    published, prosecutor, queued
) -> None:
    trial = request_trial(published, prosecutor)
    services.whatif_process(evaluation_id=trial.pk)
    queue = review_selectors.queue_for(user=prosecutor)
    assert {c.current_determination.evaluation_id for c in queue} == {published.second.pk}
    assert intake_selectors.current_evaluation(upload=published.upload) == published.second
    client = Client()
    client.force_login(prosecutor)
    index = client.get(reverse("reports:index")).content.decode()
    assert f"Evaluation #{published.second.pk}<" in index
    assert f"Evaluation #{trial.pk}<" not in index
    detail = client.get(reverse("intake:detail", args=[published.upload.pk]))
    assert trial not in detail.context["evaluations"]
    assert published.second in detail.context["evaluations"]


def test_the_database_refuses_a_current_trial(published, prosecutor, queued) -> None:
    trial = request_trial(published, prosecutor)
    Evaluation.objects.filter(upload=published.upload).update(is_current=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Evaluation.objects.filter(pk=trial.pk).update(is_current=True)


def test_the_same_choices_asked_twice_reuse_one_trial(published, prosecutor, queued) -> None:
    first = request_trial(published, prosecutor)
    # the same choices, spelt differently (defaults left out): the normalised options decide
    again = request_trial(
        published,
        prosecutor,
        {**DISMISS_11357, "additionalRelief": {"subjectAgeThreshold": 0}},
    )
    assert again.pk == first.pk
    assert queued == [first.pk]
    services.whatif_process(evaluation_id=first.pk)
    assert request_trial(published, prosecutor).pk == first.pk  # complete: reused as well
    assert Evaluation.objects.trials().count() == 1
    assert AuditEvent.objects.filter(action="whatif.requested").count() == 1


def test_the_choices_of_an_existing_evaluation_reuse_it(published, prosecutor, queued) -> None:
    from tests.reports.conftest import DISMISS_MORE

    assert request_trial(published, prosecutor, DISMISS_MORE).pk == published.second.pk
    assert request_trial(published, prosecutor, None).pk == published.first.pk
    assert not Evaluation.objects.trials().exists()
    assert queued == []


def test_a_failed_trial_may_be_asked_again(published, prosecutor, queued) -> None:
    failed = request_trial(published, prosecutor)
    Evaluation.objects.filter(pk=failed.pk).update(state=Evaluation.State.FAILED)
    again = request_trial(published, prosecutor)
    assert again.pk != failed.pk
    assert again.state == Evaluation.State.QUEUED


def test_a_duplicated_task_computes_nothing_twice(published, prosecutor, queued) -> None:
    trial = request_trial(published, prosecutor)
    assert services.whatif_process(evaluation_id=trial.pk) == "complete"
    count = Determination.objects.filter(evaluation=trial).count()
    assert services.whatif_process(evaluation_id=trial.pk) == "skipped"
    assert Determination.objects.filter(evaluation=trial).count() == count


def test_the_trial_task_leaves_review_evaluations_to_the_pipeline(published) -> None:
    Evaluation.objects.filter(pk=published.second.pk).update(state=Evaluation.State.QUEUED)
    assert services.whatif_process(evaluation_id=published.second.pk) == "skipped"
    assert Evaluation.objects.get(pk=published.second.pk).state == Evaluation.State.QUEUED


def test_a_trial_whose_files_are_gone_fails_in_plain_words(published, prosecutor, queued) -> None:
    trial = request_trial(published, prosecutor)
    for source in pipeline.sources_of(published.upload):
        source.path.unlink()
    assert services.whatif_process(evaluation_id=trial.pk) == "failed"
    trial.refresh_from_db()
    assert trial.state == Evaluation.State.FAILED
    assert trial.error_message


def test_stalled_trials_are_resumed_by_their_own_task(published, prosecutor, queued, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    from clearrecord.intake import tasks as intake_tasks

    reevaluations: list[int] = []
    monkeypatch.setattr(intake_tasks.process_evaluation, "delay", reevaluations.append)
    trial = request_trial(published, prosecutor)
    queued.clear()
    later = timezone.now() + dt.timedelta(hours=2)
    intake_services.upload_resume_stalled(now=later)
    assert reevaluations == []  # the re-evaluation task would make it current
    assert services.whatif_resume_stalled(now=later) == [trial.pk]
    assert queued == [trial.pk]


# --- pages ---------------------------------------------------------------------------------


def test_the_options_form_queues_a_trial_and_the_page_shows_its_progress(
    published, prosecutor, queued
) -> None:
    client = Client()
    client.force_login(prosecutor)
    url = reverse("reports:whatif_trial", args=[published.upload.pk])
    form = client.get(url)
    assert form.context["form"]["a"].value() == published.second.pk  # A: the current evaluation
    assert form.context["form"]["rule_set"].value() == "statutory"
    data = {
        "a": published.second.pk, "compute_at": published.upload.compute_at.isoformat(),
        "rule_set": "statutory", "section_11357": "dismiss", "section_11358": "none",
        "section_11359": "none", "section_11360": "none", "prior_timing": "beforeConviction",
        "subject_age_threshold": 0, "years_since_conviction": 0, "years_crime_free": 0,
    }  # fmt: skip
    response = client.post(url, data)
    trial = Evaluation.objects.trials().get()
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('reports:whatif')}?a={published.second.pk}&b={trial.pk}"
    )
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "transitions" not in page.context
    progress_url = reverse("reports:trial_progress", args=[trial.pk])
    assert f'hx-get="{progress_url}"' in html
    assert 'hx-trigger="every 2s"' in html
    assert "Waiting for a worker" in html

    services.whatif_process(evaluation_id=trial.pk)
    polled = client.get(progress_url, headers={"HX-Request": "true"})
    assert polled["HX-Refresh"] == "true"  # done: htmx reloads the page into the comparison
    assert "hx-get" not in polled.content.decode()
    page = client.get(response["Location"])
    expected = direct_transitions(published.second, trial)
    assert page.context["changed_total"] == sum(n for (x, y), n in expected.items() if x != y)


def test_the_choices_of_side_a_itself_are_refused(published, prosecutor, queued) -> None:
    client = Client()
    client.force_login(prosecutor)
    url = reverse("reports:whatif_trial", args=[published.upload.pk])
    data = {
        "a": published.first.pk, "compute_at": published.upload.compute_at.isoformat(),
        "rule_set": "statutory", "section_11357": "reduce", "section_11358": "reduce",
        "section_11359": "reduce", "section_11360": "reduce", "prior_timing": "beforeConviction",
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 400
    assert "change at least one" in response.content.decode()


def test_the_progress_endpoint_does_not_keep_a_session_alive() -> None:
    assert views.trial_progress.polling_endpoint is True


def test_a_running_trial_shows_its_phase_and_bar(published, prosecutor, queued) -> None:
    trial = request_trial(published, prosecutor)
    Evaluation.objects.filter(pk=trial.pk).update(
        state=Evaluation.State.RUNNING, phase=services.READING, progress_done=25,
        progress_total=100,
    )  # fmt: skip
    client = Client()
    client.force_login(prosecutor)
    html = client.get(reverse("reports:trial_progress", args=[trial.pk])).content.decode()
    assert services.READING in html
    assert re.search(r'<progress max="100" value="25"', html)


def test_a_failed_trial_shows_why(published, prosecutor, queued) -> None:
    trial = request_trial(published, prosecutor)
    Evaluation.objects.filter(pk=trial.pk).update(
        state=Evaluation.State.FAILED, error_message="The files could not be read."
    )
    client = Client()
    client.force_login(prosecutor)
    page = client.get(reverse("reports:whatif"), {"a": published.second.pk, "b": trial.pk})
    assert "The files could not be read." in page.content.decode()
    assert "transitions" not in page.context


def test_only_the_da_may_start_a_trial(published, defender, make_user) -> None:
    url = reverse("reports:whatif_trial", args=[published.upload.pk])
    client = Client()
    client.force_login(defender)
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403
    other = Client()
    other.force_login(make_user("da_supervisor", county=OTHER_COUNTY))
    assert other.get(url).status_code == 404
    assert not Evaluation.objects.trials().exists()


def test_another_county_cannot_see_a_trials_progress(
    published, prosecutor, make_user, queued
) -> None:
    trial = request_trial(published, prosecutor)
    other = Client()
    other.force_login(make_user("da_reviewer", county=OTHER_COUNTY))
    assert other.get(reverse("reports:trial_progress", args=[trial.pk])).status_code == 404


def test_trial_form_and_progress_query_counts(
    published, prosecutor, queued, django_assert_num_queries
) -> None:
    trial = request_trial(published, prosecutor)
    client = Client()
    client.force_login(prosecutor)
    # the upload, side A's current evaluation, the choices of A (one query, any number)
    with django_assert_num_queries(REQUEST_QUERIES + 3):
        assert (
            client.get(reverse("reports:whatif_trial", args=[published.upload.pk])).status_code
            == 200
        )
    with django_assert_num_queries(REQUEST_QUERIES + 1):  # the trial
        assert client.get(reverse("reports:trial_progress", args=[trial.pk])).status_code == 200


def test_the_upload_page_links_to_its_dashboard_and_what_if(published, prosecutor) -> None:
    client = Client()
    client.force_login(prosecutor)
    html = client.get(reverse("intake:detail", args=[published.upload.pk])).content.decode()
    assert reverse("reports:dashboard", args=[published.second.pk]) in html
    assert reverse("reports:whatif_trial", args=[published.upload.pk]) in html
