from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    """SENCo analytics and pattern alerts: reads the day-to-day records, aggregating in PostgreSQL."""

    name = "dashboards"
    # Who sees its rows (pattern alerts) in a pupil's history and "who viewed" list.
    history_ability = "view_school_dashboard"

    def ready(self):
        from . import panels

        panels.register()  # pupil page: a link to the pupil's behaviour patterns
