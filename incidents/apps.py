from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self):
        from sendsupport import panels

        from .panels import home_panel, pupil_behaviour_panel

        panels.register("home", home_panel)  # log button, unfinished reports, incidents to review
        panels.register("pupil", pupil_behaviour_panel)
