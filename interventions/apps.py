from django.apps import AppConfig


class InterventionsConfig(AppConfig):
    name = "interventions"
    # Who sees its rows (groups, placements and therapy programmes) in a pupil's history and "who viewed" list.
    history_ability = "read_interventions"

    def ready(self):
        from sendsupport.sections import register_pack_section

        from . import pack, panels_placements, panels_sessions

        panels_placements.register()  # pupil page: current interventions and therapy programmes
        panels_sessions.register()  # home page: my sessions today
        register_pack_section("interventions", "Interventions and therapy programmes", 50, pack.pack_section)
