"""Writes for medication. Views, tasks, the demo and tests all call these.

Every dose rule lives in ``dose_problems`` and is checked again by ``record_administration`` with the
medicine row locked, so two phones can't both give the last dose or go past a PRN maximum, and any
caller gets the same refusals (a dict of field -> reasons, shown next to the field)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from accounts.access import Ability
from accounts.models import Membership, Role, Term, TrainingCourse, TrainingRecord
from plans import services as plan_services
from plans.models import VersionStatus
from pupils.models import Pupil
from sendsupport import history
from sendsupport.models import Notification
from sendsupport.notifications import notify, staff_with_ability

from .models import (
    WINDOW_AFTER, WINDOW_BEFORE, Administration, AdministrationAddendum, Batch, HealthcarePlan, Medicine, Outcome,
    ParentTold, StockCheck, WitnessConfirmation,
)

# Ends the refusal of a dose for want of consent (after ``Medicine.consent_problem``): the give page
# shows that refusal once, in its box about the agreement, not again among the other reasons.
CONSENT_REFUSED = "Without it the medicine can't be given."

# A clock a few minutes fast on a phone is not "the future".
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)


def slot_at(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time))


CENT = Decimal("0.01")


def _two_places(value) -> bool:
    """Stock columns hold two decimal places: a finer amount would be rounded silently by the
    database while the running count in Python kept it, and the two would drift apart."""
    return value is not None and Decimal(value) == Decimal(value).quantize(CENT)


def _require(user, school, ability) -> None:
    """Services are called by views, tasks, commands and the shell: the acting person must be active
    staff of the record's school whose roles give the ability, whoever called."""
    from accounts.access import ROLE_ABILITIES

    roles = [role for role, abilities in ROLE_ABILITIES.items() if ability in abilities]
    if user is None or not Membership.objects.filter(user=user, user__is_active=True, school=school, is_active=True,
                                                     roles__overlap=roles).exists():
        raise PermissionDenied(f"Not allowed at this school: {ability}.")


def is_school_day(day: datetime.date, terms) -> bool:
    """Whether scheduled doses are due on `day`, so that one not recorded is flagged missed. The rule:

    - Saturdays and Sundays never are.
    - A school with no term dates entered: every weekday is.
    - Inside a term entered: every weekday outside that term's half-term.
    - In a holiday between two terms entered (after one ends, before the next starts): no.
    - Before the first term entered, or after the last one ends with no later term entered: every
      weekday is. The app can't tell a holiday from a term nobody entered (next September's,
      typically), and a dose missed in term and never flagged is worse than a holiday dose flagged
      (it can be annotated). The "due now" page, the home page of those who enter term dates and of
      the medicine managers, a weekly reminder and the missed-dose notice say next year's terms are
      missing (``term_dates_gap``)."""
    if day.isoweekday() > 5:
        return False
    if not terms:
        return True
    if any(t.starts_on <= day <= t.ends_on for t in terms):
        return not any(t.starts_on <= day <= t.ends_on and t.half_term_starts_on and t.half_term_ends_on
                       and t.half_term_starts_on <= day <= t.half_term_ends_on for t in terms)
    between = any(t.ends_on < day for t in terms) and any(t.starts_on > day for t in terms)
    return not between


# Next year's terms are asked for from this long before the last term entered ends.
TERMS_WARNING_DAYS = 42
TERMS_MISSING_SUBJECT = "Next year's term dates are missing"


@dataclass(frozen=True)
class TermDatesGap:
    """What is missing from a school's term dates on a day, for the warnings (``is_school_day`` is
    the rule). `kind`: "none" (no term dates at all), "ends_soon" (the last term entered ends within
    TERMS_WARNING_DAYS and nothing follows it), "after_last" (it has ended and nothing follows),
    "before_first" (the first term entered starts later). `on`: that term's end or start."""

    kind: str
    on: datetime.date | None = None

    @property
    def next_year_missing(self) -> bool:
        return self.kind in ("ends_soon", "after_last")

    @property
    def message(self) -> str:
        on = f"{self.on:%-d %B %Y}" if self.on else ""
        return {
            "none": "No term dates are set up for the school, so every weekday counts as a school day: doses not "
                    "recorded are flagged missed on every weekday, holidays included.",
            "ends_soon": f"Next year's term dates are missing: the last term entered ends on {on}. Unless they are "
                         "entered by then, every weekday after it counts as a school day, holidays included, and "
                         "doses not recorded are flagged missed.",
            "after_last": f"Next year's term dates are missing: the last term entered ended on {on}. Until they are "
                          "entered, every weekday counts as a school day, holidays included, and doses not recorded "
                          "are flagged missed.",
            "before_first": f"The first term entered starts on {on}: until then every weekday counts as a school "
                            "day, so doses not recorded are flagged missed. If the school is on holiday now, enter "
                            "the term before it too.",
        }[self.kind]


