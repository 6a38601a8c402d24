from django.urls import path

from . import views

urlpatterns = [
    path("bare/<int:school_id>/pupils/", views.pupil_list, name="bare_list"),
    path("bare/pupils/<int:pupil_id>/", views.pupil_detail, name="bare_detail"),
]
