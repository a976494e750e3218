"""Review pages: the queue, a conviction with its determination and history, and the actions.

Views fetch through selectors, call one service, and render. State changes are POSTs to action
URLs; a domain error becomes its HTTP status once, here (`_refused`), on the page the person was
looking at, with the new state when someone else was faster.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlparse

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db.models import BooleanField, Count, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clearrecord.accounts.policy import can, capability_required
from clearrecord.audit.services import audit_record
from clearrecord.cases.models import Conviction, Subject
from eligibility.doj.columns import INDEX

from . import forms, searches, selectors, services
from . import workflow as wf
from .errors import InvalidInput, ReviewError, StaleState, http_status
from .filters import DEFAULT_SORT, FLAGS, OUTCOMES, SORTS, ConvictionFilter, reviewer_choices
from .models import Objection

PAGE_SIZE = 50
BULK_LABELS: dict[str, str] = dict(forms.BulkForm.base_fields["action"].choices)  # type: ignore[attr-defined]
FILTER_KEYS = (
    "s",
    "state",
    "outcome",
    "reason",
    "rule",
    "section",
    "level",
    "flag",
    "reviewer",
    "objection",
    "upload",
    "sort",
)


def _with_search(request: HttpRequest, data: QueryDict) -> QueryDict:
    """The filter data with `q` restored from the session token `s` (never from the URL)."""
    data = data.copy()
    data.pop("q", None)
    token = data.get("s")
    if token:
        data["q"] = searches.search_text(request, token)
    return data


def _filtered(
    request: HttpRequest, data: QueryDict, reviewers: list[tuple[str, str]] | None = None
) -> tuple[ConvictionFilter, Any]:
    filterset = ConvictionFilter(
        _with_search(request, data),
        queryset=selectors.queue_for(user=request.user),
        user=request.user,
        reviewers=reviewers if reviewers is not None else reviewer_choices(request.user),
    )
    qs = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    return filterset, qs


def _filter_query(data: QueryDict, *, without: tuple[str, ...] = ()) -> str:
    """The filter part of a query string (no page), to keep the filter in every link."""
    pairs = [(k, v) for k in FILTER_KEYS if k not in without for v in data.getlist(k) if v]
    return urlencode(pairs)


def _state_counts(
    request: HttpRequest, data: QueryDict, reviewers: list[tuple[str, str]]
) -> tuple[dict[str, int], dict[str, Any]]:
    """Counts per state of the queue filtered by `data` (one query), and what the partial shows.

    They answer "how much is left" for the same filter whatever state is chosen, so the state
    filter itself is left out.
    """
    without_state = data.copy()
    without_state.pop("state", None)
    _, base = _filtered(request, without_state, reviewers)
    counts = selectors.state_counts(base)
    query_without_state = _filter_query(data, without=("state",))
    return counts, {
        "counts": [
            {
                "state": s,
                "label": wf.STATE_LABELS[s],
                "n": counts[s],
                "query": "&".join(filter(None, [query_without_state, f"state={s}"])),
                "current": data.get("state") == s,
            }
            for s in wf.STATES
        ],
        "total": sum(counts.values()),
        "query_without_state": query_without_state,
        "state_current": data.get("state", ""),
    }


def _queue_data(request: HttpRequest, url: str | None) -> QueryDict | None:
    """The filter and sort of a queue URL (a `next` link), or None when it is not the queue."""
    back = _safe_next(request, url)
    if not back:
        return None
    parsed = urlparse(back)
    if parsed.path != reverse("review:queue"):
        return None
    return QueryDict(parsed.query)


def _reviewers_for_filter(request: HttpRequest, data: QueryDict) -> list[tuple[str, str]]:
    """Reviewer choices only when the filter names a reviewer by id (spares a query otherwise)."""
    return reviewer_choices(request.user) if data.get("reviewer", "").isdigit() else []


@require_POST
@capability_required("view_cases")
def search(request: HttpRequest) -> HttpResponse:
    """The search box posts here; the queue URL then carries a token, never the text."""
    text = request.POST.get("q", "").strip()[:200]
    data = request.POST.copy()
    data.pop("s", None)
    query = _filter_query(data, without=("s",))
    if text:
        query = "&".join(
            filter(None, [query, urlencode({"s": searches.search_token(request, text)})])
        )
    return redirect(reverse("review:queue") + (f"?{query}" if query else ""))


@require_GET
@capability_required("view_cases")
def queue(request: HttpRequest) -> HttpResponse:
    """The county's convictions, filtered by the URL, grouped by person and court case."""
    reviewers = reviewer_choices(request.user)
    bulk_actions = selectors.bulk_actions_for(user=request.user)
    filterset, qs = _filtered(request, request.GET, reviewers)
    search_text = _with_search(request, request.GET).get("q", "")
    counts, counts_context = _state_counts(request, request.GET, reviewers)
    paginator = Paginator(qs, PAGE_SIZE)
    # The counts per state already hold the total: spare the page a second scan of the county.
    state = filterset.form.cleaned_data.get("state") if filterset.is_valid() else None
    paginator.count = counts.get(state, 0) if state else sum(counts.values())
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = selectors.rows_of_page(page.object_list)
    query = _filter_query(request.GET)
    return render(
        request,
        "review/queue.html",
        {
            "filter": filterset,
            "page": page,
            **counts_context,
            "query": query,
            "query_without_search": _filter_query(request.GET, without=("s",)),
            "here": request.get_full_path(),
            "can_bulk": bool(bulk_actions),
            "bulk_actions": [(a, BULK_LABELS[a]) for a in bulk_actions],
            "can_decide": can(request.user, "decide"),
            "can_change_settings": can(request.user, "review_settings"),
            "flags": FLAGS,
            "search_text": search_text,
            "search_lost": bool(request.GET.get("s")) and not search_text,
        },
    )


