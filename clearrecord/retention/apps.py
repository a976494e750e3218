from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "clearrecord.retention"
    label = "retention"
    verbose_name = "Retention"
