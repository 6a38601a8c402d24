"""Pattern alerts pages (appended to the "dashboards" namespace by dashboards/urls.py)."""

from django.urls import path

from . import views_alerts

urlpatterns = [
    path("alerts/", views_alerts.alert_list, name="alerts"),
    path("alerts/<int:alert_id>/", views_alerts.alert_detail, name="alert"),
]