def _conviction_or_404(request: HttpRequest, conviction_id: int) -> Conviction:
    try:
        return selectors.queue_for(user=request.user).select_related("upload").get(pk=conviction_id)
    except Conviction.DoesNotExist:
        raise Http404("No such conviction") from None


def _detail_context(request: HttpRequest, conviction: Conviction, **bound: Any) -> dict[str, Any]:
    role = request.user.role
    open_objection = conviction.has_open_objection
    allowed = set(
        wf.allowed_actions(conviction.review_state, role, has_open_objection=open_objection)
    )
    initial = {"version": conviction.version, "next": request.GET.get("next", "")}
    return {
        "conviction": conviction,
        "subject": conviction.subject,
        "determination": conviction.current_determination,
        "outcome_label": OUTCOMES.get(getattr(conviction.current_determination, "outcome", ""), ""),
        "state_label": wf.STATE_LABELS[conviction.review_state],
        "others": selectors.convictions_for(user=request.user)
        .filter(subject_id=conviction.subject_id)
        .exclude(pk=conviction.pk)
        .select_related("current_determination")
        .order_by("date", "id"),
        "history": selectors.history_of(conviction=conviction),
        "objections": conviction.objections.select_related("raised_by", "responded_by"),
        "comments": selectors.comments_for(user=request.user).filter(conviction=conviction),
        "person_comments": selectors.comments_for(user=request.user).filter(
            subject_id=conviction.subject_id
        ),
        "allowed": allowed,
        "challenge_form": bound.get("challenge") or forms.ChallengeForm(initial=initial),
        "modify_form": bound.get("modify") or forms.ModifyForm(initial=initial),
        "objection_form": bound.get("raise_objection") or forms.ObjectionForm(initial=initial),
        "respond_form": bound.get("respond") or forms.RespondForm(initial=initial),
        "comment_form": bound.get("comment") or forms.CommentForm(initial=initial),
        "assign_form": bound.get("assign")
        or (
            forms.AssignForm(initial=initial, reviewers=reviewer_choices(request.user))
            if "assign" in allowed
            else None
        ),
        "plain_form": forms.ActionForm(initial=initial),
        "error": bound.get("error"),
        "back": _safe_next(request, request.GET.get("next")) or reverse("review:queue"),
        # the way back to the queue travels on to the person's other convictions too
        "keep_next": (
            "?" + urlencode({"next": request.GET["next"]})
            if _safe_next(request, request.GET.get("next"))
            else ""
        ),
        **_neighbours(request, conviction),
    }


