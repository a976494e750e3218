"""WSGI entry point (gunicorn clearrecord.wsgi:application)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clearrecord.settings")
application = get_wsgi_application()
