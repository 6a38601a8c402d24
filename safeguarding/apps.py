from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "safeguarding"
    verbose_name = "Safeguarding"

    def ready(self):
        from sendsupport import panels

        from .panels import home_panel, incident_panel, pupil_panel

        panels.register("home", home_panel)  # the team: counts; everyone else: "Raise a concern"
        panels.register("pupil", pupil_panel)  # the team: open concerns and the chronology
        panels.register("incident", incident_panel)  # raise about this incident; the team: linked concerns
