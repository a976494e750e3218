"""REST API for uploads: `POST /api/v1/uploads/` (multipart) and `GET /api/v1/uploads/{id}/`.

County-scoped through the same selectors as the pages (another county's upload is a 404) and
the same service as the upload form. Domain errors map to HTTP here, once.
"""

from __future__ import annotations

import json
from typing import Any

from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clearrecord.accounts.policy import can
from eligibility.rules import OptionsError

from . import selectors, services
from .errors import IntakeError
from .models import Upload


class CanUpload(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return can(request.user, "upload")


class UploadSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()

    class Meta:
        model = Upload
        fields = [
            "id", "county", "status", "phase", "created_at", "finished_at", "compute_at",
            "rule_set", "options", "options_digest", "attempts", "progress", "counts",
            "warnings", "error", "files",
        ]  # fmt: skip

    def get_progress(self, obj: Upload) -> dict[str, Any]:
        return {
            "done": obj.progress_done,
            "total": obj.progress_total,
            "unit": obj.progress_unit,
            "percent": obj.percent,
        }

    def get_counts(self, obj: Upload) -> dict[str, int]:
        return {
            "lines": obj.physical_lines,
            "rows": obj.data_rows,
            "quarantined": obj.quarantined,
            "subjects": obj.subjects_total,
            "convictions": obj.convictions_total,
            "prop64_convictions": obj.prop64_convictions,
            "relevant_convictions": obj.relevant_convictions,
        }

    def get_error(self, obj: Upload) -> dict[str, str] | None:
        if not obj.error_code or obj.status != "failed":
            return None
        return {"code": obj.error_code, "message": obj.error_message}

    def get_files(self, obj: Upload) -> list[dict[str, Any]]:
        return [
            {"number": f.number, "name": f.original_name, "size": f.size, "sha256": f.sha256}
            for f in obj.files.all()
        ]


class UploadCreateInput(serializers.Serializer):
    compute_at = serializers.DateField()
    rule_set = serializers.ChoiceField(choices=["statutory", "bear", "la_pilot_2019"])
    options = serializers.CharField(required=False, allow_blank=True)


class UploadListCreate(APIView):
    permission_classes = [CanUpload]
    parser_classes = [MultiPartParser]

    def get(self, request: Request) -> Response:
        uploads = selectors.upload_list(user=request.user).prefetch_related("files")[:100]
        return Response(UploadSerializer(uploads, many=True).data)

    def post(self, request: Request) -> Response:
        files = request.FILES.getlist("files")  # parses the body: streams files to disk
        if getattr(request._request, "upload_too_large", False):
            return Response({"detail": "The file is larger than the upload limit."}, status=413)
        data = UploadCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        raw = data.validated_data.get("options") or ""
        try:
            options = json.loads(raw) if raw.strip() else None
        except ValueError:
            return Response({"detail": "options must be a JSON object"}, status=400)
        try:
            upload = services.upload_create(
                user=request.user,
                compute_at=data.validated_data["compute_at"],
                rule_set=data.validated_data["rule_set"],
                options=options,
                files=files,
                request=request._request,
            )
        except OptionsError as exc:
            return Response({"detail": str(exc)}, status=400)
        except IntakeError as exc:
            return Response({"detail": str(exc)}, status=exc.status)
        return Response(UploadSerializer(upload).data, status=status.HTTP_201_CREATED)


class UploadDetail(APIView):
    permission_classes = [CanUpload]

    def get(self, request: Request, upload_id: int) -> Response:
        upload = selectors.upload_get(user=request.user, upload_id=upload_id)
        return Response(UploadSerializer(upload).data)
