"""Plans of one pupil: mounted under /pupils/<pupil_id>/ (see sendsupport/urls.py)."""

from django.urls import path

from .views import behaviour, evidence, plans, reviews, step_in

app_name = "plans"
urlpatterns = [
    # EHCP and SEN support plans: outcomes, targets, provision, versions
    path("plans/", plans.pupil_plans, name="pupil_plans"),
    path("plans/new/<str:kind>/", plans.plan_create, name="plan_create"),
    path("plans/<int:plan_id>/", plans.plan_detail, name="plan_detail"),
    path("plans/<int:plan_id>/edit/", plans.plan_edit, name="plan_edit"),
    path("plans/<int:plan_id>/amend/", plans.plan_amend, name="plan_amend"),
    path("plans/<int:plan_id>/sign-off/", plans.plan_sign_off, name="plan_sign_off"),
    path("plans/<int:plan_id>/outcomes/new/", plans.outcome_create, name="outcome_create"),
    path("plans/<int:plan_id>/outcomes/<int:outcome_id>/edit/", plans.outcome_edit, name="outcome_edit"),
    path("plans/<int:plan_id>/provision/new/", plans.provision_create, name="provision_create"),
    path("plans/<int:plan_id>/provision/<int:provision_id>/edit/", plans.provision_edit, name="provision_edit"),
    # Progress evidence
    path("progress/", evidence.pupil_progress, name="pupil_progress"),
    path("outcomes/<int:outcome_id>/", evidence.outcome_detail, name="outcome_detail"),
    path("outcomes/<int:outcome_id>/evidence/", evidence.evidence_add, name="evidence_add"),
    path("evidence-files/<int:file_id>/", evidence.evidence_file, name="evidence_file"),
    # Annual reviews
    path("reviews/new/", reviews.review_create, name="review_create"),
    path("reviews/<int:review_id>/", reviews.review_detail, name="review_detail"),
    path("reviews/<int:review_id>/edit/", reviews.review_edit, name="review_edit"),
    # Behaviour support plans, positive-handling plans and their risk assessments
    path("behaviour/new/", behaviour.bsp_create, name="bsp_create"),
    path("behaviour/<int:plan_id>/", behaviour.bsp_detail, name="bsp_detail"),
    path("behaviour/<int:plan_id>/edit/", behaviour.bsp_edit, name="bsp_edit"),
    path("behaviour/<int:plan_id>/amend/", behaviour.bsp_amend, name="bsp_amend"),
    path("behaviour/<int:plan_id>/sign-off/", behaviour.bsp_sign_off, name="bsp_sign_off"),
    path("handling/new/", behaviour.php_create, name="php_create"),
    path("handling/<int:plan_id>/", behaviour.php_detail, name="php_detail"),
    path("handling/<int:plan_id>/edit/", behaviour.php_edit, name="php_edit"),
    path("handling/<int:plan_id>/amend/", behaviour.php_amend, name="php_amend"),
    path("handling/<int:plan_id>/sign-off/", behaviour.php_sign_off, name="php_sign_off"),
    # Before you step in (and break-glass access outside one's caseload)
    path("step-in/", step_in.step_in, name="step_in"),
]
