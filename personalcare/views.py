"""Pages for intimate and personal care. Every page starts from the access helpers in
selectors.py: someone who may not read a pupil's care records gets a 404 (whether or not a plan
exists); someone who may read but not do the thing gets a 403. Every read is logged, without the
pupil on the access-log row (the path names the pupil or record): a pupil's "who viewed this
record" page is read by senior leaders, who must not learn from it that intimate care records
exist (as safeguarding does)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_POST

from accounts.access import Ability
from sendsupport.audit import log_access
from sendsupport.decorators import school_required

from . import selectors, services
from .forms import CareLogForm, CarePlanForm
from .models import CarePlan

LOG_LIMIT = 30  # the pupil's care page lists the latest logs; older ones stay in the record
FIX_BELOW = "Some details need correcting: see the messages next to the fields. Nothing was saved."


def _errors_onto(form, exc: ValidationError, *, rename=None) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            field = (rename or {}).get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
@school_required
def plan_list(request):
    staff = request.staff
    rows = selectors.plan_list(staff)
    if not rows and not selectors.reads_all(staff):
        raise Http404  # nothing names this person: the page does not exist for them
    log_access(request, action="personalcare.list")
    return render(request, "personalcare/list.html", {
        "rows": rows, "reads_all": selectors.reads_all(staff), "manage": selectors.may_manage(staff),
        "today": timezone.localdate()})


@login_required
@school_required
def pupil_care(request, pupil_id):
    staff = request.staff
    pupil = selectors.get_pupil_for(staff, pupil_id)
    log_access(request, action="personalcare.pupil.view")
    page = selectors.pupil_page(pupil, log_limit=LOG_LIMIT)
    if not selectors.reads_all(staff):
        page["versions"], page["draft"] = [], None  # named staff work from the version in force
    elif not selectors.may_manage(staff):  # the DSL: drafts are the SENCo's work in progress
        page["versions"], page["draft"] = [v for v in page["versions"] if not v.is_draft], None
    return render(request, "personalcare/pupil.html", {
        "pupil": pupil, **page, "manage": selectors.may_manage(staff) and not pupil.is_archived,
        "may_log": selectors.is_named(staff, page["plan"]) and not pupil.is_archived,
        "today": timezone.localdate(), "log_limit": LOG_LIMIT,
        "reads_concerns": staff.can(Ability.READ_SAFEGUARDING)})


@login_required
@school_required
def log_care(request, pupil_id):
    """The phone-first quick log: the plan's key points on top, then care given, second adult,
    anything noticed, Save."""
    staff = request.staff
    pupil = selectors.get_pupil_for(staff, pupil_id)
    plan = selectors.in_force_plan(pupil)
    if not selectors.is_named(staff, plan) or pupil.is_archived:
        raise PermissionDenied  # reads the records, but this plan does not name them
    log_access(request, action="personalcare.log.form")
    named, others = selectors.second_adult_choices(staff, plan)
    form = CareLogForm(request.POST or None, named=named, others=others)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                log = services.record_care(
                    staff=staff, pupil=pupil, occurred_at=data["occurred_at"], care_given=data["care_given"],
                    care_notes=data["care_notes"], second_adult=data["second_adult_user"],
                    second_adult_reason=data["second_adult_reason"],
                    observations=data["observations"], observation_notes=data["observation_notes"],
                    low_supplies=data["low_supplies"], supplies_note=data["supplies_note"],
                    raise_concern=data["concern"], child_words=data["child_words"])
            except ValidationError as exc:
                # The service's answer about marks sits by the yes/no question.
                _errors_onto(form, exc, rename={"raise_concern": "marks_concern"})
            else:
                when = date_format(timezone.localtime(log.occurred_at), "H:i")
                messages.success(request, f"Care logged for {pupil.display_name} at {when}.")
                if log.concern_id:
                    # The logger is told it was received; only the safeguarding team reads it.
                    messages.success(request, f"Your safeguarding concern was received (reference "
                                              f"{log.concern.reference}). The safeguarding team has been told.")
                return redirect("personalcare:pupil", pupil.pk)
    return render(request, "personalcare/log_form.html", {
        "pupil": pupil, "plan": plan, "form": form, "named": named, "others": others,
        "tap_fields": ("care_given", "second_adult", "observations", "marks_concern")},  # their errors sit above the buttons
        status=400 if request.method == "POST" else 200)


@login_required
@school_required
def log_detail(request, pk):
    staff = request.staff
    log = selectors.get_log_for(staff, pk)
    log_access(request, action="personalcare.log.view")
    return _log_page(request, log)


def _sees_concern(staff, log) -> bool:
    """Only DSL role holders read concerns; whoever raised it sees that it was received."""
    return bool(log.concern_id) and (staff.can(Ability.READ_SAFEGUARDING) or log.given_by_id == staff.user.pk)


def _log_page(request, log, *, text="", error="", status=200):
    staff = request.staff
    return render(request, "personalcare/log_detail.html", {
        "log": log, "pupil": log.pupil, "addenda": list(log.addenda.select_related("author")),
        "may_add": (log.given_by_id == staff.user.pk or selectors.may_manage(staff)) and not log.pupil.is_archived,
        "concern_url": (log.concern.get_absolute_url()
                        if log.concern_id and staff.can(Ability.READ_SAFEGUARDING) else ""),
        "sees_concern": _sees_concern(staff, log),
        "text": text, "error": error}, status=status)


@login_required
@school_required
@require_POST
def log_addendum(request, pk):
    staff = request.staff
    log = selectors.get_log_for(staff, pk)
    text = request.POST.get("text", "")
    try:
        services.add_addendum(staff=staff, log=log, text=text)
    except ValidationError as exc:
        log_access(request, action="personalcare.log.view")
        return _log_page(request, log, text=text, error=" ".join(exc.messages), status=400)
    messages.success(request, "Addendum added.")
    return redirect(log)


@login_required
@school_required
def plan_detail(request, pk):
    plan = selectors.get_plan_for(request.staff, pk)
    log_access(request, action="personalcare.plan.view")
    return render(request, "personalcare/plan_detail.html", {
        "plan": plan, "pupil": plan.pupil, "manage": selectors.may_manage(request.staff) and not plan.pupil.is_archived,
        "readiness": services.readiness_errors(plan) if plan.is_draft else [],
        "staff_rows": selectors.named_staff_training(plan)})


def _plan_form(request, plan, pupil):
    if plan.pk:
        log_access(request, action="personalcare.plan.edit")  # the form shows the whole draft
    form = CarePlanForm(request.POST or None, instance=plan, school=request.staff.school)
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.save_draft_plan(staff=request.staff, form=form)
            except ValidationError as exc:
                _errors_onto(form, exc)
            else:
                messages.success(request, "Draft saved. Sign it off when it is ready: staff work from the plan "
                                          "in force.")
                return redirect(saved)
        messages.error(request, FIX_BELOW)
    return render(request, "personalcare/plan_form.html", {"form": form, "plan": plan, "pupil": pupil},
                  status=400 if request.method == "POST" else 200)


@login_required
@school_required
def plan_create(request, pupil_id):
    pupil = selectors.get_pupil_for(request.staff, pupil_id)
    request.staff.require(Ability.MANAGE_PERSONAL_CARE)
    if pupil.is_archived:
        raise PermissionDenied
    existing = CarePlan.objects.filter(pupil=pupil).exclude(status="superseded").first()
    if existing:
        return redirect(existing)  # one plan per pupil: change it by amending
    return _plan_form(request, CarePlan(pupil=pupil), pupil)


@login_required
@school_required
def plan_edit(request, pk):
    plan = selectors.get_plan_for(request.staff, pk)
    request.staff.require(Ability.MANAGE_PERSONAL_CARE)
    if not plan.is_draft:
        messages.error(request, "This version is signed off and can't be changed. Start an amendment instead.")
        return redirect(plan)
    return _plan_form(request, plan, plan.pupil)


@login_required
@school_required
@require_POST
def plan_sign_off(request, pk):
    plan = selectors.get_plan_for(request.staff, pk)
    request.staff.require(Ability.MANAGE_PERSONAL_CARE)
    try:
        services.sign_off_plan(staff=request.staff, plan=plan)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, "Signed off: this version is now in force for the named staff.")
    return redirect(plan)


@login_required
@school_required
@require_POST
def plan_amend(request, pk):
    plan = selectors.get_plan_for(request.staff, pk)
    request.staff.require(Ability.MANAGE_PERSONAL_CARE)
    try:
        draft = services.amend_plan(staff=request.staff, plan=plan)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect(plan)
    return redirect("personalcare:plan_edit", draft.pk)
