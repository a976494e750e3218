"""The project's URLs plus one open API view, to prove the anonymous rate."""

from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from clearrecord.urls import urlpatterns as project_urlpatterns


@api_view(["GET"])
@permission_classes([AllowAny])
def open_view(request):
    return Response({"ok": True})


urlpatterns = [*project_urlpatterns, path("api/v1/open/", open_view)]
