from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    """SENCo analytics and pattern alerts: reads the day-to-day records, aggregating in PostgreSQL."""

    name = "dashboards"
