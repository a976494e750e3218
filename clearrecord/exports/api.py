"""The court exports API (DRF): batches, their files, court orders and the DOJ report.

The same selectors and services as the pages. Export domain errors become HTTP here (400 / 403
/ 409 with a machine-readable body); another county's batch is a 404.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.http import Http404, HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clearrecord.review.api import HasCapability

from . import doj, selectors, services
from .errors import ExportError
from .models import CourtOrder, ExportBatch, OrderOutcome
from .views import DOWNLOADS, file_response

ERRORS = {400: None, 403: None, 404: None, 409: None}


def _error(error: ExportError) -> Response:
    body: dict[str, Any] = {"error": type(error).__name__, "detail": str(error)}
    if field := getattr(error, "field", None):
        body["field"] = field
    return Response(body, status=error.http_status)


def _batch_or_404(request: Request, batch_id: int) -> ExportBatch:
    try:
        return selectors.batch_get(user=request.user, batch_id=batch_id)
    except ObjectDoesNotExist as error:
        raise Http404 from error


# Serializers ----------------------------------------------------------------------------------
class BatchSerializer(serializers.ModelSerializer):
    built_by = serializers.CharField(source="built_by.username")

    class Meta:
        model = ExportBatch
        fields = ["id", "county", "built_by", "built_at", "filters", "status", "progress"]
        fields += ["conviction_count", "challenged_count", "files_written_at"]


FILE_FIELDS = {
    "court": "court_csv_sha256",
    "challenges": "challenges_csv_sha256",
    "order": "order_pdf_sha256",
}
BatchFile = inline_serializer(
    "BatchFile", {"kind": serializers.CharField(), "sha256": serializers.CharField()}, many=True
)
OrderCounts = inline_serializer(
    "BatchOrderCounts",
    {name: serializers.IntegerField() for name in ("ordered", "waiting", *OrderOutcome.values)},
)


class BatchDetailSerializer(BatchSerializer):
    files = serializers.SerializerMethodField(help_text="Files ready to download")
    orders = serializers.SerializerMethodField(help_text="Court orders recorded, by outcome")

    class Meta(BatchSerializer.Meta):
        fields = [*BatchSerializer.Meta.fields, "files", "orders"]

    @extend_schema_field(BatchFile)
    def get_files(self, obj: ExportBatch) -> list[dict[str, str]]:
        if obj.status != "ready":
            return []
        return [
            {"kind": kind, "sha256": getattr(obj, FILE_FIELDS[kind])}
            for kind in DOWNLOADS
            if kind in FILE_FIELDS
        ]

    @extend_schema_field(OrderCounts)
    def get_orders(self, obj: ExportBatch) -> dict[str, int]:
        return selectors.order_counts(batch=obj)


class BuildIn(serializers.Serializer):
    section = serializers.ChoiceField(
        choices=sorted(services.FILTERS["section"][1] or ()), required=False
    )
    level = serializers.ChoiceField(
        choices=sorted(services.FILTERS["level"][1] or ()), required=False
    )
    upload = serializers.IntegerField(required=False, help_text="Only this upload's convictions")


class OrderLineIn(serializers.Serializer):
    conviction_id = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=OrderOutcome.choices)
    note = serializers.CharField(max_length=1000, required=False, default="", allow_blank=True)


class OrderIn(serializers.Serializer):
    order_date = serializers.DateField()
    judge = serializers.CharField(max_length=200)
    order_number = serializers.CharField(max_length=64)
    outcome = serializers.ChoiceField(
        choices=OrderOutcome.choices,
        required=False,
        help_text="Outcome for the convictions the DA did not challenge",
    )
    note = serializers.CharField(max_length=1000, required=False, default="", allow_blank=True)
    challenged_outcome = serializers.ChoiceField(
        choices=OrderOutcome.choices,
        required=False,
        help_text="The court's ruling on the challenged convictions (granted: challenge "
        "overruled; denied: sustained). Required when the order covers a challenged conviction.",
    )
    challenged_note = serializers.CharField(
        max_length=1000, required=False, default="", allow_blank=True
    )
    conviction_ids = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Only these convictions of the batch; without it, every one still waiting",
    )
    lines = OrderLineIn(many=True, required=False, help_text="Outcomes per conviction")


class CourtOrderSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username")

    class Meta:
        model = CourtOrder
        fields = ["id", "batch_id", "order_date", "judge", "order_number", "recorded_by"]
        fields += ["recorded_at", "line_count"]


class DojRowSerializer(serializers.Serializer):
    conviction_id = serializers.IntegerField()
    batch_id = serializers.IntegerField()
    cii = serializers.CharField()
    subject_id = serializers.CharField(help_text="DOJ subject id")
    name = serializers.CharField()
    dob = serializers.CharField()
    cases = serializers.CharField(help_text="Court case number(s)")
    count = serializers.CharField()
    code_section = serializers.CharField()
    date = serializers.CharField(help_text="Conviction date")
    order_date = serializers.CharField()
    order_number = serializers.CharField()
    outcome = serializers.ChoiceField(choices=OrderOutcome.choices)
    relief = serializers.CharField(help_text="Relief granted")
    statute = serializers.CharField(help_text="Remedy statute")
    note = serializers.CharField()


class MarkIn(serializers.Serializer):
    conviction_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="A selection"
    )
    all = serializers.BooleanField(required=False, default=False, help_text="Every one waiting")
    up_to = serializers.IntegerField(
        required=False, help_text="With `all`: only up to this report line (`line_id`) seen"
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "conviction_ids" not in attrs and not attrs.get("all"):
            raise serializers.ValidationError("give conviction_ids, or all: true")
        return attrs


# Views ----------------------------------------------------------------------------------------
class BatchPagination(PageNumberPagination):
    page_size = 25


class BatchList(generics.ListAPIView):
    """The county's batches, newest first."""

    capability = "download_batch"
    permission_classes = [HasCapability]
    serializer_class = BatchSerializer
    pagination_class = BatchPagination

    def get_queryset(self) -> QuerySet[ExportBatch]:
        return selectors.batches_for(user=self.request.user)


