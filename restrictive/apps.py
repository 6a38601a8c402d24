from django.apps import AppConfig


class RestrictiveConfig(AppConfig):
    name = "restrictive"
    # Who sees its rows (restrictive interventions) in a pupil's history and "who viewed" list.
    history_ability = "read_incidents"
    verbose_name = "Restrictive interventions"

    def ready(self):
        from sendsupport import panels
        from sendsupport.sections import register_pack_section

        from .pack import restrictive_section
        from .panels import home_panel, incident_panel, pupil_panel

        panels.register("incident", incident_panel)  # the incident's records, duties, "record it" button
        panels.register("home", home_panel)  # SENCo and senior leaders: open duties across the school
        panels.register("pupil", pupil_panel)  # restrictive interventions this term
        register_pack_section("restrictive", "Restrictive interventions", 40, restrictive_section)
