"""Behaviour support plans (BSP) and positive-handling plans (PHP, with the risk assessment and the
staff trained to use its techniques). Drafted and signed off by plan editors once the parents have
agreed; a change after sign-off is a new version (amend), and earlier versions stay readable. Staff
who support the pupil read the plan, on a phone if need be."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.access import Ability
from sendsupport.audit import log_access
from sendsupport.decorators import school_required

from .. import selectors_behaviour as selectors
from .. import services, services_behaviour
from ..access import plan_object, pupil_for_plans
from ..forms_behaviour import BehaviourSupportPlanForm, PositiveHandlingPlanForm, RiskFormSet
from ..models import BehaviourSupportPlan, PositiveHandlingPlan, VersionStatus

FIX_BELOW = "Some details need correcting: see the messages next to the fields. Nothing was saved."
LABELS = {BehaviourSupportPlan: "behaviour support plan", PositiveHandlingPlan: "positive-handling plan"}
EDIT_URLS = {BehaviourSupportPlan: "plans:bsp_edit", PositiveHandlingPlan: "plans:php_edit"}


def _for_editing(request, pupil_id):
    """The pupil, if this person may edit plans (404 out of scope, then 403 without the ability)."""
    return pupil_for_plans(request, pupil_id, ability=Ability.EDIT_PLANS)


def _edit_url(plan) -> str:
    return reverse(EDIT_URLS[type(plan)], args=[plan.pupil_id, plan.pk])


def _refused_unless_draft(request, pupil, plan):
    """None for a draft; otherwise a message and a redirect to the plan (it is signed off, or the
    pupil has left and their records are read-only)."""
    if pupil.is_archived:
        messages.error(request, f"{pupil.display_name} is archived: their plans are read-only.")
        return redirect(plan)
    if not plan.is_draft:
        messages.error(request, f"Version {plan.version} is {plan.get_status_display().lower()} and can't be "
                                "changed. Use \"Amend (new version)\" to make changes.")
        return redirect(plan)
    return None


def _refused_to_start(request, pupil, model):
    """One plan of each kind per pupil in practice: with a draft, carry on with it; with a version
    in force, amend that one. None when a new plan may be started."""
    label = LABELS[model]
    if pupil.is_archived:
        messages.error(request, f"{pupil.display_name} is archived: their plans are read-only.")
        return redirect(pupil)
    current = list(model.objects.filter(pupil=pupil).exclude(status=VersionStatus.SUPERSEDED)
                   .only("id", "pupil_id", "status", "version"))
    draft = next((p for p in current if p.is_draft), None)
    if draft is not None:
        messages.info(request, f"There is already a draft {label} (version {draft.version}): carry on with it here.")
        return redirect(_edit_url(draft))
    if current:
        messages.info(request, f"{pupil.display_name} has a {label} in force. To change it, use "
                               "\"Amend (new version)\": it stays in force until the new version is signed off.")
        return redirect(current[0])
    return None


def _sign_off(request, pupil, plan, render_detail):
    if refused := _refused_unless_draft(request, pupil, plan):
        return refused
    try:
        plan = services.put_in_force(plan=plan, acting_user=request.user)
    except ValidationError as exc:
        # Shown on the plan itself, next to the sign-off button, with what to do about each reason.
        return render_detail(request, pupil, plan.pk, sign_off_errors=exc.messages, status=400)
    messages.success(request, f"Version {plan.version} of the {LABELS[type(plan)]} is now in force. "
                              "Earlier versions are kept, read-only.")
    return redirect(plan)


def _amend(request, pupil, plan):
    if pupil.is_archived:
        messages.error(request, f"{pupil.display_name} is archived: their plans are read-only.")
        return redirect(plan)
    if plan.is_draft:
        messages.info(request, "This version is still a draft: change it here.")
        return redirect(_edit_url(plan))
    if not plan.is_in_force:
        messages.error(request, f"Version {plan.version} is superseded. Amend the version in force instead.")
        return redirect(plan)
    draft = services.amend(plan=plan, acting_user=request.user)  # a second click finds the same draft
    messages.success(request, f"Version {draft.version} started as a draft, copied from version {plan.version}. "
                              f"Version {plan.version} stays in force until you sign this one off.")
    return redirect(_edit_url(draft))


def _detail_context(request, pupil, page, sign_off_errors):
    plan = page["plan"]
    can_edit = request.staff.can(Ability.EDIT_PLANS) and not pupil.is_archived
    # What still stands in the way of sign-off, said before the button is pressed (no query for BSP/PHP).
    readiness = services.readiness_errors(plan) if can_edit and plan.is_draft and not sign_off_errors else []
    return {"pupil": pupil, "can_edit": can_edit, "sign_off_errors": sign_off_errors, "readiness": readiness, **page}


# --- behaviour support plan ---------------------------------------------------------------------

def _bsp_form(request, pupil, plan, *, action):
    form = BehaviourSupportPlanForm(request.POST or None, instance=plan)
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.save_draft(form=form, acting_user=request.user, action=action)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Draft saved (version {saved.version}). Sign it off once the parents "
                                          "have agreed.")
                return redirect(saved)
        messages.error(request, FIX_BELOW)
    return render(request, "plans/behaviour/bsp_form.html", {"pupil": pupil, "plan": plan, "form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
@school_required
def bsp_create(request, pupil_id):
    pupil = _for_editing(request, pupil_id)
    return (_refused_to_start(request, pupil, BehaviourSupportPlan)
            or _bsp_form(request, pupil, BehaviourSupportPlan(pupil=pupil), action="bsp.create"))


@login_required
@school_required
def bsp_edit(request, pupil_id, plan_id):
    pupil = _for_editing(request, pupil_id)
    plan = plan_object(BehaviourSupportPlan, pupil, plan_id)
    log_access(request, action="plan.bsp.edit.view", pupil=pupil)
    return _refused_unless_draft(request, pupil, plan) or _bsp_form(request, pupil, plan, action="bsp.update")


def _render_bsp(request, pupil, plan_id, *, sign_off_errors=None, status=200):
    page = selectors.bsp_page(pupil, plan_id)
    log_access(request, action="plan.bsp.view", pupil=pupil)
    return render(request, "plans/behaviour/bsp_detail.html",
                  _detail_context(request, pupil, page, sign_off_errors), status=status)


@login_required
@school_required
def bsp_detail(request, pupil_id, plan_id):
    pupil = pupil_for_plans(request, pupil_id)
    return _render_bsp(request, pupil, plan_id)


@login_required
@school_required
@require_POST
def bsp_sign_off(request, pupil_id, plan_id):
    pupil = _for_editing(request, pupil_id)
    return _sign_off(request, pupil, plan_object(BehaviourSupportPlan, pupil, plan_id), _render_bsp)


@login_required
@school_required
@require_POST
def bsp_amend(request, pupil_id, plan_id):
    pupil = _for_editing(request, pupil_id)
    return _amend(request, pupil, plan_object(BehaviourSupportPlan, pupil, plan_id))


# --- positive-handling plan ---------------------------------------------------------------------

def _php_form(request, pupil, plan, *, action):
    data = request.POST or None
    staff = selectors.active_staff(request.staff.school)
    form = PositiveHandlingPlanForm(data, instance=plan, staff_queryset=staff)
    risks = RiskFormSet(data, instance=plan, prefix="risks")
    if request.method == "POST":
        plan_ok, risks_ok = form.is_valid(), risks.is_valid()  # both, so every message shows at once
        if plan_ok and risks_ok:
            try:
                saved = services_behaviour.save_handling_plan(form=form, risks_formset=risks,
                                                              acting_user=request.user, action=action)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if "add_risk" in request.POST:
                    messages.success(request, "Draft saved. Add the next risk below.")
                    return redirect(f"{_edit_url(saved)}#new-risk")
                messages.success(request, f"Draft saved (version {saved.version}) with its risk assessment. "
                                          "Sign it off once the parents have been consulted.")
                return redirect(saved)
        messages.error(request, FIX_BELOW)
    staff = list(staff)
    selected = form.selected_staff_ids()
    choices = selectors.staff_choices(staff, form["training_scheme"].value() or "")
    # Someone saved on the draft who has since left the school is dropped when it is saved again: say so.
    # Only ids already on the draft are named, so a posted stranger's id reveals nothing.
    saved_ids = set(plan.trained_staff.values_list("pk", flat=True)) if plan.pk else set()
    left_ids = (selected & saved_ids) - {u.pk for u in staff}
    return render(request, "plans/behaviour/php_form.html", {
        "pupil": pupil, "plan": plan, "form": form, "risks": risks, "selected": selected,
        "staff_trained": [c for c in choices if c.record is not None or c.user.pk in selected],
        "staff_other": [c for c in choices if c.record is None and c.user.pk not in selected],
        "staff_left": selectors.users_named(left_ids),
    }, status=400 if request.method == "POST" else 200)


@login_required
@school_required
def php_create(request, pupil_id):
    pupil = _for_editing(request, pupil_id)
    return (_refused_to_start(request, pupil, PositiveHandlingPlan)
            or _php_form(request, pupil, PositiveHandlingPlan(pupil=pupil), action="php.create"))


@login_required
@school_required
def php_edit(request, pupil_id, plan_id):
    pupil = _for_editing(request, pupil_id)
    plan = plan_object(PositiveHandlingPlan, pupil, plan_id)
    log_access(request, action="plan.php.edit.view", pupil=pupil)
    return _refused_unless_draft(request, pupil, plan) or _php_form(request, pupil, plan, action="php.update")


def _render_php(request, pupil, plan_id, *, sign_off_errors=None, status=200):
    page = selectors.php_page(pupil, plan_id)
    log_access(request, action="plan.php.view", pupil=pupil)
    return render(request, "plans/behaviour/php_detail.html",
                  _detail_context(request, pupil, page, sign_off_errors), status=status)


@login_required
@school_required
def php_detail(request, pupil_id, plan_id):
    pupil = pupil_for_plans(request, pupil_id)
    return _render_php(request, pupil, plan_id)


@login_required
@school_required
@require_POST
def php_sign_off(request, pupil_id, plan_id):
    pupil = _for_editing(request, pupil_id)
    return _sign_off(request, pupil, plan_object(PositiveHandlingPlan, pupil, plan_id), _render_php)


@login_required
@school_required
@require_POST
def php_amend(request, pupil_id, plan_id):
    pupil = _for_editing(request, pupil_id)
    return _amend(request, pupil, plan_object(PositiveHandlingPlan, pupil, plan_id))
