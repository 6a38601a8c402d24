from django.apps import AppConfig


class PersonalCareConfig(AppConfig):
    """Intimate and personal care plans and logs: read only by staff named on the plan, the SENCo
    and the DSL team, so they live apart from the medication records."""

    name = "personalcare"
    verbose_name = "Intimate and personal care"