def term_dates_gap(day: datetime.date, terms) -> TermDatesGap | None:
    """What the school's term dates lack on `day`, or None when they cover it (no query)."""
    if not terms:
        return TermDatesGap("none")
    last_end = max(t.ends_on for t in terms)
    first_start = min(t.starts_on for t in terms)
    if day > last_end:
        return TermDatesGap("after_last", last_end)
    if (last_end - day).days <= TERMS_WARNING_DAYS:
        return TermDatesGap("ends_soon", last_end)
    if day < first_start:
        return TermDatesGap("before_first", first_start)
    return None


@dataclass(frozen=True)
class SchoolDayNote:
    """What the "due now" page says about today and term dates; `missing`: term dates need entering
    (a warning, with who enters them)."""

    text: str
    missing: bool = False


def school_day_note(school, day: datetime.date) -> SchoolDayNote | None:
    """What the "due now" page says about today and term dates (one query), or None."""
    terms = list(Term.objects.filter(school=school))
    gap = term_dates_gap(day, terms)
    if gap is not None:
        return SchoolDayNote(gap.message, missing=gap.kind != "none")
    if not is_school_day(day, terms):
        return SchoolDayNote("Today is not a school day in the term dates (weekend, holiday or half-term): doses "
                             "are not flagged missed. If the school is open, ask the office to correct the term "
                             "dates.")
    return None


# --- healthcare plans -----------------------------------------------------------------------------

def save_plan_draft(*, form, acting_user) -> HealthcarePlan:
    """A new plan (version 1) or changes to a draft; signed-off versions are refused."""
    _require(acting_user, form.instance.pupil.school_id, Ability.MANAGE_MEDICINES)
    return plan_services.save_draft(form=form, acting_user=acting_user, action="healthcareplan.save")


def amend_plan(*, plan: HealthcarePlan, acting_user) -> HealthcarePlan:
    """The draft of the next version, copied from `plan` (or the draft already started)."""
    _require(acting_user, plan.pupil.school_id, Ability.MANAGE_MEDICINES)
    return plan_services.amend(plan=plan, acting_user=acting_user)


@transaction.atomic
def sign_off_plan(*, plan: HealthcarePlan, acting_user) -> HealthcarePlan:
    """Put a draft in force (the previous version is superseded) and show its emergency summary
    wherever the pupil's medical alerts show."""
    _require(acting_user, plan.pupil.school, Ability.MANAGE_MEDICINES)
    text = emergency_banner_text(plan)
    if len(text) > BANNER_MAX:
        raise ValidationError(BANNER_TOO_LONG)
    plan = plan_services.put_in_force(plan=plan, acting_user=acting_user)
    with history.action(user=acting_user.pk, action="healthcareplan.sign_off"):
        Pupil.objects.filter(pk=plan.pupil_id).update(healthcare_emergency=text)
    return plan


BANNER_MAX = 300  # Pupil.healthcare_emergency
BANNER_TOO_LONG = ("The emergency summary and who is responsible must fit in 300 characters together: they show "
                   "on every medical-alert banner, including for staff who can't open the plan.")


def emergency_banner_text(plan) -> str:
    """What the medical-alert banner says: what to do and who acts, enough to act on for staff who
    can't open the plan (e.g. after break-glass on "before you step in")."""
    summary = plan.emergency_summary.strip().rstrip(".")
    return f"{summary}. Who acts: {plan.emergency_responsible.strip()}"


def in_force_plan(pupil) -> HealthcarePlan | None:
    return HealthcarePlan.objects.filter(pupil=pupil, status=VersionStatus.IN_FORCE).first()


# --- medicines, batches, stock ---------------------------------------------------------------------

