from django.apps import AppConfig


class PupilsConfig(AppConfig):
    name = "pupils"

    def ready(self):
        from sendsupport import panels
        from sendsupport.sections import register_pack_section

        from . import pack
        from .panels import my_pupils_panel

        panels.register("home", my_pupils_panel)
        register_pack_section("profile", "One-page profile", 10, pack.pack_section)
