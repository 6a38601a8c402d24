"""Sessions and impact (mounted in the "interventions" namespace by urls.py)."""

from django.urls import path

from .views import impact, sessions

urlpatterns = [
    path("today/", sessions.today, name="today"),
    path("groups/<int:group_id>/sessions/", sessions.history, name="session_history"),
    path("groups/<int:group_id>/sessions/<str:date>/", sessions.record, name="session_record"),
    path("impact/", impact.dashboard, name="impact"),
]
