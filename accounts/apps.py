from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from sendsupport import panels

        from .panels import school_admin_panel

        panels.register("home", school_admin_panel)