@transaction.atomic
def save_medicine(*, form, pupil, acting_user) -> Medicine:
    """Add a medicine with the parent's agreement, or change one (a renewed agreement for the same
    medicine and dose is ``renew_consent``)."""
    _require(acting_user, pupil.school, Ability.MANAGE_MEDICINES)
    plan_services.require_current(pupil)
    medicine = form.save(commit=False)
    action = "medicine.update" if medicine.pk else "medicine.add"
    if not medicine.pk:
        medicine.school_id, medicine.pupil, medicine.created_by = pupil.school_id, pupil, acting_user
    if medicine.is_controlled:
        medicine.storage = "cd_store"  # controlled drugs live in the locked store, whatever was picked
    if not medicine.as_needed:
        medicine.prn_reason, medicine.prn_max_doses_24h, medicine.prn_min_gap_minutes = "", None, None
    medicine.scheduled_times = sorted(set(medicine.scheduled_times)) if not medicine.as_needed else []
    with history.action(user=acting_user.pk, action=action):
        medicine.full_clean()
        medicine.save()
    return medicine


@transaction.atomic
def renew_consent(*, medicine: Medicine, signed_by: str, dated: datetime.date | None,
                  review_on: datetime.date | None, acting_user, today: datetime.date | None = None) -> Medicine:
    """Record a parent's renewed written agreement (DfE template B) for the same medicine and dose:
    who signed, the date on the form and the next review. The agreement it replaces stays in the
    medicine's history, which the medicine page lists as previous agreements (``selectors.
    previous_agreements``). Refused with a dict of field -> reasons; the same agreement twice (a
    second click) changes nothing."""
    medicine = Medicine.objects.select_for_update().select_related("pupil").get(pk=medicine.pk)
    _require(acting_user, medicine.school_id, Ability.MANAGE_MEDICINES)
    plan_services.require_current(medicine.pupil)
    today = today or timezone.localdate()
    signed_by = (signed_by or "").strip()
    problems: dict[str, list[str]] = {}

    def refuse(field, message):
        problems.setdefault(field, []).append(message)

    if medicine.stopped_on and medicine.stopped_on <= today:
        refuse("__all__", f"{medicine.name} was stopped on {medicine.stopped_on:%-d %B %Y}: there is no agreement "
                          "to renew. If it starts again, add it as a medicine with the new agreement.")
    if not signed_by:
        refuse("consent_from", "Say who signed the agreement, as on the form.")
    if dated is None:
        refuse("consent_given_on", "Give the date on the signed form.")
    elif dated > today:
        refuse("consent_given_on", "The agreement can't be dated in the future: give the date the parent signed it.")
    elif medicine.consent_given_on and dated < medicine.consent_given_on:
        refuse("consent_given_on", f"This is older than the agreement it would replace (dated "
                                   f"{medicine.consent_given_on:%-d %B %Y}). If that date was entered wrongly, "
                                   "correct it on the medicine's edit page.")
    if review_on is None:
        refuse("consent_review_on", "Give the date the agreement is next reviewed.")
    elif dated and review_on <= dated:
        refuse("consent_review_on", "The review date must be after the date of the agreement.")
    elif review_on < today:
        refuse("consent_review_on", "That review date has passed: the agreement would lapse at once.")
    if problems:
        raise ValidationError(problems)
    if (medicine.consent_from, medicine.consent_given_on, medicine.consent_review_on) == (signed_by, dated, review_on):
        return medicine
    with history.action(user=acting_user.pk, action="care.renew_consent"):
        medicine.consent_from, medicine.consent_given_on, medicine.consent_review_on = signed_by, dated, review_on
        medicine.full_clean()
        medicine.save(update_fields=["consent_from", "consent_given_on", "consent_review_on"])
    return medicine


@transaction.atomic
def receive_batch(*, medicine: Medicine, batch_number: str, expires_on: datetime.date, quantity: Decimal,
                  received_on: datetime.date | None = None, acting_user) -> Batch:
    _require(acting_user, medicine.school, Ability.MANAGE_MEDICINES)
    plan_services.require_current(medicine.pupil)
    with history.action(user=acting_user.pk, action="medicine.batch_received"):
        batch = Batch(medicine=medicine, batch_number=batch_number.strip(), expires_on=expires_on,
                      received_on=received_on or timezone.localdate(), quantity_received=quantity,
                      quantity_in_stock=quantity, received_by=acting_user)
        batch.full_clean()
        batch.save()
    return batch


