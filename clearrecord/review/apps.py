from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "clearrecord.review"
    label = "review"
    verbose_name = "Review"
