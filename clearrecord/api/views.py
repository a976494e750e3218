"""The API (version 1). Every view uses the same selectors and services as the pages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response


@extend_schema(
    responses=inline_serializer(
        "Me",
        {
            "username": serializers.CharField(),
            "role": serializers.CharField(),
            "county": serializers.CharField(),
        },
    )
)
@api_view(["GET"])
def me(request: Request) -> Response:
    """Who the credentials act as: proves a token works without touching any record."""
    user = request.user
    return Response({"username": user.username, "role": user.role, "county": user.county})
