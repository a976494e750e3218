from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("lockouts/", views.lockout_list, name="lockouts"),
    path("lockouts/<int:pk>/release/", views.lockout_release, name="lockout_release"),
]