def _sort_value(conviction: Conviction, field: str) -> Any:
    """The value of an order_by field (`subject__name`) on a conviction already in memory."""
    value: Any = conviction
    for part in field.split("__"):
        value = getattr(value, part)
    return value


def _nullable(field: str) -> bool:
    model: Any = Conviction
    *path, last = field.split("__")
    for part in path:
        model = model._meta.get_field(part).related_model
    return bool(model._meta.get_field(last).null)


def _reversed(order: tuple[str, ...]) -> tuple[str, ...]:
    """The same order_by fields, each in the other direction."""
    return tuple(f[1:] if f.startswith("-") else f"-{f}" for f in order)


def _keyset(order: tuple[str, ...], row: Conviction, *, after: bool) -> Q:
    """The rows strictly after (or before) `row` in `order` (order_by fields, `-` descending).

    Written out field by field (a tie on the first fields, then a step on the next), because
    the queue's sorts mix directions, which a row comparison cannot express. NULLs sort as
    PostgreSQL sorts them: after every value ascending, before every value descending.
    """
    found = Q(pk__in=[])
    tie = Q()
    for spec in order:
        field = spec.lstrip("-")
        value = _sort_value(row, field)
        nullable = _nullable(field)
        upwards = spec.startswith("-") != after  # wanted: larger values (NULL is largest)
        if value is None:
            step = Q(**{f"{field}__isnull": False}) if not upwards else Q(pk__in=[])
            same = Q(**{f"{field}__isnull": True})
        else:
            step = Q(**{f"{field}__gt" if upwards else f"{field}__lt": value})
            if upwards and nullable:
                step |= Q(**{f"{field}__isnull": True})
            same = Q(**{field: value})
        found |= tie & step
        tie &= same
    return found


def _row_after(order: tuple[str, ...], values: list[Any], *, upwards: bool) -> RawSQL:
    """`(a, b, c) > (x, y, z)`: a row comparison PostgreSQL answers as one index range."""
    columns = ", ".join(
        f'"{Conviction._meta.db_table}"."{Conviction._meta.get_field(f.lstrip("-")).column}"'
        for f in order
    )
    marks = ", ".join(["%s"] * len(values))
    # Safe: the text holds only the model's own column names; the values are parameters.
    return RawSQL(  # noqa: S611  # nosec B611
        f"({columns}) {'>' if upwards else '<'} ({marks})", values, output_field=BooleanField()
    )


def _adjacent(
    queryset: QuerySet[Conviction], order: tuple[str, ...], row: Conviction, *, after: bool
) -> int | None:
    """The id of the conviction just after (or before) `row` in `order`, or None.

    The field-by-field condition alone makes PostgreSQL walk the order from its start and
    filter (cost grows with the row's position). Where the order allows it (one direction,
    columns of the conviction, no NULL in the row's key) a row comparison replaces it, which
    an index on the order answers at once; otherwise the first sort field gets a plain range
    bound. NULLs fall outside both: when they come next in this direction, a second LIMIT 1
    query looks there, only once the non-NULL values are exhausted.
    """
    if order[:2] in (PERSON_KEY, _reversed(PERSON_KEY)):
        return _adjacent_by_person(queryset, order, row, after=after)
    ordering = order if after else _reversed(order)
    keyset = _keyset(order, row, after=after)
    rows = queryset.order_by(*ordering)
    first = order[0].lstrip("-")
    values = [_sort_value(row, f.lstrip("-")) for f in order]
    if values[0] is None:
        return rows.filter(keyset).values_list("pk", flat=True).first()
    upwards = order[0].startswith("-") != after
    same_direction = len({f.startswith("-") for f in order}) == 1
    if same_direction and None not in values and all("__" not in f for f in order):
        found = rows.filter(_row_after(order, values, upwards=upwards))
    else:
        found = rows.filter(keyset, **{f"{first}__gte" if upwards else f"{first}__lte": values[0]})
    pk = found.values_list("pk", flat=True).first()
    if pk is None and upwards and _nullable(first):
        pk = rows.filter(keyset, **{f"{first}__isnull": True}).values_list("pk", flat=True).first()
    return pk


PERSON_KEY = ("subject__name", "subject_id")


