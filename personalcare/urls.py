from django.urls import path

from . import views

app_name = "personalcare"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("pupil/<int:pupil_id>/", views.pupil_care, name="pupil"),
    path("pupil/<int:pupil_id>/log/", views.log_care, name="log"),
    path("pupil/<int:pupil_id>/plan/new/", views.plan_create, name="plan_new"),
    path("log/<int:pk>/", views.log_detail, name="log_detail"),
    path("log/<int:pk>/addendum/", views.log_addendum, name="log_addendum"),
    path("plan/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plan/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plan/<int:pk>/sign-off/", views.plan_sign_off, name="plan_sign_off"),
    path("plan/<int:pk>/amend/", views.plan_amend, name="plan_amend"),
]
