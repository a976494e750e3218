from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("", views.batch_list, name="list"),
    path("build/", views.batch_build, name="build"),
    path("<int:batch_id>/", views.batch_detail, name="detail"),
    path("<int:batch_id>/download/<slug:kind>/", views.batch_download, name="download"),
]
