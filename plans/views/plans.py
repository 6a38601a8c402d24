"""EHCPs and SEN support plans: the pupil's plans page, one plan version whole, and the forms that
build a draft (the plan's own fields, outcomes with targets, provision linked to outcomes), put it
in force and amend it. Signed-off versions are read-only; a change is a new version."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.access import Ability
from pupils.models import Pupil
from sendsupport.audit import log_access
from sendsupport.decorators import school_required

from .. import selectors_plans as selectors
from .. import services, services_plans
from ..access import plan_object, pupil_for_plans
from ..forms_plans import PLAN_FORMS, OutcomeForm, ProvisionForm, TargetFormSet
from ..models import Outcome, Plan, Provision, VersionStatus

FIX_BELOW = "Some details need correcting: see the messages next to the fields. Nothing was saved."


def _for_editing(request, pupil_id):
    """The pupil, if this person may edit plans (404 out of scope, then 403 without the ability)."""
    return pupil_for_plans(request, pupil_id, ability=Ability.EDIT_PLANS)


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


@login_required
@school_required
def pupil_plans(request, pupil_id):
    pupil = pupil_for_plans(request, pupil_id)
    log_access(request, action="plans.list.view", pupil=pupil)
    return render(request, "plans/plans/pupil_plans.html", {
        "pupil": pupil, "can_edit": request.staff.can(Ability.EDIT_PLANS) and not pupil.is_archived,
        **selectors.pupil_plans_page(pupil),
    })


def _other_draft(pupil, kind):
    """A draft of this kind already started for the pupil. The pupil row is locked first so two
    "Save" clicks at once can't both start one (drafts of separate plans aren't a constraint)."""
    Pupil.objects.select_for_update().filter(pk=pupil.pk).values_list("pk", flat=True).first()
    return Plan.objects.filter(pupil=pupil, kind=kind, status=VersionStatus.DRAFT).first()


def _plan_form(request, pupil, plan, *, action):
    form = PLAN_FORMS[plan.kind](request.POST or None, instance=plan)
    if request.method == "POST":
        if form.is_valid():
            try:
                with transaction.atomic():
                    if plan.pk is None and (draft := _other_draft(pupil, plan.kind)):
                        messages.info(request, f"There is already a draft {plan.get_kind_display()}: "
                                               "carry on with it here.")
                        return redirect(draft)
                    saved = services.save_draft(form=form, acting_user=request.user, action=action)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"{saved.get_kind_display()} draft saved.")
                return redirect(saved)
        messages.error(request, FIX_BELOW)
    return render(request, "plans/plans/plan_form.html", {"pupil": pupil, "plan": plan, "form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
@school_required
def plan_create(request, pupil_id, kind):
    pupil = _for_editing(request, pupil_id)
    if kind not in Plan.Kind.values:
        raise Http404
    if pupil.is_archived:
        messages.error(request, f"{pupil.display_name} is archived: their plans are read-only.")
        return redirect("plans:pupil_plans", pupil.pk)
    label = Plan.Kind(kind).label
    existing = Plan.objects.filter(pupil=pupil, kind=kind).exclude(status="superseded").order_by("status").first()
    if existing is not None and existing.is_draft:
        messages.info(request, f"There is already a draft {label}: carry on with it here.")
        return redirect(existing)
    if existing is not None:
        messages.info(request, f"An {label} is in force: use \"Amend (new version)\" to change it.")
        return redirect(existing)
    return _plan_form(request, pupil, Plan(pupil=pupil, kind=kind), action="plan.create")


@login_required
@school_required
def plan_edit(request, pupil_id, plan_id):
    pupil = _for_editing(request, pupil_id)
    plan = plan_object(Plan, pupil, plan_id)
    log_access(request, action="plan.edit.view", pupil=pupil)
    return _refused_unless_draft(request, pupil, plan) or _plan_form(request, pupil, plan, action="plan.update")


def _render_detail(request, pupil, plan_id, *, sign_off_errors=None, status=200):
    page = selectors.plan_detail_page(pupil, plan_id)
    log_access(request, action="plan.view", pupil=pupil)
    can_edit = request.staff.can(Ability.EDIT_PLANS) and not pupil.is_archived
    plan = page["plan"]
    readiness = services.readiness_errors(plan) if can_edit and plan.is_draft else []
    return render(request, "plans/plans/plan_detail.html", {
        "pupil": pupil, "can_edit": can_edit, "readiness": readiness, "sign_off_errors": sign_off_errors, **page,
    }, status=status)


@login_required
@school_required
def plan_detail(request, pupil_id, plan_id):
    pupil = pupil_for_plans(request, pupil_id)
    return _render_detail(request, pupil, plan_id)


@login_required
@school_required
@require_POST
def plan_sign_off(request, pupil_id, plan_id):
    pupil = _for_editing(request, pupil_id)
    plan = plan_object(Plan, pupil, plan_id)
    if plan.is_in_force and not pupil.is_archived:
        messages.info(request, f"Version {plan.version} is already in force.")  # a second click
        return redirect(plan)
    if refused := _refused_unless_draft(request, pupil, plan):
        return refused
    try:
        plan = services.put_in_force(plan=plan, acting_user=request.user)
    except ValidationError as exc:
        # Shown on the plan itself, with what to do about each reason.
        return _render_detail(request, pupil, plan.pk, sign_off_errors=exc.messages, status=400)
    messages.success(request, f"{plan.get_kind_display()} version {plan.version} is now in force. "
                              "Earlier versions are kept, read-only.")
    return redirect(plan)


@login_required
@school_required
@require_POST
def plan_amend(request, pupil_id, plan_id):
    pupil = _for_editing(request, pupil_id)
    plan = plan_object(Plan, pupil, plan_id)
    if pupil.is_archived:
        messages.error(request, f"{pupil.display_name} is archived: their plans are read-only.")
        return redirect(plan)
    if plan.is_draft:
        messages.info(request, "This version is still a draft: change it here.")
        return redirect(plan)
    try:
        draft = services.amend(plan=plan, acting_user=request.user)
    except IntegrityError:  # two clicks at once both started the draft: the database kept one
        draft = Plan.objects.get(lineage=plan.lineage, status=VersionStatus.DRAFT)
    messages.success(request, f"Version {draft.version} started as a draft, copied from version {plan.version}. "
                              "The version in force stays in force until you put this one in force.")
    return redirect(draft)


def _outcome_form(request, pupil, plan, outcome):
    data = request.POST or None
    form = OutcomeForm(data, instance=outcome)
    outcome_date = form.cleaned_data.get("target_date") if form.is_bound and form.is_valid() else outcome.target_date
    targets = TargetFormSet(data, instance=outcome, prefix="targets", outcome_date=outcome_date)
    if request.method == "POST":
        if form.is_valid() and targets.is_valid():
            try:
                saved = services_plans.save_outcome(plan=plan, form=form, targets_formset=targets,
                                                    acting_user=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Outcome saved with its targets.")
                if "more" in request.POST:
                    return redirect("plans:outcome_edit", pupil.pk, plan.pk, saved.pk)
                return redirect(f"{plan.get_absolute_url()}#outcome-{saved.pk}")
        messages.error(request, FIX_BELOW)
    return render(request, "plans/plans/outcome_form.html", {
        "pupil": pupil, "plan": plan, "outcome": outcome, "form": form, "targets": targets,
    }, status=400 if request.method == "POST" else 200)


@login_required
@school_required
def outcome_create(request, pupil_id, plan_id):
    pupil = _for_editing(request, pupil_id)
    plan = plan_object(Plan, pupil, plan_id)
    return _refused_unless_draft(request, pupil, plan) or _outcome_form(request, pupil, plan, Outcome(plan=plan))


@login_required
@school_required
def outcome_edit(request, pupil_id, plan_id, outcome_id):
    pupil = _for_editing(request, pupil_id)
    plan = plan_object(Plan, pupil, plan_id)
    outcome = get_object_or_404(Outcome, pk=outcome_id, plan=plan)  # another plan's outcome: 404
    log_access(request, action="plan.outcome.edit.view", pupil=pupil)
    return _refused_unless_draft(request, pupil, plan) or _outcome_form(request, pupil, plan, outcome)


def _provision_form(request, pupil, plan, item):
    form = ProvisionForm(request.POST or None, instance=item, plan=plan)
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services_plans.save_provision(plan=plan, form=form, acting_user=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Provision saved.")
                return redirect(f"{plan.get_absolute_url()}#provision-{saved.pk}")
        messages.error(request, FIX_BELOW)
    return render(request, "plans/plans/provision_form.html", {
        "pupil": pupil, "plan": plan, "item": item, "form": form,
        "has_outcomes": bool(form.fields["outcomes"].numbers),
    }, status=400 if request.method == "POST" else 200)


@login_required
@school_required
def provision_create(request, pupil_id, plan_id):
    pupil = _for_editing(request, pupil_id)
    plan = plan_object(Plan, pupil, plan_id)
    return _refused_unless_draft(request, pupil, plan) or _provision_form(request, pupil, plan, Provision(plan=plan))


@login_required
@school_required
def provision_edit(request, pupil_id, plan_id, provision_id):
    pupil = _for_editing(request, pupil_id)
    plan = plan_object(Plan, pupil, plan_id)
    item = get_object_or_404(Provision, pk=provision_id, plan=plan)  # another plan's provision: 404
    log_access(request, action="plan.provision.edit.view", pupil=pupil)
    return _refused_unless_draft(request, pupil, plan) or _provision_form(request, pupil, plan, item)
