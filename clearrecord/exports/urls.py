from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("", views.batch_list, name="list"),
    path("build/", views.batch_build, name="build"),
    path("<int:batch_id>/", views.batch_detail, name="detail"),
    path("<int:batch_id>/download/<slug:kind>/", views.batch_download, name="download"),
    path("<int:batch_id>/order/", views.order_record, name="order"),
    path("<int:batch_id>/order/search/", views.order_search, name="order_search"),
    path("doj-report/", views.doj_report, name="doj_report"),
    path("doj-report/mark/", views.doj_mark_reported, name="doj_mark"),
    path("doj-report.csv", views.doj_report_csv, name="doj_report_csv"),
]