def _adjacent_by_person(
    queryset: QuerySet[Conviction], order: tuple[str, ...], row: Conviction, *, after: bool
) -> int | None:
    """`_adjacent` for the sorts by person: (name, person) then the rest of `order` within one.

    A condition on the joined name cannot use an index, so PostgreSQL would join and sort the
    whole queue. Instead: the next row of this person's own convictions (few); else the nearest
    person in (name, id) order who still has a row in the queue (an index walk on the people
    of the county, each checked with EXISTS on the queue), and that person's first (or last) row.
    """
    rest = order[2:]
    within = _reversed(rest)
    own = queryset.filter(subject_id=row.subject_id)
    pk = (
        own.filter(_keyset(rest, row, after=after))
        .order_by(*(rest if after else within))
        .values_list("pk", flat=True)
        .first()
    )
    if pk is not None:
        return pk
    upwards = order[0].startswith("-") != after
    name, person = row.subject.name, row.subject_id
    beyond = Q(name__gt=name) | Q(name=name, pk__gt=person)
    if not upwards:
        beyond = Q(name__lt=name) | Q(name=name, pk__lt=person)
    nearest = (
        Subject.objects.filter(beyond, county=row.county)
        .filter(Exists(queryset.filter(subject_id=OuterRef("pk"))))
        .order_by(*(("name", "pk") if upwards else ("-name", "-pk")))
        .values_list("pk", flat=True)
        .first()
    )
    if nearest is None:
        return None
    return (
        queryset.filter(subject_id=nearest)
        .order_by(*(rest if after else within))
        .values_list("pk", flat=True)
        .first()
    )


def _neighbours(request: HttpRequest, conviction: Conviction) -> dict[str, str]:
    """Links to the previous and next conviction of the queue the person came from.

    The queue's filter and sort travel in `next`; the neighbours follow that order, walked by
    keyset from this conviction's sort key (see `_adjacent`): a LIMIT 1 query each way,
    never the whole queue. A conviction that has left the filter since (decided, say) still
    has neighbours: the rows around its place.
    """
    data = _queue_data(request, request.GET.get("next"))
    if data is None:
        return {}
    order = SORTS.get(data.get("sort", ""), DEFAULT_SORT)
    _filterset, qs = _filtered(request, data, reviewers=_reviewers_for_filter(request, data))
    plain = qs.order_by()
    suffix = "?" + urlencode({"next": request.GET["next"]})
    links = {}
    for name, after in (("next_url", True), ("previous_url", False)):
        pk = _adjacent(plain, order, conviction, after=after)
        if pk is not None:
            links[name] = reverse("review:conviction", args=[pk]) + suffix
    return links


@require_GET
@capability_required("view_cases")
def conviction_detail(request: HttpRequest, conviction_id: int) -> HttpResponse:
    """One conviction: the person, the determination and its explanation, history, comments."""
    conviction = _conviction_or_404(request, conviction_id)
    audit_record(
        action="conviction.viewed",
        request=request,
        object_type=services.CONVICTION,
        object_id=conviction.pk,
        county=request.user.county,
    )
    return render(request, "review/conviction.html", _detail_context(request, conviction))


