"""Medication pages.

Access: the ability first (403), then the pupil, medicine or dose through the person's scope
(404 for another caseload's or another school's). Reading needs READ_MEDICATION (TA, teacher, SENCo,
senior leader, office); giving GIVE_MEDICATION (not senior leaders); healthcare plans, medicines,
batches, stock and "parent told" MANAGE_MEDICINES (SENCo, office)."""

from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.access import Ability
from sendsupport.audit import log_access
from sendsupport.decorators import school_required
from sendsupport.forms import add_service_errors

from . import selectors, services
from .forms import (
    AddendumForm, BatchForm, GiveForm, HealthcarePlanForm, MedicineForm, ParentToldForm, RenewConsentForm,
    StockCheckForm,
)
from pupils.models import Pupil

from .models import WINDOW_AFTER, WINDOW_BEFORE, Administration, Batch, HealthcarePlan, Medicine, Outcome


def _minutes(delta):
    return int(delta.total_seconds() // 60)


def _who_renews(staff, needed) -> dict:
    """Staff who can't renew a lapsed agreement are told whom to ask (a query only when needed)."""
    return {"ask_to_renew": selectors.ask_to_renew(staff.school)} if needed else {}


@login_required
@school_required
def due_now(request):
    staff = request.staff
    staff.require(Ability.GIVE_MEDICATION)
    due = selectors.due_now(staff)
    log_access(request, action="care.due_now.view")
    can_manage = staff.can(Ability.MANAGE_MEDICINES)
    lapsed = any(d.medicine.consent_issue for _, doses in due.slots for d in doses) or any(
        r.medicine.consent_issue for r in due.prn)
    note = services.school_day_note(staff.school, timezone.localtime(due.now).date())
    can_enter_terms = staff.can(Ability.MANAGE_SCHOOL_SETUP)
    return render(request, "care/due_now.html", {
        "due": due, "before": _minutes(WINDOW_BEFORE), "after": _minutes(WINDOW_AFTER),
        "school_day_note": note, "can_enter_terms": can_enter_terms,
        "ask_to_enter_terms": selectors.ask_to_enter_terms(staff.school)
        if note and note.missing and not can_enter_terms else "",
        "can_manage": can_manage, **_who_renews(staff, lapsed and not can_manage)})


@login_required
@school_required
def give(request, medicine_id):
    staff = request.staff
    staff.require(Ability.GIVE_MEDICATION)
    medicine = selectors.get_medicine_for(staff, medicine_id)
    pupil = medicine.pupil
    now = timezone.now()
    slot = None
    if raw := request.GET.get("slot") or request.POST.get("slot"):
        try:
            slot = services.slot_at(timezone.localdate(), timezone.datetime.strptime(raw, "%H:%M").time())
        except ValueError:
            slot = None
    if slot is None and medicine.scheduled_times:
        # Opened from the pupil's page: the dose of today nearest to now.
        slot = min((services.slot_at(timezone.localdate(), t) for t in medicine.scheduled_times),
                   key=lambda s: abs(s - now))
    batches = list(selectors.open_batches().filter(medicine=medicine))
    usable = [b for b in batches if b.quantity_in_stock > 0 and b.expires_on >= timezone.localdate()]
    log_access(request, action="care.give_form", pupil=pupil)
    if request.method == "POST":
        form = GiveForm(request.POST, medicine=medicine, batches=batches, giver=request.user)
        if form.is_valid():
            data = form.cleaned_data
            witness = data.get("witness")
            confirmed = False
            if witness and data.get("witness_password"):
                # The witness proves who they are on this phone with their own password.
                if authenticate(request, email=witness.email, password=data["witness_password"]) == witness:
                    confirmed = True
                else:
                    form.add_error("witness_password", "That password is not right for the witness chosen.")
            if not form.errors:
                try:
                    record = services.record_administration(
                        medicine=medicine, outcome=data["outcome"], at=data["at"],
                        scheduled_for=None if medicine.as_needed else slot, batch=data["batch"],
                        dose_amount=data["dose_amount"], reason=data["reason"], reaction=data["reaction"],
                        witness=witness, witness_confirmed=confirmed, acting_user=request.user)
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    text = f"{pupil.display_name}: {medicine.name} recorded as {record.get_outcome_display().lower()}."
                    if record.witness_id and not confirmed:
                        text += f" {record.witness.full_name} has been asked to confirm as witness."
                    messages.success(request, text)
                    return redirect("care:due")
        status = 400
    else:
        form = GiveForm(medicine=medicine, batches=batches, giver=request.user, initial={
            "at": timezone.localtime(now).replace(second=0, microsecond=0), "dose_amount": medicine.dose_amount.normalize(),
            "batch": usable[0].pk if usable else None, "outcome": Outcome.GIVEN})
        status = 200
    trained = services.has_current_training(request.user, staff.school, timezone.localdate())
    consent_issue = medicine.consent_problem(timezone.localdate())
    can_manage = staff.can(Ability.MANAGE_MEDICINES)
    # A dose refused for the lapsed agreement is said once, in the box about the agreement (with the
    # renewal link or whom to ask), not again among the other reasons.
    said = f"{consent_issue} {services.CONSENT_REFUSED}"
    return render(request, "care/give.html", {
        "medicine": medicine, "pupil": pupil, "form": form, "slot": slot, "trained": trained,
        "consent_issue": consent_issue, "can_manage": can_manage,
        "other_errors": [e for e in form.non_field_errors() if not consent_issue or e != said],
        "field_errors": any(name != "__all__" for name in form.errors),
        **_who_renews(staff, consent_issue and not can_manage),
        "before": _minutes(WINDOW_BEFORE), "after": _minutes(WINDOW_AFTER)}, status=status)


@login_required
@school_required
def dose(request, administration_id):
    staff = request.staff
    staff.require(Ability.READ_MEDICATION)
    record = selectors.get_administration_for(staff, administration_id)
    form = AddendumForm(request.POST or None)
    if request.method == "POST":
        staff.require(Ability.GIVE_MEDICATION)
        if form.is_valid():
            services.add_addendum(administration=record, text=form.cleaned_data["text"], acting_user=request.user)
            messages.success(request, "Note added to the dose record.")
            return redirect(request.path)
    log_access(request, action="care.dose.view", pupil=record.pupil)
    return render(request, "care/dose.html", {"record": record, "form": form,
                                              "addenda": record.addenda.select_related("author"),
                                              "can_add": staff.can(Ability.GIVE_MEDICATION)})


@login_required
@school_required
def witness(request, administration_id):
    """The witness named on a controlled-drug dose confirms it from their own login. They may not
    otherwise see the pupil, so the lookup is by who was named, within the school."""
    staff = request.staff
    staff.require(Ability.GIVE_MEDICATION)
    record = get_object_or_404(Administration.objects.select_related("pupil", "medicine", "recorded_by"),
                               pk=administration_id, school=staff.school, witness=request.user)
    confirmation = getattr(record, "confirmation", None)
    log_access(request, action="care.witness.view", pupil=record.pupil)
    if request.method == "POST" and confirmation is None:
        services.confirm_witness(administration=record, witness=request.user)
        messages.success(request, f"You confirmed witnessing {record.medicine.name} for {record.pupil.display_name}.")
        return redirect("home")
    return render(request, "care/witness.html", {"record": record, "confirmation": confirmation})


@login_required
@school_required
def exceptions(request):
    staff = request.staff
    staff.require(Ability.READ_MEDICATION)
    log_access(request, action="care.exceptions.view")
    return render(request, "care/exceptions.html", {
        "rows": selectors.to_tell_parents(staff), "can_mark": staff.can(Ability.MANAGE_MEDICINES),
        "form": ParentToldForm()})


@login_required
@school_required
@require_POST
def parent_told(request, administration_id):
    staff = request.staff
    staff.require(Ability.MANAGE_MEDICINES)
    record = selectors.get_administration_for(staff, administration_id)
    form = ParentToldForm(request.POST)
    if form.is_valid():
        try:
            services.mark_parent_told(administration=record, how=form.cleaned_data["how"], acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Marked: {record.pupil.display_name}'s parents told.")
    return redirect("care:exceptions")


@login_required
@school_required
def stock(request):
    staff = request.staff
    staff.require(Ability.MANAGE_MEDICINES)
    warnings = selectors.stock_warnings(school=staff.school)
    batches = list(Batch.objects.filter(medicine__school=staff.school, returned_on__isnull=True,
                                        medicine__pupil__archived_at__isnull=True)
                   .select_related("medicine__pupil").order_by("medicine__pupil__legal_last_name", "medicine__name",
                                                               "expires_on", "id"))
    log_access(request, action="care.stock.view")
    return render(request, "care/stock.html", {"warnings": warnings, "batches": batches,
                                               "today": timezone.localdate()})


def _batch_for(staff, batch_id) -> Batch:
    return get_object_or_404(Batch.objects.select_related("medicine__pupil").filter(
        medicine__pupil__in=Pupil.objects.visible_to(staff)), pk=batch_id)


@login_required
@school_required
def stock_check(request, batch_id):
    staff = request.staff
    staff.require(Ability.MANAGE_MEDICINES)
    batch = _batch_for(staff, batch_id)
    form = StockCheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            check = services.record_stock_check(batch=batch, counted=form.cleaned_data["counted"],
                                                note=form.cleaned_data["note"], acting_user=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if check.discrepancy:
                messages.warning(request, f"Stock check recorded with a difference of "
                                          f"{check.discrepancy.normalize():f}: the SENCo and senior leaders are told.")
            else:
                messages.success(request, "Stock check recorded: the count matches.")
            return redirect("care:stock")
    return render(request, "care/stock_check.html", {"batch": batch, "form": form},
                  status=400 if form.errors else 200)


@login_required
@school_required
@require_POST
def batch_return(request, batch_id):
    staff = request.staff
    staff.require(Ability.MANAGE_MEDICINES)
    batch = services.return_batch(batch=_batch_for(staff, batch_id), acting_user=request.user)
    messages.success(request, f"{batch.medicine.name}: {batch.quantity_returned.normalize():f} "
                              f"{batch.medicine.unit} returned; the batch is closed.")
    return redirect("care:pupil", batch.medicine.pupil_id)


@login_required
@school_required
def pupil(request, pupil_id):
    staff = request.staff
    staff.require(Ability.READ_MEDICATION)
    pupil = selectors.get_pupil_for(staff, pupil_id)
    log_access(request, action="care.pupil.view", pupil=pupil)
    medication = selectors.pupil_medication(pupil)
    can_manage = staff.can(Ability.MANAGE_MEDICINES)
    lapsed = any(m.consent_issue and not m.stopped_on for m in medication["medicines"])
    return render(request, "care/pupil.html", {
        "pupil": pupil, **medication, "can_manage": can_manage, **_who_renews(staff, lapsed and not can_manage),
        "can_give": staff.can(Ability.GIVE_MEDICATION), "today": timezone.localdate()})


@login_required
@school_required
def plan(request, pupil_id):
    staff = request.staff
    staff.require(Ability.READ_MEDICATION)
    pupil = selectors.get_pupil_for(staff, pupil_id)
    plans = list(HealthcarePlan.objects.filter(pupil=pupil).select_related("signed_off_by", "created_by"))
    version = request.GET.get("version")
    shown = next((p for p in plans if str(p.version) == version), None) if version else None
    shown = shown or next((p for p in plans if p.is_in_force), None) or (plans[0] if plans else None)
    log_access(request, action="care.plan.view", pupil=pupil)
    return render(request, "care/plan.html", {"pupil": pupil, "plan": shown, "plans": plans,
                                              "can_manage": staff.can(Ability.MANAGE_MEDICINES)})


@login_required
@school_required
def plan_edit(request, pupil_id):
    """Start the plan, edit the draft, or (for a plan in force) start the next version's draft."""
    staff = request.staff
    staff.require(Ability.MANAGE_MEDICINES)
    pupil = selectors.get_pupil_for(staff, pupil_id)
    draft = HealthcarePlan.objects.filter(pupil=pupil, status="draft").first()
    current = services.in_force_plan(pupil)
    log_access(request, action="care.plan.edit", pupil=pupil)
    if draft is None and current is not None:
        if request.method == "POST":
            draft = services.amend_plan(plan=current, acting_user=request.user)
        else:  # opening the page starts nothing: the next version's draft is made on saving
            draft = HealthcarePlan(pupil=pupil, version=current.version + 1,
                                   **{f: getattr(current, f) for f in HealthcarePlanForm._meta.fields})
    instance = draft or HealthcarePlan(pupil=pupil)
    form = HealthcarePlanForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_plan_draft(form=form, acting_user=request.user)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, "Draft saved. Sign it off to put it in force.")
            return redirect("care:plan", pupil.pk)
    return render(request, "care/plan_form.html", {"pupil": pupil, "form": form, "plan": instance},
                  status=400 if form.errors else 200)


@login_required
@school_required
@require_POST
def plan_sign_off(request, pupil_id):
    staff = request.staff
    staff.require(Ability.MANAGE_MEDICINES)
    pupil = selectors.get_pupil_for(staff, pupil_id)
    draft = get_object_or_404(HealthcarePlan, pupil=pupil, status="draft")
    try:
        services.sign_off_plan(plan=draft, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Healthcare plan version {draft.version} is in force.")
    return redirect("care:plan", pupil.pk)


@login_required
@school_required
def medicine_edit(request, pupil_id=None, medicine_id=None):
    staff = request.staff
    staff.require(Ability.MANAGE_MEDICINES)
    if medicine_id:
        medicine = selectors.get_medicine_for(staff, medicine_id)
        pupil = medicine.pupil
    else:
        pupil = selectors.get_pupil_for(staff, pupil_id)
        medicine = Medicine(pupil=pupil, school=pupil.school)
    form = MedicineForm(request.POST or None, instance=medicine)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_medicine(form=form, pupil=pupil, acting_user=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{form.instance.name} saved.")
            return redirect("care:pupil", pupil.pk)
    return render(request, "care/medicine_form.html", {"pupil": pupil, "medicine": medicine, "form": form},
                  status=400 if form.errors else 200)


@login_required
@school_required
def receive(request, medicine_id):
    staff = request.staff
    staff.require(Ability.MANAGE_MEDICINES)
    medicine = selectors.get_medicine_for(staff, medicine_id)
    form = BatchForm(request.POST or None, initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.receive_batch(medicine=medicine, batch_number=d["batch_number"], expires_on=d["expires_on"],
                                   quantity=d["quantity_received"], received_on=d["received_on"],
                                   acting_user=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{medicine.name}: {d['quantity_received'].normalize():f} {medicine.unit} received.")
            return redirect("care:pupil", medicine.pupil_id)
    return render(request, "care/receive.html", {"medicine": medicine, "pupil": medicine.pupil, "form": form},
                  status=400 if form.errors else 200)


def _back_to(request, default: str) -> str:
    """Where a page opened from another goes after saving (e.g. back to the dose being given):
    the ``next`` it was given if it is on this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


@login_required
@school_required
def medicine_renew(request, medicine_id):
    """The parent's renewed written agreement for the same medicine and dose (a change of medicine or
    dose is an edit). Opened from a dose refused for a lapsed agreement, it goes back there."""
    staff = request.staff
    staff.require(Ability.MANAGE_MEDICINES)
    medicine = selectors.get_medicine_for(staff, medicine_id)
    pupil = medicine.pupil
    back = _back_to(request, reverse("care:pupil", args=[pupil.pk]))
    log_access(request, action="care.renew_form", pupil=pupil)
    form = RenewConsentForm(request.POST or None, initial={"consent_from": medicine.consent_from})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.renew_consent(medicine=medicine, signed_by=d["consent_from"], dated=d["consent_given_on"],
                                   review_on=d["consent_review_on"], acting_user=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{pupil.display_name}'s {medicine.name}: the parent's agreement is renewed, "
                                      f"next review {d['consent_review_on']:%-d %B %Y}.")
            return redirect(back)
    selectors.add_previous_agreements([medicine])
    return render(request, "care/renew.html", {
        "medicine": medicine, "pupil": pupil, "form": form, "back": back,
        "consent_issue": medicine.consent_problem(timezone.localdate())}, status=400 if form.errors else 200)
