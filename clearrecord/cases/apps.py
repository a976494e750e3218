from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "clearrecord.cases"
    label = "cases"
    verbose_name = "Cases"
