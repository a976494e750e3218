"""ClearRecord's eligibility engine: pure Python, no Django, Celery, DRF or clearrecord imports.

It never reads the clock, settings, environment or database: everything is an argument.
"""
