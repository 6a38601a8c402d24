from django.urls import path

from . import views

app_name = "care"
urlpatterns = [
    path("due/", views.due_now, name="due"),
    path("medicines/<int:medicine_id>/give/", views.give, name="give"),
    path("doses/<int:administration_id>/", views.dose, name="dose"),
    path("doses/<int:administration_id>/witness/", views.witness, name="witness"),
    path("doses/<int:administration_id>/parent-told/", views.parent_told, name="parent_told"),
    path("exceptions/", views.exceptions, name="exceptions"),
    path("stock/", views.stock, name="stock"),
    path("batches/<int:batch_id>/check/", views.stock_check, name="stock_check"),
    path("batches/<int:batch_id>/return/", views.batch_return, name="batch_return"),
    path("pupils/<int:pupil_id>/", views.pupil, name="pupil"),
    path("pupils/<int:pupil_id>/plan/", views.plan, name="plan"),
    path("pupils/<int:pupil_id>/plan/edit/", views.plan_edit, name="plan_edit"),
    path("pupils/<int:pupil_id>/plan/sign-off/", views.plan_sign_off, name="plan_sign_off"),
    path("pupils/<int:pupil_id>/medicines/new/", views.medicine_edit, name="medicine_new"),
    path("medicines/<int:medicine_id>/edit/", views.medicine_edit, name="medicine_edit"),
    path("medicines/<int:medicine_id>/receive/", views.receive, name="receive"),
    path("medicines/<int:medicine_id>/renew-agreement/", views.medicine_renew, name="medicine_renew"),
]
