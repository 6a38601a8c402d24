from django.apps import AppConfig


class InterventionsConfig(AppConfig):
    name = "interventions"

    def ready(self):
        from . import panels_placements, panels_sessions

        panels_placements.register()  # pupil page: current interventions and therapy programmes
        panels_sessions.register()  # home page: my sessions today