def _safe_next(request: HttpRequest, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def _refused(
    request: HttpRequest, conviction_id: int, error: ReviewError, **bound: Any
) -> HttpResponse:
    """The one place a domain error becomes an HTML response: the page again, with why."""
    conviction = _conviction_or_404(request, conviction_id)
    if isinstance(error, StaleState):
        message = (
            "This conviction changed while you were looking at it: it is now "
            f"“{wf.STATE_LABELS.get(error.current_state or '', error.current_state)}”. "
            "Nothing was saved. Check the new state below and decide again."
        )
    elif isinstance(error, InvalidInput):
        message = f"Please correct the form: {error.message}."
    else:
        message = f"Not done: {error}."
    context = _detail_context(request, conviction, error=message, **bound)
    return render(request, "review/conviction.html", context, status=http_status(error))


def _row(
    request: HttpRequest,
    conviction_id: int,
    form: forms.forms.Form,
    error: ReviewError | None,
    done: str = "",
) -> HttpResponse:
    """The queue row again (htmx quick decision): the new state, or why nothing changed."""
    conviction = _conviction_or_404(request, conviction_id)
    message = done
    if isinstance(error, StaleState):
        message = (
            "Changed by someone else: now "
            f"“{wf.STATE_LABELS.get(error.current_state or '', error.current_state)}”."
        )
    elif error is not None:
        message = f"Not done: {error}."
    # The counts at the top of the queue move with the decision (and with a colleague's, when
    # this one was too late): they come along, swapped in out of band by htmx.
    counts_context: dict[str, Any] = {}
    data = _queue_data(request, form.data.get("next"))
    if data is not None:
        _, counts_context = _state_counts(request, data, _reviewers_for_filter(request, data))
    return render(
        request,
        "review/_row_response.html",
        {
            **counts_context,
            "conviction": conviction,
            "can_bulk": selectors.may_bulk_decide(user=request.user),
            "can_decide": can(request.user, "decide"),
            "here": _safe_next(request, form.data.get("next")) or reverse("review:queue"),
            "row_message": message,
            "row_error": error is not None,
        },
        status=http_status(error) if error else 200,
    )


def _perform(
    request: HttpRequest,
    conviction_id: int,
    form: forms.forms.Form,
    key: str,
    call: Callable[[dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    partial = request.headers.get("HX-Request") == "true"
    if not form.is_valid():
        invalid = InvalidInput("form", "see the highlighted fields")
        if partial:
            return _row(request, conviction_id, form, invalid)
        return _refused(request, conviction_id, invalid, **{key: form})
    try:
        call(form.cleaned_data)
    except ReviewError as error:
        if partial:
            return _row(request, conviction_id, form, error)
        return _refused(request, conviction_id, error, **{key: form})
    except ObjectDoesNotExist:
        raise Http404("No such conviction") from None
    if partial:
        return _row(request, conviction_id, form, None, done)
    messages.success(request, done)
    target = _safe_next(request, form.cleaned_data.get("next"))
    return redirect(target or reverse("review:conviction", args=[conviction_id]))


@require_POST
@capability_required("decide")
def not_challenge(request: HttpRequest, conviction_id: int) -> HttpResponse:
    return _perform(
        request,
        conviction_id,
        forms.ActionForm(request.POST),
        "plain",
        lambda d: services.conviction_not_challenge(
            actor=request.user,
            conviction_id=conviction_id,
            expected_version=d["version"],
            request=request,
        ),
        "Marked not challenged: relief as determined.",
    )


@require_POST
@capability_required("decide")
def challenge(request: HttpRequest, conviction_id: int) -> HttpResponse:
    return _perform(
        request,
        conviction_id,
        forms.ChallengeForm(request.POST),
        "challenge",
        lambda d: services.conviction_challenge(
            actor=request.user,
            conviction_id=conviction_id,
            ground=d["ground"],
            note=d["note"],
            expected_version=d["version"],
            request=request,
        ),
        "Challenge recorded. The public defender can see it and its reason.",
    )


@require_POST
@capability_required("decide")
def modify(request: HttpRequest, conviction_id: int) -> HttpResponse:
    return _perform(
        request,
        conviction_id,
        forms.ModifyForm(request.POST),
        "modify",
        lambda d: services.conviction_modify(
            actor=request.user,
            conviction_id=conviction_id,
            remedy=d["remedy"],
            note=d["note"],
            expected_version=d["version"],
            request=request,
        ),
        "Remedy modified.",
    )


@require_POST
@capability_required("decide")
def undo(request: HttpRequest, conviction_id: int) -> HttpResponse:
    return _perform(
        request,
        conviction_id,
        forms.ActionForm(request.POST),
        "plain",
        lambda d: services.conviction_undo(
            actor=request.user,
            conviction_id=conviction_id,
            expected_version=d["version"],
            request=request,
        ),
        "Decision undone: the conviction is flagged for review again.",
    )


@require_POST
@capability_required("release")
def release(request: HttpRequest, conviction_id: int) -> HttpResponse:
    return _perform(
        request,
        conviction_id,
        forms.ActionForm(request.POST),
        "plain",
        lambda d: services.conviction_release(
            actor=request.user,
            conviction_id=conviction_id,
            expected_version=d["version"],
            request=request,
        ),
        "Released for export.",
    )


@require_POST
@capability_required("decide")
def claim(request: HttpRequest, conviction_id: int) -> HttpResponse:
    return _perform(
        request,
        conviction_id,
        forms.ActionForm(request.POST),
        "plain",
        lambda d: services.conviction_claim(
            actor=request.user, conviction_id=conviction_id, request=request
        ),
        "You are now reviewing this conviction.",
    )


@require_POST
@capability_required("assign")
def assign(request: HttpRequest, conviction_id: int) -> HttpResponse:
    return _perform(
        request,
        conviction_id,
        forms.AssignForm(request.POST, reviewers=reviewer_choices(request.user)),
        "assign",
        lambda d: services.conviction_assign(
            actor=request.user,
            conviction_id=conviction_id,
            reviewer_id=d["reviewer"],
            expected_version=d["version"],
            request=request,
        ),
        "Conviction assigned.",
    )


@require_POST
@capability_required("object")
def raise_objection(request: HttpRequest, conviction_id: int) -> HttpResponse:
    return _perform(
        request,
        conviction_id,
        forms.ObjectionForm(request.POST),
        "raise_objection",
        lambda d: services.objection_raise(
            actor=request.user,
            conviction_id=conviction_id,
            note=d["note"],
            expected_version=d["version"],
            request=request,
        ),
        "Objection raised. Export of this conviction waits for a DA response.",
    )


@require_POST
@capability_required("decide")
def respond(request: HttpRequest, conviction_id: int) -> HttpResponse:
    return _perform(
        request,
        conviction_id,
        forms.RespondForm(request.POST),
        "respond",
        lambda d: services.objection_respond(
            actor=request.user,
            conviction_id=conviction_id,
            withdraw=d["response"] == "withdraw",
            note=d["note"],
            expected_version=d["version"],
            request=request,
        ),
        "Response to the objection recorded.",
    )


@require_POST
@capability_required("comment")
def comment(request: HttpRequest, conviction_id: int) -> HttpResponse:
    return _perform(
        request,
        conviction_id,
        forms.CommentForm(request.POST),
        "comment",
        lambda d: services.comment_add(
            actor=request.user, conviction_id=conviction_id, body=d["body"], request=request
        ),
        "Comment added.",
    )


@require_POST
@capability_required("comment")
def person_comment(request: HttpRequest, conviction_id: int) -> HttpResponse:
    """A comment on the person of this conviction (shown with each of their convictions)."""
    conviction = _conviction_or_404(request, conviction_id)
    return _perform(
        request,
        conviction_id,
        forms.CommentForm(request.POST),
        "comment",
        lambda d: services.comment_add(
            actor=request.user, subject_id=conviction.subject_id, body=d["body"], request=request
        ),
        "Comment on the person added.",
    )


@require_http_methods(["GET", "POST"])
@capability_required("decide")
def bulk(request: HttpRequest) -> HttpResponse:
    """Bulk action on a selection (ids) or everything matching the filter: confirm, then apply.

    GET shows how many convictions would change and their outcomes; POST applies it. Who may:
    supervisors, and the county's DA reviewers when a supervisor allowed it (county settings).
    """
    allowed = selectors.bulk_actions_for(user=request.user)
    if not allowed:
        raise PermissionDenied
    data = request.POST if request.method == "POST" else request.GET
    action = data.get("action", "")
    if action not in BULK_LABELS:
        return render(request, "review/bulk_confirm.html", {"invalid": True}, status=400)
    if action not in allowed:
        raise PermissionDenied
    _filterset, qs = _filtered(request, data)
    ids = [int(i) for i in data.getlist("ids") if i.isdigit()]
    if ids:
        qs = qs.filter(pk__in=ids)
    query = _filter_query(data)
    back = reverse("review:queue") + (f"?{query}" if query else "")
    if request.method == "POST":
        result = services.conviction_bulk_decide(
            actor=request.user,
            convictions=qs,
            action=action,
            request=request,
        )
        verb = "marked not challenged" if action == wf.NOT_CHALLENGE else "released for export"
        messages.success(
            request,
            f"{result.changed} conviction(s) {verb}."
            + (
                f" {result.skipped} left as they were (already decided, under objection, or "
                "being changed by someone else)."
                if result.skipped
                else ""
            ),
        )
        return redirect(back)
    states = list(wf.RULES[action].moves)
    eligible = (
        qs.filter(review_state__in=states)
        .exclude(Exists(Objection.objects.open().filter(conviction_id=OuterRef("pk"))))
        .order_by()
        .values_list("current_determination__outcome")
        .annotate(n=Count("id"))
    )
    by_outcome = [(OUTCOMES.get(o or "", o or "No determination"), n) for o, n in eligible]
    return render(
        request,
        "review/bulk_confirm.html",
        {
            "action": action,
            "action_label": BULK_LABELS[action],
            "by_outcome": by_outcome,
            "changing": sum(n for _, n in by_outcome),
            "selected": qs.count(),
            "ids": ids,
            "filters": [(k, v) for k in FILTER_KEYS for v in data.getlist(k) if v],
            "back": back,
        },
    )


#: the DOJ columns a person's timeline shows (never SSN, driver licence or FBI number)
TIMELINE_COLUMNS = {
    "cycle": "CYC_ORDER",
    "cycle_date": "CYC_DATE",
    "event": "STP_TYPE_DESCR",
    "agency": "STP_ORI_DESCR",
    "county": "STP_ORI_CNTY_NAME",
    "count": "CNT_ORDER",
    "disp_date": "DISP_DATE",
    "offense": "OFFENSE_DESCR",
    "offense_code": "OFFENSE_CODE",
    "conviction": "CONV_OFFENSE_DESCR",
    "disposition": "DISP_DESCR",
    "sentence_place": "SENT_LOC_DESCR",
    "sentence_length": "SENT_LENGTH",
    "sentence_unit": "SENT_TIME_DESCR",
}


@require_GET
@capability_required("view_cases")
def person(request: HttpRequest, subject_id: int) -> HttpResponse:
    """A person's whole DOJ record as a timeline, their Prop 64 convictions and comments."""
    try:
        subject = selectors.subject_get(user=request.user, subject_id=subject_id)
    except ObjectDoesNotExist:
        raise Http404("No such person") from None
    convictions = list(
        selectors.queue_for(user=request.user).filter(subject_id=subject.pk).order_by("date", "id")
    )
    evidence = {
        (e.get("file"), e.get("line")): e.get("role", "")
        for c in convictions
        if c.current_determination
        for e in c.current_determination.evidence
    }
    timeline = []
    cycle = None
    for row in selectors.history_rows_of(subject=subject):
        values = {k: row.values[INDEX[col]] for k, col in TIMELINE_COLUMNS.items()}
        values["new_cycle"] = values["cycle"] != cycle
        cycle = values["cycle"]
        values["evidence"] = evidence.get((row.file_number, row.line), "")
        values["ref"] = f"{row.file_number}:{row.line}"
        timeline.append(values)
    audit_record(
        action="subject.viewed",
        request=request,
        object_type="cases.subject",
        object_id=subject.pk,
        county=request.user.county,
    )
    return render(
        request,
        "review/person.html",
        {
            "subject": subject,
            "convictions": convictions,
            "timeline": timeline,
            "comments": selectors.comments_for(user=request.user).filter(subject=subject),
        },
    )


@require_http_methods(["GET", "POST"])
@capability_required("review_settings")
def county_settings(request: HttpRequest) -> HttpResponse:
    """The county's review settings, kept by its DA supervisors (who may take bulk decisions)."""
    current = selectors.county_settings_of(user=request.user)
    if request.method == "POST":
        form = forms.CountySettingsForm(request.POST)
        if form.is_valid():
            saved = services.county_settings_update(
                actor=request.user,
                reviewers_may_bulk=form.cleaned_data["reviewers_may_bulk"],
                request=request,
            )
            if saved.reviewers_may_bulk == current.reviewers_may_bulk:
                messages.info(request, "Nothing changed.")
            elif saved.reviewers_may_bulk:
                messages.success(request, "DA reviewers of the county may now take bulk decisions.")
            else:
                messages.success(request, "Bulk decisions are now for supervisors only.")
            return redirect("review:settings")
    else:
        form = forms.CountySettingsForm(initial={"reviewers_may_bulk": current.reviewers_may_bulk})
    return render(request, "review/settings.html", {"form": form, "current": current})
