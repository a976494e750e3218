"""The project's URLs plus one polling view, for the session-limit tests."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from clearrecord.accounts.session_limits import polling_endpoint
from clearrecord.urls import urlpatterns as project_urlpatterns


@polling_endpoint
def progress(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"done": 1, "total": 2})


urlpatterns = [*project_urlpatterns, path("test-progress/", progress, name="test_progress")]
