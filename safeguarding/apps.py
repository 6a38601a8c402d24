from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "safeguarding"
    # Who sees its rows (concerns) in a pupil's history and "who viewed" list.
    history_ability = "read_safeguarding"
    verbose_name = "Safeguarding"

    def ready(self):
        from sendsupport import panels

        from .panels import home_panel, incident_panel, pupil_panel

        panels.register("home", home_panel)  # the team: counts; everyone else: "Raise a concern"
        panels.register("pupil", pupil_panel)  # the team: open concerns and the chronology
        panels.register("incident", incident_panel)  # raise about this incident; the team: linked concerns
