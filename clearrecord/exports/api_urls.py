"""Court exports API under /api/v1/ (Bearer or session; DRF answers anonymous with 401)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import api

app_name = "exports_api"


def _open(view_class):  # type: ignore[no-untyped-def]
    return login_not_required(view_class.as_view())


urlpatterns = [
    path("batches/", _open(api.BatchList), name="batch_list"),
    path("batches/build/", _open(api.BatchBuild), name="build"),
    path("batches/<int:batch_id>/", _open(api.BatchDetail), name="batch"),
    path("batches/<int:batch_id>/files/<slug:kind>/", _open(api.BatchDownload), name="download"),
    path("batches/<int:batch_id>/order/", _open(api.OrderRecord), name="order"),
    path("doj-report/", _open(api.DojReport), name="doj_report"),
    path("doj-report/mark-reported/", _open(api.DojMarkReported), name="doj_mark"),
]
