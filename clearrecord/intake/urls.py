from django.urls import path

from . import views

app_name = "intake"
urlpatterns = [
    path("", views.upload_list, name="list"),
    path("new/", views.upload_new, name="new"),
    path("<int:upload_id>/", views.upload_detail, name="detail"),
    path("<int:upload_id>/progress/", views.upload_progress, name="progress"),
    path("<int:upload_id>/row-issues.csv", views.upload_issues_csv, name="issues_csv"),
    path("<int:upload_id>/reevaluate/", views.upload_reevaluate, name="reevaluate"),
]
