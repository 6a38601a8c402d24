"""Routes for the catalogue, groups, placements, provision maps and therapy programmes (helper A);
interventions/urls.py joins these with the sessions routes under the "interventions" namespace."""

from django.urls import path

from .views import catalogue, placements, programmes

urlpatterns = [
    path("", catalogue.home, name="home"),
    path("catalogue/", catalogue.catalogue_list, name="catalogue"),
    path("catalogue/new/", catalogue.catalogue_create, name="catalogue_create"),
    path("catalogue/<int:pk>/edit/", catalogue.catalogue_edit, name="catalogue_edit"),
    path("groups/", placements.group_list, name="groups"),
    path("groups/new/", placements.group_create, name="group_create"),
    path("groups/<int:pk>/", placements.group_detail, name="group"),
    path("groups/<int:pk>/edit/", placements.group_edit, name="group_edit"),
    path("groups/<int:pk>/end/", placements.group_end, name="group_end"),
    path("groups/<int:pk>/reopen/", placements.group_reopen, name="group_reopen"),
    path("groups/<int:pk>/pupils/add/", placements.placement_add, name="placement_add"),
    path("placements/<int:pk>/", placements.placement_detail, name="placement"),
    path("placements/<int:pk>/scores/", placements.placement_scores, name="placement_scores"),
    path("placements/<int:pk>/review/", placements.placement_review, name="placement_review"),
    path("placements/<int:pk>/end/", placements.placement_end, name="placement_end"),
    path("provision-map/", placements.school_map, name="school_map"),
    path("pupils/<int:pupil_id>/provision/", placements.pupil_map, name="pupil_map"),
    path("programmes/", programmes.programme_list, name="programmes"),
    path("programmes/new/", programmes.programme_create, name="programme_create"),
    path("programmes/<int:pk>/", programmes.programme_detail, name="programme"),
    path("programmes/<int:pk>/edit/", programmes.programme_edit, name="programme_edit"),
    path("programmes/<int:pk>/end/", programmes.programme_end, name="programme_end"),
    path("programmes/<int:pk>/reopen/", programmes.programme_reopen, name="programme_reopen"),
    path("programmes/<int:pk>/log/", programmes.delivery_add, name="delivery_add"),
    path("programmes/<int:pk>/report/", programmes.programme_report, name="programme_report"),
]
