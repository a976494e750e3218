from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "clearrecord.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from . import schema  # noqa: F401  (registers the Bearer scheme with drf-spectacular)
