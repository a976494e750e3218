from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("whatif/", views.whatif, name="whatif"),
    path("uploads/<int:upload_id>/whatif/", views.whatif_trial, name="whatif_trial"),
    path("evaluations/<int:evaluation_id>/progress/", views.trial_progress, name="trial_progress"),
    path("evaluations/<int:evaluation_id>/", views.dashboard, name="dashboard"),
    path(
        "evaluations/<int:evaluation_id>/impact-report.pdf",
        views.impact_report,
        name="impact_report",
    ),
    path("evaluations/<int:evaluation_id>/statistics.csv", views.export_csv, name="export_csv"),
    path("evaluations/<int:evaluation_id>/statistics.json", views.export_json, name="export_json"),
]