class BatchBuild(APIView):
    """Build a batch from everything ready for export (DA supervisor), optionally filtered."""

    capability = "build_batch"
    permission_classes = [HasCapability]

    @extend_schema(
        request=BuildIn, responses={201: BatchSerializer, **ERRORS}, summary="Build a batch"
    )
    def post(self, request: Request) -> Response:
        incoming = BuildIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            batch = services.batch_build(
                user=request.user, filters=dict(incoming.validated_data), request=request
            )
        except ExportError as error:
            return _error(error)
        return Response(BatchSerializer(batch).data, status=status.HTTP_201_CREATED)


class BatchDetail(APIView):
    capability = "download_batch"
    permission_classes = [HasCapability]

    @extend_schema(responses={200: BatchDetailSerializer, 404: None}, summary="One batch")
    def get(self, request: Request, batch_id: int) -> Response:
        return Response(BatchDetailSerializer(_batch_or_404(request, batch_id)).data)


class BatchDownload(APIView):
    capability = "download_batch"
    permission_classes = [HasCapability]

    @extend_schema(
        parameters=None,
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            404: None,
        },
        summary="Download a file of the batch (streamed; kind: court, challenges or order)",
    )
    def get(self, request: Request, batch_id: int, kind: str) -> HttpResponseBase:
        return file_response(request, _batch_or_404(request, batch_id), kind)


class OrderRecord(APIView):
    """Record the court's order for the batch, or for some of its convictions (court clerk)."""

    capability = "record_order"
    permission_classes = [HasCapability]

    @extend_schema(
        request=OrderIn,
        responses={201: CourtOrderSerializer, **ERRORS},
        summary="Record the court order",
    )
    def post(self, request: Request, batch_id: int) -> Response:
        batch = _batch_or_404(request, batch_id)  # another county's batch: 404 first
        incoming = OrderIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        overrides = {
            line["conviction_id"]: (line["outcome"], line["note"]) for line in data.get("lines", [])
        }
        try:
            order = services.order_record(
                user=request.user,
                batch_id=batch.pk,
                order_date=data["order_date"],
                judge=data["judge"],
                order_number=data["order_number"],
                outcome=data.get("outcome"),
                note=data["note"],
                challenged_outcome=data.get("challenged_outcome"),
                challenged_note=data["challenged_note"],
                overrides=overrides,
                conviction_ids=data.get("conviction_ids"),
                request=request,
            )
        except ExportError as error:
            return _error(error)
        return Response(CourtOrderSerializer(order).data, status=status.HTTP_201_CREATED)


class DojPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class DojReport(generics.ListAPIView):
    """Ordered convictions of the county not yet reported to DOJ, oldest order first."""

    capability = "record_order"
    permission_classes = [HasCapability]
    serializer_class = DojRowSerializer
    pagination_class = DojPagination

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.doj_pending(user=self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = doj.rows(page or [])
        return self.get_paginated_response(DojRowSerializer(rows, many=True).data)


class DojMarkReported(APIView):
    capability = "record_order"
    permission_classes = [HasCapability]

    @extend_schema(
        request=MarkIn,
        responses={
            200: inline_serializer("Reported", {"marked": serializers.IntegerField()}),
            **ERRORS,
        },
        summary="Mark ordered convictions as reported to DOJ",
    )
    def post(self, request: Request) -> Response:
        incoming = MarkIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            marked = services.doj_mark_reported(
                user=request.user,
                conviction_ids=data.get("conviction_ids"),
                up_to_line=data.get("up_to"),
                request=request,
            )
        except ExportError as error:
            return _error(error)
        return Response({"marked": marked})
