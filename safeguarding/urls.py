"""Safeguarding: mounted at /safeguarding/ (sendsupport/urls.py)."""

from django.urls import path

from . import views

app_name = "safeguarding"
urlpatterns = [
    # Everyone on the staff
    path("raise/", views.raise_concern, name="raise"),
    path("raised/<int:concern_id>/", views.received, name="received"),
    path("mine/", views.raised_by_me, name="mine"),
    # The safeguarding team (DSL and deputies)
    path("concerns/", views.concern_list, name="list"),
    path("concerns/<int:concern_id>/", views.concern_detail, name="detail"),
    path("concerns/<int:concern_id>/<str:kind>/", views.record, name="record"),
    path("pupils/<int:pupil_id>/chronology/", views.chronology, name="chronology"),
]
