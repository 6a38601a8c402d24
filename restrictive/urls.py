"""Restrictive-intervention records of one incident: mounted at /incidents/<incident_id>/restrictive/."""

from django.urls import path

from . import views

app_name = "restrictive"
urlpatterns = [
    path("new/", views.record, name="record"),
    path("<int:ri_id>/", views.detail, name="detail"),
    path("<int:ri_id>/debrief/", views.debrief, name="debrief"),
    path("<int:ri_id>/parents/", views.parent_report, name="parent_report"),
    path("<int:ri_id>/sign-off/", views.sign_off, name="sign_off"),
    path("<int:ri_id>/letter.pdf", views.parent_letter, name="letter"),
]
