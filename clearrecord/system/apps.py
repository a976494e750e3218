from django.apps import AppConfig


class SystemConfig(AppConfig):
    name = "clearrecord.system"
    label = "system"
    verbose_name = "System"
