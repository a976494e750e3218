"""The API (version 1). Every view uses the same selectors and services as the pages."""

from __future__ import annotations

from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response


@api_view(["GET"])
def me(request: Request) -> Response:
    """Who the credentials act as: proves a token works without touching any record."""
    user = request.user
    return Response({"username": user.username, "role": user.role, "county": user.county})
