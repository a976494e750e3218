from django.urls import path

from . import views

app_name = "system"
urlpatterns = [path("health/", views.health, name="health")]
