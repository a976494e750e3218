from django.urls import path

from . import views

app_name = "review"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("search/", views.search, name="search"),
    path("settings/", views.county_settings, name="settings"),
    path("convictions/<int:conviction_id>/", views.conviction_detail, name="conviction"),
    path("people/<int:subject_id>/", views.person, name="person"),
    path(
        "convictions/<int:conviction_id>/not-challenge/",
        views.not_challenge,
        name="not_challenge",
    ),
    path("convictions/<int:conviction_id>/challenge/", views.challenge, name="challenge"),
    path("convictions/<int:conviction_id>/modify/", views.modify, name="modify"),
    path("convictions/<int:conviction_id>/undo/", views.undo, name="undo"),
    path("convictions/<int:conviction_id>/release/", views.release, name="release"),
    path("convictions/<int:conviction_id>/claim/", views.claim, name="claim"),
    path("convictions/<int:conviction_id>/assign/", views.assign, name="assign"),
    path("convictions/<int:conviction_id>/object/", views.raise_objection, name="object"),
    path("convictions/<int:conviction_id>/respond/", views.respond, name="respond"),
    path("convictions/<int:conviction_id>/comment/", views.comment, name="comment"),
    path(
        "convictions/<int:conviction_id>/person-comment/",
        views.person_comment,
        name="person_comment",
    ),
]
