from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("otp/", views.otp_verify, name="otp"),
    path("otp/enrol/", views.otp_enrol, name="otp_enrol"),
    path("otp/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("lockouts/", views.lockout_list, name="lockouts"),
    path("lockouts/<int:pk>/release/", views.lockout_release, name="lockout_release"),
]
