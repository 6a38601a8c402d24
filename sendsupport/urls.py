from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from plans.views.step_in import step_in_find

from . import views

# The admin's own login would bypass allauth's 2FA and rate limits.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("staff/", include("accounts.urls")),
    path("pupils/", include("pupils.urls")),
    path("health/", views.health, name="health"),
    path("inbox/<int:notification_id>/open/", views.notification_open, name="notification_open"),
    path("pupils/<int:pupil_id>/", include("plans.urls")),
    path("step-in/", step_in_find, name="step_in_find"),
    path("incidents/", include("incidents.urls")),
    path("incidents/<int:incident_id>/restrictive/", include("restrictive.urls")),
    path("safeguarding/", include("safeguarding.urls")),
    path("interventions/", include("interventions.urls")),
    path("care/", include("care.urls")),
    path("personal-care/", include("personalcare.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("reviews/", include("reviews.urls")),
    path("trust-admin/", admin.site.urls),
]

handler403 = "sendsupport.views.forbidden"
handler404 = "sendsupport.views.not_found"
