from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.staff_list, name="staff_list"),
    path("invite/", views.staff_invite, name="staff_invite"),
    path("<int:membership_id>/", views.staff_detail, name="staff_detail"),
    path("<int:membership_id>/deactivate/", views.staff_deactivate, name="staff_deactivate"),
    path("<int:membership_id>/reactivate/", views.staff_reactivate, name="staff_reactivate"),
    path("<int:membership_id>/reset-2fa/", views.staff_reset_2fa, name="staff_reset_2fa"),
    path("switch-school/", views.switch_school, name="switch_school"),
    path("school-setup/", views.school_setup, name="school_setup"),
    path("invite/<uidb64>/<token>/", views.AcceptInviteView.as_view(), name="accept_invite"),
]
