from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "clearrecord.audit"
    label = "audit"
    verbose_name = "Audit log"
