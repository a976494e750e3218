from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "clearrecord.reports"
    label = "reports"
    verbose_name = "Impact reports"
