from django.apps import AppConfig


class RestrictiveConfig(AppConfig):
    name = "restrictive"
    verbose_name = "Restrictive interventions"
