"""Review API under /api/v1/. Sign-in is checked by DRF (403 for anonymous), not by redirects."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import api

app_name = "review_api"


def _open(view_class):  # type: ignore[no-untyped-def]
    return login_not_required(view_class.as_view())


urlpatterns = [
    path("convictions/", _open(api.ConvictionList), name="conviction_list"),
    path("convictions/bulk/", _open(api.BulkAction), name="bulk"),
    path("convictions/search/", _open(api.ConvictionSearch), name="search"),
    path("convictions/<int:conviction_id>/", _open(api.ConvictionDetail), name="conviction"),
    path(
        "convictions/<int:conviction_id>/not-challenge/",
        _open(api.NotChallengeAction),
        name="not_challenge",
    ),
    path(
        "convictions/<int:conviction_id>/challenge/",
        _open(api.ChallengeAction),
        name="challenge",
    ),
    path("convictions/<int:conviction_id>/modify/", _open(api.ModifyAction), name="modify"),
    path("convictions/<int:conviction_id>/undo/", _open(api.UndoAction), name="undo"),
    path("convictions/<int:conviction_id>/release/", _open(api.ReleaseAction), name="release"),
    path("convictions/<int:conviction_id>/claim/", _open(api.ClaimAction), name="claim"),
    path("convictions/<int:conviction_id>/assign/", _open(api.AssignAction), name="assign"),
    path("convictions/<int:conviction_id>/object/", _open(api.ObjectAction), name="object"),
    path("convictions/<int:conviction_id>/respond/", _open(api.RespondAction), name="respond"),
    path("convictions/<int:conviction_id>/comment/", _open(api.CommentAction), name="comment"),
]