@transaction.atomic
def return_batch(*, batch: Batch, acting_user) -> Batch:
    """What is left goes back to the parent (or for disposal): recorded, and the batch closes."""
    batch = Batch.objects.select_for_update().select_related("medicine").get(pk=batch.pk)
    _require(acting_user, batch.medicine.school_id, Ability.MANAGE_MEDICINES)
    if batch.returned_on:
        return batch  # a second click is not a second return
    with history.action(user=acting_user.pk, action="medicine.batch_returned"):
        batch.quantity_returned, batch.quantity_in_stock = batch.quantity_in_stock, Decimal("0")
        batch.returned_on = timezone.localdate()
        batch.save(update_fields=["quantity_returned", "quantity_in_stock", "returned_on"])
    return batch


def _leaders(school):
    """The SENCo and senior leaders, told of stock mismatches in controlled drugs and other medicines."""
    from accounts.models import Membership

    return [m.user for m in Membership.objects.filter(
        school=school, is_active=True, user__is_active=True,
        roles__overlap=[Role.SENCO, Role.SENIOR_LEADER]).select_related("user")]


@transaction.atomic
def record_stock_check(*, batch: Batch, counted: Decimal, note: str = "", acting_user) -> StockCheck:
    """Count a batch. The running count becomes what was counted; a mismatch is kept on the check
    and the SENCo and senior leaders are told."""
    batch = Batch.objects.select_for_update().select_related("medicine__pupil").get(pk=batch.pk)
    _require(acting_user, batch.medicine.school_id, Ability.MANAGE_MEDICINES)
    if batch.returned_on:
        raise ValidationError({"counted": "This batch was returned: there is nothing in school to count."})
    if counted < 0:
        raise ValidationError({"counted": "A count can't be below zero."})
    if not _two_places(counted):
        raise ValidationError({"counted": "Count to at most two decimal places."})
    if counted != batch.quantity_in_stock and not note.strip():
        raise ValidationError({"note": "The count doesn't match the running count: say what you found."})
    with history.action(user=acting_user.pk, action="medicine.stock_check"):
        check = StockCheck.objects.create(batch=batch, expected=batch.quantity_in_stock, counted=counted,
                                          note=note.strip(), checked_by=acting_user)
        if counted != batch.quantity_in_stock:
            batch.quantity_in_stock = counted
            batch.save(update_fields=["quantity_in_stock"])
    if check.discrepancy:
        medicine = batch.medicine
        kind = "controlled drug" if medicine.is_controlled else "medicine"
        notify(users=_leaders(medicine.school), school=medicine.school,
               subject=f"Stock mismatch: {kind} for {medicine.pupil.display_name}",
               body=(f"{medicine} batch {batch.batch_number or batch.pk}: expected {check.expected.normalize():f}, "
                     f"counted {check.counted.normalize():f} {medicine.unit}. {check.note}"),
               url=reverse("care:pupil", args=[medicine.pupil_id]))
    return check


# --- doses ----------------------------------------------------------------------------------------

def has_current_training(user, school, day: datetime.date) -> bool:
    return TrainingRecord.objects.filter(
        user=user, school=school, course=TrainingCourse.MEDICATION, completed_on__lte=day,
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day)).exists()


