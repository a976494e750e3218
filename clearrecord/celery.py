"""The Celery app. Task arguments are ids only: never record contents (names, DOB, CII)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clearrecord.settings")

app = Celery("clearrecord")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
