from django.urls import path

from . import views
from .urls_alerts import urlpatterns as alert_urls

app_name = "dashboards"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("export/<slug:key>.csv", views.overview_csv, name="overview_csv"),
    path("pupils/<int:pupil_id>/", views.pupil, name="pupil"),
    path("pupils/<int:pupil_id>/export/<slug:key>.csv", views.pupil_csv, name="pupil_csv"),
    *alert_urls,
]
