from django.urls import path

from . import views

urlpatterns = [
    path("bare/<int:school_id>/pupils/", views.pupil_list, name="bare_list"),
    path("bare/pupils/<int:pupil_id>/", views.pupil_detail, name="bare_detail"),
    path("bare/<int:school_id>/incidents/", views.incident_list, name="bare_incidents"),
    path("bare/<int:school_id>/<int:user_id>/incidents/new/", views.incident_new, name="bare_incident_new"),
    path("bare/incidents/<int:incident_id>/", views.incident_detail, name="bare_incident"),
]
