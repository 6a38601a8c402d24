from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"

    def ready(self):
        from sendsupport import panels

        from .panels_evidence import progress_panel
        from .panels_step_in import step_in_button

        panels.register("pupil", step_in_button)
        panels.register("pupil", progress_panel)
