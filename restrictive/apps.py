from django.apps import AppConfig


class RestrictiveConfig(AppConfig):
    name = "restrictive"
    verbose_name = "Restrictive interventions"

    def ready(self):
        from sendsupport import panels

        from .panels import home_panel, incident_panel, pupil_panel

        panels.register("incident", incident_panel)  # the incident's records, duties, "record it" button
        panels.register("home", home_panel)  # SENCo and senior leaders: open duties across the school
        panels.register("pupil", pupil_panel)  # restrictive interventions this term
