"""Top-level URLs. Every view requires sign-in unless marked @login_not_required."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from clearrecord.accounts import views as account_views

admin.site.site_header = "ClearRecord administration"
admin.site.site_title = "ClearRecord"
admin.site.login = account_views.LoginView.as_view()  # one sign-in page, one audit path

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("clearrecord.accounts.urls")),
    path("system/", include("clearrecord.system.urls")),
    path("audit/", include("clearrecord.audit.urls")),
    path("uploads/", include("clearrecord.intake.urls")),
    path("api/v1/uploads/", include("clearrecord.intake.api_urls")),
    path("review/", include("clearrecord.review.urls")),
    path("reports/", include("clearrecord.reports.urls")),
    path("batches/", include("clearrecord.exports.urls")),
    path("api/v1/", include("clearrecord.review.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("clearrecord.api.urls")),
    path("api/v1/", include("clearrecord.exports.api_urls")),
    path("admin/", admin.site.urls),
]

handler403 = "clearrecord.system.views.permission_denied"
handler404 = "clearrecord.system.views.page_not_found"
handler500 = "clearrecord.system.views.server_error"
