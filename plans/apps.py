from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"

    def ready(self):
        from sendsupport import panels

        from .panels_step_in import step_in_button

        panels.register("pupil", step_in_button)
