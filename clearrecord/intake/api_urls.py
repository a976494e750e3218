from django.urls import path

from . import api

app_name = "intake_api"
urlpatterns = [
    path("", api.UploadListCreate.as_view(), name="uploads"),
    path("<int:upload_id>/", api.UploadDetail.as_view(), name="upload"),
]
