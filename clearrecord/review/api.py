"""The review API (DRF): the same selectors, filters and services as the pages.

List and detail are GETs; every action is a POST to its own URL carrying the version the client
saw. Domain errors become HTTP statuses in `exception_handler` (409 for a stale or refused
transition, with the state the conviction is in now).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, permissions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from clearrecord.accounts.policy import can
from clearrecord.audit.services import audit_record
from clearrecord.cases.models import Conviction

from . import selectors, services
from . import workflow as wf
from .errors import InvalidInput, ReviewError, StaleState, http_status
from .filters import ConvictionFilter
from .models import Comment, Decision, Objection


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Domain errors to HTTP, once: 400 / 403 / 409 with a machine-readable body."""
    if isinstance(exc, ReviewError):
        body: dict[str, Any] = {"error": type(exc).__name__, "detail": str(exc)}
        if isinstance(exc, StaleState):
            body |= {"current_state": exc.current_state, "current_version": exc.current_version}
        if isinstance(exc, InvalidInput):
            body["field"] = exc.field
        return Response(body, status=http_status(exc))
    if isinstance(exc, ObjectDoesNotExist):
        return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    return drf_exception_handler(exc, context)


class HasCapability(permissions.BasePermission):
    """`capability` on the view, read from accounts.policy (403 otherwise)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return can(request.user, getattr(view, "capability", ""))


# Serializers ----------------------------------------------------------------------------------
class SubjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    cii = serializers.CharField()
    dob = serializers.DateField(allow_null=True)


class DeterminationSerializer(serializers.Serializer):
    outcome = serializers.CharField()
    rule_id = serializers.CharField()
    reason = serializers.CharField()
    citation = serializers.CharField()
    remedy = serializers.CharField()
    flags = serializers.ListField(child=serializers.CharField())


class DeterminationDetailSerializer(DeterminationSerializer):
    explanation = serializers.CharField()
    remedy_citation = serializers.CharField()
    evidence = serializers.JSONField()


class ConvictionSerializer(serializers.ModelSerializer):
    subject = SubjectSerializer()
    determination = DeterminationSerializer(source="current_determination", allow_null=True)
    has_open_objection = serializers.BooleanField()
    reviewer_id = serializers.SerializerMethodField()

    class Meta:
        model = Conviction
        fields = [
            "id",
            "subject",
            "upload_id",
            "court_case",
            "section",
            "code_section",
            "level",
            "date",
            "review_state",
            "version",
            "needs_attention",
            "has_open_objection",
            "reviewer_id",
            "determination",
        ]

    def get_reviewer_id(self, obj: Conviction) -> int | None:
        assignment = getattr(obj, "assignment", None)
        return assignment.reviewer_id if assignment else None


class DecisionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username")

    class Meta:
        model = Decision
        fields = ["action", "from_state", "to_state", "version", "ground", "remedy", "note"]
        fields += ["actor", "at", "bulk"]


class ObjectionSerializer(serializers.ModelSerializer):
    raised_by = serializers.CharField(source="raised_by.username")
    responded_by = serializers.CharField(source="responded_by.username", allow_null=True)

    class Meta:
        model = Objection
        fields = ["id", "decision_state", "note", "raised_by", "raised_at", "status"]
        fields += ["response_note", "responded_by", "responded_at"]


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username")

    class Meta:
        model = Comment
        fields = ["id", "conviction_id", "subject_id", "author", "body", "at"]


class ConvictionDetailSerializer(ConvictionSerializer):
    determination = DeterminationDetailSerializer(source="current_determination", allow_null=True)
    allowed_actions = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()
    objections = serializers.SerializerMethodField()
    comments = serializers.SerializerMethodField()

    class Meta(ConvictionSerializer.Meta):
        fields = [*ConvictionSerializer.Meta.fields, "allowed_actions", "history"]
        fields += ["objections", "comments"]

    def get_allowed_actions(self, obj: Conviction) -> list[str]:
        role = self.context["request"].user.role
        return wf.allowed_actions(obj.review_state, role, has_open_objection=obj.has_open_objection)

    def get_history(self, obj: Conviction) -> list[dict[str, Any]]:
        return DecisionSerializer(selectors.history_of(conviction=obj), many=True).data

    def get_objections(self, obj: Conviction) -> list[dict[str, Any]]:
        rows = obj.objections.select_related("raised_by", "responded_by")
        return ObjectionSerializer(rows, many=True).data

    def get_comments(self, obj: Conviction) -> list[dict[str, Any]]:
        user = self.context["request"].user
        rows = selectors.comments_for(user=user).filter(conviction=obj)
        return CommentSerializer(rows, many=True).data


class MovedSerializer(serializers.Serializer):
    conviction_id = serializers.IntegerField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    version = serializers.IntegerField()


class VersionIn(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The version you decided on; a different current version is 409"
    )


class ChallengeIn(VersionIn):
    ground = serializers.ChoiceField(choices=list(wf.GROUNDS.items()))
    note = serializers.CharField(max_length=wf.NOTE_MAX_LENGTH)


class ModifyIn(VersionIn):
    remedy = serializers.ChoiceField(choices=list(wf.REMEDIES.items()))
    note = serializers.CharField(max_length=wf.NOTE_MAX_LENGTH)


class NoteIn(VersionIn):
    note = serializers.CharField(max_length=wf.NOTE_MAX_LENGTH)


class RespondIn(VersionIn):
    response = serializers.ChoiceField(choices=["withdraw", "maintain"])
    note = serializers.CharField(max_length=wf.NOTE_MAX_LENGTH, required=False, default="")


class CommentIn(serializers.Serializer):
    body = serializers.CharField(max_length=wf.NOTE_MAX_LENGTH)
    on = serializers.ChoiceField(choices=["conviction", "person"], default="conviction")


class BulkIn(serializers.Serializer):
    action = serializers.ChoiceField(choices=[wf.NOT_CHALLENGE, wf.RELEASE])
    ids = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="A selection; without it, everything matching the query-string filter",
    )


class BulkOut(serializers.Serializer):
    action = serializers.CharField()
    changed = serializers.IntegerField()
    skipped = serializers.IntegerField()


# Views ----------------------------------------------------------------------------------------
class QueuePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class QueryStringFilters(DjangoFilterBackend):
    """The queue's filters from the query string, except the free-text search: names, CIIs and
    dates of birth never travel in a URL (they are POSTed to the search endpoint instead)."""

    def get_filterset_kwargs(self, request: Request, queryset: Any, view: Any) -> dict[str, Any]:
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        data = kwargs["data"].copy()
        data.pop("q", None)
        if getattr(view, "search_text", ""):
            data["q"] = view.search_text
        kwargs["data"] = data
        return kwargs


class ConvictionList(generics.ListAPIView):
    """The review queue: the county's convictions, with the queue page's filters."""

    capability = "view_cases"
    permission_classes = [HasCapability]
    serializer_class = ConvictionSerializer
    pagination_class = QueuePagination
    filter_backends = [QueryStringFilters]
    filterset_class = ConvictionFilter
    search_text = ""

    def get_queryset(self) -> QuerySet[Conviction]:
        return selectors.queue_for(user=self.request.user)


class SearchIn(serializers.Serializer):
    q = serializers.CharField(max_length=200, help_text="Name, CII, court case, case number or DOB")


class ConvictionSearch(ConvictionList):
    """Search the queue: the text in the body, the other filters and the page in the query."""

    @extend_schema(request=SearchIn, responses=ConvictionSerializer(many=True))
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = SearchIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        self.search_text = incoming.validated_data["q"]
        return self.list(request, *args, **kwargs)


class ConvictionDetail(generics.RetrieveAPIView):
    """One conviction with its determination, history, objections and comments (audited)."""

    capability = "view_cases"
    permission_classes = [HasCapability]
    serializer_class = ConvictionDetailSerializer
    lookup_url_kwarg = "conviction_id"

    def get_queryset(self) -> QuerySet[Conviction]:
        return selectors.queue_for(user=self.request.user)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        audit_record(
            action="conviction.viewed",
            request=request,
            object_type=services.CONVICTION,
            object_id=kwargs["conviction_id"],
            county=request.user.county,
            detail={"api": True},
        )
        return response


class _Action(APIView):
    """POST one action on one conviction; 200 with the move, or the mapped domain error."""

    permission_classes = [HasCapability]
    capability = "decide"
    input_class: type[serializers.Serializer] = VersionIn

    def perform(self, request: Request, conviction_id: int, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def post(self, request: Request, conviction_id: int) -> Response:
        # Another county's conviction is a 404 before anything about the request is judged.
        selectors.conviction_get(user=request.user, conviction_id=conviction_id)
        incoming = self.input_class(data=request.data)
        incoming.is_valid(raise_exception=True)
        moved = self.perform(request, conviction_id, incoming.validated_data)
        return Response(MovedSerializer(moved).data)


def _action(
    name: str,
    capability: str,
    input_class: type[serializers.Serializer],
    perform: Any,
    summary: str,
) -> type[_Action]:
    decorated = extend_schema(
        request=input_class,
        responses={200: MovedSerializer, 400: None, 403: None, 404: None, 409: None},
        summary=summary,
    )

    class View(_Action):
        def perform(self, request: Request, conviction_id: int, data: dict[str, Any]) -> Any:
            return perform(request, conviction_id, data)

        @decorated
        def post(self, request: Request, conviction_id: int) -> Response:
            return super().post(request, conviction_id)

    View.capability = capability
    View.input_class = input_class
    View.__name__ = View.__qualname__ = name
    return View


NotChallengeAction = _action(
    "NotChallengeAction",
    "decide",
    VersionIn,
    lambda r, pk, d: services.conviction_not_challenge(
        actor=r.user, conviction_id=pk, expected_version=d["version"], request=r
    ),
    "Not challenged: relief as determined",
)
ChallengeAction = _action(
    "ChallengeAction",
    "decide",
    ChallengeIn,
    lambda r, pk, d: services.conviction_challenge(
        actor=r.user,
        conviction_id=pk,
        ground=d["ground"],
        note=d["note"],
        expected_version=d["version"],
        request=r,
    ),
    "Challenge relief on a ground, with a note",
)
ModifyAction = _action(
    "ModifyAction",
    "decide",
    ModifyIn,
    lambda r, pk, d: services.conviction_modify(
        actor=r.user,
        conviction_id=pk,
        remedy=d["remedy"],
        note=d["note"],
        expected_version=d["version"],
        request=r,
    ),
    "Grant relief with another remedy, with a note",
)
UndoAction = _action(
    "UndoAction",
    "decide",
    VersionIn,
    lambda r, pk, d: services.conviction_undo(
        actor=r.user, conviction_id=pk, expected_version=d["version"], request=r
    ),
    "Undo a DA decision before export",
)
ReleaseAction = _action(
    "ReleaseAction",
    "release",
    VersionIn,
    lambda r, pk, d: services.conviction_release(
        actor=r.user, conviction_id=pk, expected_version=d["version"], request=r
    ),
    "Release a decision for export (DA supervisor)",
)
ObjectAction = _action(
    "ObjectAction",
    "object",
    NoteIn,
    lambda r, pk, d: services.objection_raise(
        actor=r.user, conviction_id=pk, note=d["note"], expected_version=d["version"], request=r
    ),
    "Raise an objection to the DA decision (public defender)",
)
RespondAction = _action(
    "RespondAction",
    "decide",
    RespondIn,
    lambda r, pk, d: services.objection_respond(
        actor=r.user,
        conviction_id=pk,
        withdraw=d["response"] == "withdraw",
        note=d["note"],
        expected_version=d["version"],
        request=r,
    ),
    "Respond to the open objection: withdraw, or maintain with a note",
)


class ClaimAction(APIView):
    permission_classes = [HasCapability]
    capability = "decide"

    @extend_schema(
        request=None,
        responses={200: inline_serializer("Claimed", {"reviewer_id": serializers.IntegerField()})},
        summary="Claim a conviction for your review",
    )
    def post(self, request: Request, conviction_id: int) -> Response:
        assignment = services.conviction_claim(
            actor=request.user, conviction_id=conviction_id, request=request
        )
        return Response({"reviewer_id": assignment.reviewer_id})


class AssignIn(VersionIn):
    reviewer_id = serializers.IntegerField(help_text="A DA (reviewer or supervisor) of your county")


class AssignAction(APIView):
    """A DA supervisor assigns the conviction to a DA of the county (the page's service)."""

    permission_classes = [HasCapability]
    capability = "assign"

    @extend_schema(
        request=AssignIn,
        responses={
            200: inline_serializer(
                "Assigned",
                {
                    "conviction_id": serializers.IntegerField(),
                    "reviewer_id": serializers.IntegerField(),
                },
            ),
            400: None,
            403: None,
            404: None,
            409: None,
        },
        summary="Assign a conviction to a DA of your county (DA supervisor)",
    )
    def post(self, request: Request, conviction_id: int) -> Response:
        # Another county's conviction is a 404 before anything about the request is judged.
        selectors.conviction_get(user=request.user, conviction_id=conviction_id)
        incoming = AssignIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        assignment = services.conviction_assign(
            actor=request.user,
            conviction_id=conviction_id,
            reviewer_id=incoming.validated_data["reviewer_id"],
            expected_version=incoming.validated_data["version"],
            request=request,
        )
        return Response(
            {"conviction_id": assignment.conviction_id, "reviewer_id": assignment.reviewer_id}
        )


class CommentAction(APIView):
    permission_classes = [HasCapability]
    capability = "comment"

    @extend_schema(request=CommentIn, responses={201: CommentSerializer}, summary="Comment")
    def post(self, request: Request, conviction_id: int) -> Response:
        conviction = selectors.conviction_get(user=request.user, conviction_id=conviction_id)
        incoming = CommentIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        if data["on"] == "person":
            comment = services.comment_add(
                actor=request.user,
                subject_id=conviction.subject_id,
                body=data["body"],
                request=request,
            )
        else:
            comment = services.comment_add(
                actor=request.user, conviction_id=conviction_id, body=data["body"], request=request
            )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class MayBulkDecide(permissions.BasePermission):
    """Supervisors, and DA reviewers where the county's settings allow it (403 otherwise)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return selectors.may_bulk_decide(user=request.user)


class BulkAction(APIView):
    """Apply an action to a selection (`ids`) or to everything matching the query-string filter."""

    permission_classes = [MayBulkDecide]

    @extend_schema(request=BulkIn, responses={200: BulkOut}, summary="Bulk action")
    def post(self, request: Request) -> Response:
        incoming = BulkIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        params = request.query_params.copy()
        params.pop("q", None)  # never a search text from a URL
        filterset = ConvictionFilter(
            params,
            queryset=selectors.queue_for(user=request.user),
            user=request.user,
        )
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        qs = filterset.qs
        if ids := incoming.validated_data.get("ids"):
            qs = qs.filter(pk__in=ids)
        result = services.conviction_bulk_decide(
            actor=request.user,
            convictions=qs,
            action=incoming.validated_data["action"],
            request=request,
        )
        return Response(BulkOut(result).data)
