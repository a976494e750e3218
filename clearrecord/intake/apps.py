from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "clearrecord.intake"
    label = "intake"
    verbose_name = "Uploads"
