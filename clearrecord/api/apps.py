from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "clearrecord.api"
    label = "api"
    verbose_name = "API"
