from django.urls import path

from . import views

app_name = "pupils"
urlpatterns = [
    path("", views.pupil_list, name="list"),
    path("new/", views.pupil_create, name="create"),
    path("<int:pupil_id>/", views.pupil_detail, name="detail"),
    path("<int:pupil_id>/one-page/", views.pupil_one_page, name="one_page"),
    path("<int:pupil_id>/photo/", views.pupil_photo, name="photo"),
    path("<int:pupil_id>/edit/", views.pupil_edit, name="edit"),
    path("<int:pupil_id>/archive/", views.pupil_archive, name="archive"),
    path("<int:pupil_id>/history/", views.pupil_history, name="history"),
    path("<int:pupil_id>/viewers/", views.pupil_viewers, name="viewers"),
]
