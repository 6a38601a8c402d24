from django.apps import AppConfig


class PupilsConfig(AppConfig):
    name = "pupils"

    def ready(self):
        from sendsupport import panels

        from .panels import my_pupils_panel

        panels.register("home", my_pupils_panel)