def _hm(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%H:%M")


def _when(value: datetime.datetime, now: datetime.datetime) -> str:
    local = timezone.localtime(value)
    return f"{local:%H:%M}" if local.date() == timezone.localtime(now).date() else f"{local:%-d %b %H:%M}"


def _givers(school) -> set[int]:
    return {u.pk for u in staff_with_ability(school, Ability.GIVE_MEDICATION)}


def dose_problems(*, medicine: Medicine, outcome: str, at: datetime.datetime, scheduled_for=None, batch=None,
                  dose_amount=None, reason: str = "", witness=None, giver=None,
                  now: datetime.datetime | None = None) -> dict[str, list[str]]:
    """Every reason this dose may not be recorded, by form field ('__all__' for the whole record).
    Empty when it may. The caller holds the medicine row locked when it goes on to record."""
    now = now or timezone.now()
    problems: dict[str, list[str]] = {}

    def refuse(field, message):
        problems.setdefault(field, []).append(message)

    day = timezone.localtime(at).date()
    # Whoever calls (a view, a command, the shell), the recorder is staff of this school who may give.
    if giver is None or giver.pk not in _givers(medicine.school):
        refuse("__all__", "Only staff of this school who may give medicines can record a dose.")
    if medicine.pupil.archived_at:
        refuse("__all__", "This pupil has left the school: their records are read-only.")
    if medicine.stopped_on and medicine.stopped_on <= day:
        refuse("__all__", f"This medicine was stopped on {medicine.stopped_on:%-d %B %Y}.")
    if outcome not in (Outcome.GIVEN, Outcome.REFUSED, Outcome.NOT_GIVEN, Outcome.AT_HOME):
        refuse("outcome", "Choose given, refused or not given.")
        return problems
    if at > now + FUTURE_TOLERANCE:
        refuse("at", "That time is in the future.")
    if outcome in (Outcome.REFUSED, Outcome.NOT_GIVEN) and not reason.strip():
        refuse("reason", "Say why the dose was refused." if outcome == Outcome.REFUSED
               else "Say why the dose was not given.")

    if scheduled_for is not None:
        local = timezone.localtime(scheduled_for)
        if medicine.as_needed or local.time() not in medicine.scheduled_times:
            refuse("__all__", f"{medicine.name} has no dose scheduled at {local:%H:%M}.")
        elif outcome == Outcome.AT_HOME:
            refuse("outcome", "A dose given at home is recorded against an as-needed medicine only.")
        else:
            earlier = (Administration.objects.filter(medicine=medicine, scheduled_for=scheduled_for)
                       .select_related("recorded_by").first())
            if earlier:
                who = f" by {earlier.recorded_by.full_name}" if earlier.recorded_by else ""
                refuse("__all__", f"The {local:%H:%M} dose was already recorded as "
                                  f"{earlier.get_outcome_display().lower()}{who}.")
            if outcome == Outcome.GIVEN and at < scheduled_for - WINDOW_BEFORE:
                refuse("at", f"Too early: the {local:%H:%M} dose can be given from "
                             f"{_hm(scheduled_for - WINDOW_BEFORE)}.")
            if outcome == Outcome.GIVEN and at > scheduled_for + WINDOW_AFTER:
                refuse("at", f"Too late: the window for the {local:%H:%M} dose closed at "
                             f"{_hm(scheduled_for + WINDOW_AFTER)}. It is a missed dose: add a note to it instead.")
    elif not medicine.as_needed:
        refuse("__all__", "Choose which scheduled dose this is.")

    if outcome not in (Outcome.GIVEN, Outcome.AT_HOME):
        return problems

    if outcome == Outcome.GIVEN and (problem := medicine.consent_problem(day)):
        refuse("__all__", f"{problem} {CONSENT_REFUSED}")
    if dose_amount is None or dose_amount <= 0:
        refuse("dose_amount", "Enter the dose given.")
    elif not _two_places(dose_amount):
        refuse("dose_amount", "Give the dose to at most two decimal places.")
    elif dose_amount > medicine.dose_amount:
        refuse("dose_amount", f"More than the agreed dose ({medicine.dose_label}).")

    if medicine.as_needed:
        if outcome == Outcome.GIVEN and not reason.strip():
            refuse("reason", f"Say why it was needed ({medicine.prn_reason or 'the reason on the plan'}).")
        gap = datetime.timedelta(minutes=medicine.prn_min_gap_minutes or 0)
        span = datetime.timedelta(hours=24)
        recent = list(Administration.objects.filter(
            medicine=medicine, outcome__in=[Outcome.GIVEN, Outcome.AT_HOME],
            at__gt=at - max(span, gap), at__lt=at + max(span, gap)).order_by("at"))
        in_24h = [a for a in recent if at - span < a.at <= at]
        limit = medicine.prn_max_doses_24h
        if limit and len(in_24h) >= limit:
            next_ok = in_24h[len(in_24h) - limit].at + span
            refuse("__all__", f"Already {len(in_24h)} dose{'s' if len(in_24h) != 1 else ''} in the 24 hours before {_hm(at)} (most allowed: "
                              f"{limit}). The next may be given from {_when(next_ok, now)}.")
        elif limit:
            # A dose recorded late (or on a phone a moment behind) can sit before doses already
            # recorded: no 24 hours that include it may hold more than the most allowed.
            later = [a for a in recent if at < a.at < at + span]
            for start in [a.at for a in in_24h] + [at]:
                if sum(1 for a in in_24h + later if start <= a.at < start + span) + 1 > limit:
                    refuse("__all__", f"Too many doses: with one at {_when(at, now)} there would be more than "
                                      f"{limit} in 24 hours (another is recorded at {_when(later[0].at, now)}).")
                    break
        close = [a for a in recent if abs(a.at - at) < gap]
        if gap and close:
            last = close[-1]
            where = " at home (reported by the parent)" if last.outcome == Outcome.AT_HOME else ""
            refuse("at", f"Too soon: a dose was given{where} at {_when(last.at, now)}; doses must be at least "
                         f"{medicine.prn_min_gap_minutes} minutes apart, so not before {_when(last.at + gap, now)}.")

    if outcome == Outcome.AT_HOME:
        return problems

    if batch is None:
        refuse("batch", "Choose the batch the dose came from.")
    elif batch.medicine_id != medicine.pk:
        refuse("batch", "That batch is not this medicine.")
    elif batch.returned_on:
        refuse("batch", "That batch was returned to the parent.")
    else:
        if batch.expires_on < day:
            refuse("batch", f"This batch expired on {batch.expires_on:%-d %B %Y}: expired medicine can't be given.")
        if dose_amount and batch.quantity_in_stock < dose_amount:
            refuse("batch", f"Not enough stock: {batch.quantity_in_stock.normalize():f} {medicine.unit} left in "
                            f"this batch, the dose is {dose_amount.normalize():f}.")

    if medicine.is_controlled:
        if witness is None:
            refuse("witness", "A controlled drug needs a second member of staff to witness the dose.")
        elif giver is not None and witness.pk == giver.pk:
            refuse("witness", "The witness must be someone other than the person giving the dose.")
        elif witness.pk not in _givers(medicine.school):
            refuse("witness", "The witness must be a member of staff at this school who may give medicines.")
    return problems


@transaction.atomic
def record_administration(*, medicine: Medicine, outcome: str, at: datetime.datetime, scheduled_for=None,
                          batch: Batch | None = None, dose_amount: Decimal | None = None, reason: str = "",
                          reaction: str = "", witness=None, witness_confirmed: bool = False,
                          acting_user) -> Administration:
    """Record a dose given / refused / not given, or one the parent reports giving at home.

    Refused with a dict of reasons (``ValidationError.message_dict``) when any dose rule is broken.
    A given dose takes its stock from the batch in the same transaction. A controlled drug's
    witness confirms here (``witness_confirmed``: they re-entered their password on this device) or
    later from their own login. Refusals tell the SENCo."""
    medicine = Medicine.objects.select_for_update().select_related("pupil", "school").get(pk=medicine.pk)
    if batch is not None:
        batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if outcome == Outcome.GIVEN and dose_amount is None:
        dose_amount = medicine.dose_amount
    if outcome in (Outcome.REFUSED, Outcome.NOT_GIVEN):
        batch, dose_amount, witness = None, None, None
    problems = dose_problems(medicine=medicine, outcome=outcome, at=at, scheduled_for=scheduled_for, batch=batch,
                             dose_amount=dose_amount, reason=reason, witness=witness, giver=acting_user)
    if problems:
        raise ValidationError(problems)
    day = timezone.localtime(at).date()
    with history.action(user=acting_user.pk, action=f"medicine.{outcome}"):
        stock_after = None
        if outcome == Outcome.GIVEN:
            Batch.objects.filter(pk=batch.pk).update(quantity_in_stock=F("quantity_in_stock") - dose_amount)
            stock_after = batch.quantity_in_stock - dose_amount
        try:
            with transaction.atomic():
                record = Administration.objects.create(
                    school=medicine.school, pupil=medicine.pupil, medicine=medicine, batch=batch, outcome=outcome,
                    scheduled_for=scheduled_for, at=at, dose_amount=dose_amount, reason=reason.strip(),
                    reaction=reaction.strip() if outcome == Outcome.GIVEN else "", recorded_by=acting_user,
                    witness=witness if medicine.is_controlled and outcome == Outcome.GIVEN else None,
                    stock_after=stock_after,
                    giver_trained=(has_current_training(acting_user, medicine.school, day)
                                   if outcome == Outcome.GIVEN else None))
        except IntegrityError:  # the missed-dose sweep got there between our check and insert
            raise ValidationError({"__all__": ["This scheduled dose has just been recorded by someone else."]})
        if record.witness_id and witness_confirmed:
            WitnessConfirmation.objects.create(administration=record, user=witness, same_device=True)
    if record.witness_id and not witness_confirmed:
        notify(users=[witness], school=medicine.school,
               subject=f"Witness needed: {medicine.name} for {medicine.pupil.display_name}",
               body=f"{acting_user.full_name} recorded a controlled drug at {_hm(at)} naming you as witness.",
               url=reverse("care:witness", args=[record.pk]))
    if outcome == Outcome.REFUSED:
        notify(users=staff_with_ability(medicine.school, Ability.RECEIVE_SEN_ALERTS), school=medicine.school,
               subject=f"Medicine refused: {medicine.pupil.display_name}",
               body=f"{medicine} at {_hm(at)}: {record.reason}. Tell the parents and mark it on the medication page.",
               url=reverse("care:exceptions"))
    return record


@transaction.atomic
def confirm_witness(*, administration: Administration, witness, same_device: bool = False) -> WitnessConfirmation:
    """The named witness confirms a controlled-drug dose with their own login. A second confirmation
    is a no-op; anyone else is refused."""
    administration = Administration.objects.select_for_update().get(pk=administration.pk)
    if administration.witness_id != witness.pk:
        raise ValidationError("Only the member of staff named as witness can confirm this dose.")
    _require(witness, administration.school_id, Ability.GIVE_MEDICATION)  # e.g. left the school since
    existing = WitnessConfirmation.objects.filter(administration=administration).first()
    if existing:
        return existing
    with history.action(user=witness.pk, action="medicine.witness_confirmed"):
        return WitnessConfirmation.objects.create(administration=administration, user=witness,
                                                  same_device=same_device)


@transaction.atomic
def mark_parent_told(*, administration: Administration, how: str = "", acting_user) -> ParentTold:
    administration = Administration.objects.select_for_update().get(pk=administration.pk)
    _require(acting_user, administration.school_id, Ability.MANAGE_MEDICINES)
    if not administration.needs_parent_told:
        raise ValidationError("Only refused, not-given and missed doses are listed for telling parents.")
    existing = ParentTold.objects.filter(administration=administration).first()
    if existing:
        return existing
    with history.action(user=acting_user.pk, action="medicine.parent_told"):
        return ParentTold.objects.create(administration=administration, told_by=acting_user, how=how.strip())


@transaction.atomic
def add_addendum(*, administration: Administration, text: str, acting_user) -> AdministrationAddendum:
    """A correction or later detail on a dose record: the record itself never changes."""
    _require(acting_user, administration.school_id, Ability.GIVE_MEDICATION)
    if not text.strip():
        raise ValidationError({"text": "Write the correction or detail to add."})
    with history.action(user=acting_user.pk, action="medicine.addendum"):
        return AdministrationAddendum.objects.create(administration=administration, text=text.strip(),
                                                     author=acting_user)


def flag_missed_doses(*, now: datetime.datetime | None = None) -> list[Administration]:
    """Record as missed every scheduled dose of today whose window has closed with nothing recorded,
    and tell each school's SENCo. Idempotent: a dose is flagged once (the unique constraint on
    medicine + scheduled_for; a dose recorded meanwhile wins). School days only, by each school's
    term dates (``is_school_day``: half-terms and holidays between two terms out; every weekday when
    no term covers today and none is entered after it, and the notice then says next year's terms
    are missing); doses before the medicine was added, outside its agreement or after it stopped
    are not due."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    if today.isoweekday() > 5:
        return []
    medicines = list(Medicine.objects.filter(as_needed=False, stopped_on__isnull=True, pupil__archived_at__isnull=True,
                                             consent_given_on__lte=today)
                     .filter(Q(consent_review_on__isnull=True) | Q(consent_review_on__gte=today))
                     .select_related("pupil", "school"))
    terms = {}
    for term in Term.objects.filter(school__in={m.school_id for m in medicines}):
        terms.setdefault(term.school_id, []).append(term)
    due = []
    for m in medicines:
        if not is_school_day(today, terms.get(m.school_id, [])):
            continue
        for t in m.scheduled_times:
            slot = slot_at(today, t)
            if slot + WINDOW_AFTER < now and slot > m.created_at:
                due.append((m, slot))
    if not due:
        return []
    recorded = set(Administration.objects.filter(medicine__in={m for m, _ in due},
                                                 scheduled_for__in={s for _, s in due})
                   .values_list("medicine_id", "scheduled_for"))
    created = []
    with transaction.atomic(), history.action(action="medicine.missed_flagged"):
        for m, slot in due:
            if (m.pk, slot) in recorded:
                continue
            try:
                with transaction.atomic():
                    created.append(Administration.objects.create(
                        school=m.school, pupil=m.pupil, medicine=m, outcome=Outcome.MISSED, scheduled_for=slot,
                        at=slot, reason="Nothing was recorded before the dose's window closed."))
            except IntegrityError:
                continue  # recorded a moment ago by a person or another sweep
        by_school = {}
        for a in created:
            by_school.setdefault(a.school, []).append(a)
        for school, rows in by_school.items():
            lines = "\n".join(f"{a.pupil.display_name}: {a.medicine} due {_hm(a.scheduled_for)}" for a in rows)
            gap = term_dates_gap(today, terms.get(school.pk, []))
            if gap is not None and gap.kind in ("after_last", "before_first"):
                # Flagged only because no term covers today: if the school is on holiday, say why.
                lines += f"\n{gap.message} The office enters term dates on School set-up."
            notify(users=staff_with_ability(school, Ability.RECEIVE_SEN_ALERTS), school=school,
                   subject=f"{len(rows)} missed dose{'s' if len(rows) != 1 else ''} of medicine",
                   body=f"{lines}\nTell the parents and mark it on the medication page.",
                   url=reverse("care:exceptions"))
    return created


def stock_and_expiry_reminders(*, today: datetime.date | None = None) -> int:
    """Remind each school's medicine managers of low stock and batches expiring within 30 days.
    Returns how many schools were reminded."""
    from accounts.models import School

    from .selectors import stock_warnings

    today = today or timezone.localdate()
    sent = 0
    for school in School.objects.all():
        warnings = stock_warnings(school=school, today=today)
        if not warnings:
            continue
        lines = "\n".join(f"{w['pupil'].display_name}: {w['medicine']} — {w['what']}" for w in warnings)
        notify(users=staff_with_ability(school, Ability.MANAGE_MEDICINES), school=school,
               subject=f"Medicines: {len(warnings)} low in stock or expiring soon", body=lines,
               url=reverse("care:stock"))
        sent += 1
    return sent


def term_dates_reminders(*, today: datetime.date | None = None) -> int:
    """Remind the people who enter term dates (the office; the SENCo where no one else may) that next
    year's terms are missing, at a school giving scheduled medicines whose last term entered ends
    within TERMS_WARNING_DAYS or has ended: from then every weekday counts as a school day for
    missed doses (``is_school_day``). Weekly while it lasts: not again within six days of the last
    reminder. Two queries, then two a school reminded. Returns how many schools were reminded."""
    from accounts.models import School

    today = today or timezone.localdate()
    schools = list(School.objects.filter(pk__in=Medicine.objects.filter(
        as_needed=False, stopped_on__isnull=True, pupil__archived_at__isnull=True).values("school_id")))
    terms = {}
    for term in Term.objects.filter(school__in=schools):
        terms.setdefault(term.school_id, []).append(term)
    since = timezone.now() - datetime.timedelta(days=6)
    sent = 0
    for school in schools:
        gap = term_dates_gap(today, terms.get(school.pk, []))
        if gap is None or not gap.next_year_missing:
            continue
        if Notification.objects.filter(school=school, subject=TERMS_MISSING_SUBJECT, created_at__gte=since).exists():
            continue
        people = (staff_with_ability(school, Ability.MANAGE_SCHOOL_SETUP)
                  or staff_with_ability(school, Ability.RECEIVE_SEN_ALERTS))
        notify(users=people, school=school, subject=TERMS_MISSING_SUBJECT,
               body=f"{gap.message} Enter next year's terms on School set-up.", url=reverse("accounts:school_setup"))
        sent += 1
    return sent
