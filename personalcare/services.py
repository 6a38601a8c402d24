"""Writes for intimate and personal care. Views, commands and the demo all call these.

- Plans: `save_draft_plan`, `sign_off_plan` (the draft comes into force, the version before is
  superseded), `amend_plan` (a new draft copied from the version in force). Only the SENCo
  (MANAGE_PERSONAL_CARE).
- `record_care`: staff named on the plan in force log care given; where the plan needs a second
  adult the log is refused without one; a second adult the plan doesn't name needs a reason (and
  the SENCo is told); an observation of concern raises a safeguarding concern
  in the same transaction (both saved, or neither).
- `add_addendum`: logs never change; corrections and later detail are appended.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.access import Ability
from accounts.models import Membership
from plans.models import VersionStatus
from plans.services import require_current, require_draft
from sendsupport import history
from sendsupport.notifications import notify, staff_with_ability

from .models import CareGiven, CareLog, CareLogAddendum, CarePlan, CarePlanStaff, Observation
from .selectors import has_current_moving_and_handling, in_force_plan, is_named, names

CLOCK_SLACK = datetime.timedelta(minutes=5)  # a phone's clock may run a little ahead of the server's
SECOND_ADULT_MESSAGE = "This pupil's plan needs a second adult present. Choose who was with you."
MARKS_MESSAGE = "You noted marks or bruising: choose whether to raise a safeguarding concern."
NOT_NAMED_MESSAGE = "{name} isn't named on this pupil's care plan: say why a named adult wasn't with you."
NOTES_MESSAGE = "Describe what you noticed: where, size, colour, what the pupil did or said."
CHILD_WORDS_MESSAGE = ("What the pupil said goes to the safeguarding team with a concern. Raise a concern, or "
                       "write it under \"What you noticed\".")
NOT_COPIED = {"id", "lineage", "version", "status", "created_by", "created_at", "in_force_from", "superseded_at",
              "signed_off_by", "consent_given_by", "consent_given_on"}


def _require_manager(staff) -> None:
    staff.require(Ability.MANAGE_PERSONAL_CARE)


def _require_school(staff, school_id) -> None:
    # Commands and tasks call these services without a view's selector in front of them.
    if staff.school is None or school_id != staff.school.pk:
        raise PermissionDenied("This record belongs to another school.")


@transaction.atomic
def save_draft_plan(*, staff, form) -> CarePlan:
    """Create or update a draft from a validated CarePlanForm (its named staff with it)."""
    _require_manager(staff)
    plan = form.instance
    _require_school(staff, plan.pupil.school_id)
    if plan.pk:
        # Lock the row: a sign-off racing this save waits, then this save is refused.
        require_draft(CarePlan.objects.select_for_update().get(pk=plan.pk))
    else:
        require_current(plan.pupil)
        plan.created_by = staff.user
    with history.action(user=staff.user.pk, action="careplan.save_draft"):
        plan.full_clean()
        return form.save()


def readiness_errors(plan: CarePlan) -> list[str]:
    errors = []
    named = plan.named_staff.count()
    if not named:
        errors.append("Name at least one member of staff who gives this care.")
    elif plan.second_adult_required and named < 2:
        # Otherwise every log would need the exception: a second adult the plan doesn't name.
        errors.append("This plan needs a second adult: name at least two members of staff who give this care.")
    if not (plan.consent_given_by and plan.consent_given_on):
        errors.append("Record who gave parental consent, and when, before the plan comes into force.")
    return errors


@transaction.atomic
def sign_off_plan(*, staff, plan: CarePlan) -> CarePlan:
    """The draft comes into force; the pupil's previous plan in force is superseded. Refuses
    (ValidationError) with the reasons when it isn't ready."""
    _require_manager(staff)
    plan = CarePlan.objects.select_for_update().select_related("pupil").get(pk=plan.pk)
    _require_school(staff, plan.pupil.school_id)
    require_draft(plan)
    if errors := readiness_errors(plan):
        raise ValidationError(errors)
    now = timezone.now()
    with history.action(user=staff.user.pk, action="careplan.sign_off"):
        CarePlan.objects.filter(pupil_id=plan.pupil_id, status=VersionStatus.IN_FORCE).update(
            status=VersionStatus.SUPERSEDED, superseded_at=now)
        plan.status, plan.in_force_from, plan.signed_off_by = VersionStatus.IN_FORCE, now, staff.user
        plan.save(update_fields=["status", "in_force_from", "signed_off_by"])
    return plan


@transaction.atomic
def amend_plan(*, staff, plan: CarePlan) -> CarePlan:
    """The draft of the next version, copied from `plan` with its named staff; the existing draft
    if there is one (a second click is not a second draft). Consent is asked for again: the
    parents agree to this version, not the last one."""
    _require_manager(staff)
    _require_school(staff, plan.pupil.school_id)
    require_current(plan.pupil)
    list(CarePlan.objects.select_for_update().filter(lineage=plan.lineage).values_list("pk", flat=True))
    existing = CarePlan.objects.filter(lineage=plan.lineage, status=VersionStatus.DRAFT).first()
    if existing:
        return existing
    with history.action(user=staff.user.pk, action="careplan.amend"):
        latest = CarePlan.objects.filter(lineage=plan.lineage).aggregate(v=Max("version"))["v"]
        draft = CarePlan(pupil=plan.pupil, lineage=plan.lineage, version=latest + 1, created_by=staff.user)
        for field in CarePlan._meta.concrete_fields:
            if field.name not in NOT_COPIED:
                setattr(draft, field.attname, getattr(plan, field.attname))
        draft.save()
        CarePlanStaff.objects.bulk_create(
            [CarePlanStaff(plan=draft, user_id=uid) for uid in plan.named_staff.values_list("id", flat=True)])
    return draft


@transaction.atomic
def record_care(*, staff, pupil, occurred_at, care_given, care_notes: str = "", second_adult=None,
                second_adult_reason: str = "", observations=(), observation_notes: str = "",
                low_supplies: bool = False, supplies_note: str = "", raise_concern: bool | None = None,
                child_words: str = "") -> CareLog:
    """Log care given by the acting person, who must be named on the pupil's plan in force.
    Refuses (ValidationError, keyed by field) without a second adult where the plan needs one, a
    second adult the plan doesn't name without `second_adult_reason` (kept only then; the SENCo
    is told), a time before the pupil's first plan came into force or in the future, marks or
    bruising without an explicit answer (`raise_concern` True or False, not None) and the pupil's
    words without a concern (they are kept only on the concern). With `raise_concern`, the observation becomes a
    safeguarding concern in this transaction: if the concern can't be saved, neither is the log."""
    from safeguarding.services import raise_concern as raise_safeguarding_concern

    _require_school(staff, pupil.school_id)
    require_current(pupil)
    plan = in_force_plan(pupil)
    if not is_named(staff, plan):
        raise PermissionDenied("Only staff named on the pupil's care plan log care.")
    care_given = list(dict.fromkeys(care_given or ()))
    observations = list(dict.fromkeys(observations or ())) or [Observation.NONE]
    observation_notes, supplies_note = (observation_notes or "").strip(), (supplies_note or "").strip()
    errors = {}
    if occurred_at is None:
        errors["occurred_at"] = "Enter when you gave the care."
    elif occurred_at > timezone.now() + CLOCK_SLACK:
        errors["occurred_at"] = "This time is in the future. Enter when you gave the care."
    elif occurred_at < (first_in_force := _first_in_force(plan)):
        # Care before any plan was in force was given without one: it isn't logged against this plan.
        errors["occurred_at"] = (f"This is before the pupil's care plan came into force "
                                 f"({date_format(timezone.localtime(first_in_force), 'j F Y, H:i')}). "
                                 "Enter when you gave the care.")
    if not care_given or any(c not in CareGiven.values for c in care_given):
        errors["care_given"] = "Choose the care you gave."
    elif CareGiven.OTHER in care_given and not (care_notes or "").strip():
        errors["care_notes"] = "Say what other care you gave."
    if any(o not in Observation.values for o in observations):
        errors["observations"] = "Choose what you noticed from the list."
    elif len(observations) > 1:
        # "Nothing to note" starts ticked: tapping what was noticed must not need a second tap to untick it.
        observations = [o for o in observations if o != Observation.NONE]
    noticed = Observation.NONE not in observations
    if (noticed or raise_concern) and not observation_notes:
        errors["observation_notes"] = NOTES_MESSAGE
    if Observation.MARKS in observations and raise_concern is None:
        errors["raise_concern"] = MARKS_MESSAGE
    child_words = (child_words or "").strip()
    if child_words and not raise_concern:
        errors["child_words"] = CHILD_WORDS_MESSAGE
    if plan.second_adult_required and second_adult is None:
        errors["second_adult"] = SECOND_ADULT_MESSAGE
    elif second_adult is not None and second_adult.pk == staff.user.pk:
        errors["second_adult"] = "The second adult is someone other than you."
    elif second_adult is not None and not Membership.objects.filter(
            school=staff.school, user=second_adult, is_active=True).exists():
        errors["second_adult"] = "Choose a member of staff at this school."
    # The plan's named staff are the ones the parents agreed to and who know this pupil's care. Someone
    # else (cover on a sick day) is recorded as they were, with why, rather than refused: the care has
    # already happened, and a refusal would only lose the record or tempt a wrong name.
    unnamed = second_adult is not None and not names(plan, second_adult)
    second_adult_reason = (second_adult_reason or "").strip() if unnamed else ""
    if unnamed and "second_adult" not in errors and not second_adult_reason:
        errors["second_adult_reason"] = NOT_NAMED_MESSAGE.format(name=second_adult.full_name or second_adult.email)
    if low_supplies and not supplies_note:
        errors["supplies_note"] = "Say what is running low."
    if errors:
        raise ValidationError(errors)

    concern = None
    if raise_concern:
        # The safeguarding service checks and notifies the DSL team on commit; its own refusal
        # (a ValidationError) rolls this whole transaction back, so no log without its concern.
        concern = raise_safeguarding_concern(
            staff=staff, pupil=pupil, occurred_at=occurred_at, place=plan.care_location or "During personal care",
            facts=f"Noticed during personal care ({', '.join(_labels(CareGiven, care_given)).lower()}): "
                  f"{', '.join(_labels(Observation, observations)).lower()}. {observation_notes}",
            child_words=child_words)
    with history.action(user=staff.user.pk, action="carelog.record"):
        log = CareLog(school=pupil.school, pupil=pupil, plan=plan, occurred_at=occurred_at, care_given=care_given,
                      care_notes=(care_notes or "").strip(), given_by=staff.user, second_adult=second_adult,
                      second_adult_reason=second_adult_reason,
                      second_adult_required=plan.second_adult_required, observations=observations,
                      observation_notes=observation_notes, low_supplies=low_supplies, supplies_note=supplies_note,
                      concern=concern)
        log.full_clean(exclude=["concern"])
        log.save()
    if low_supplies:
        _tell_about_supplies(staff, pupil)
    if unnamed:
        _tell_about_unnamed_second_adult(staff, log)
    return log


def _first_in_force(plan: CarePlan) -> datetime.datetime:
    """When the pupil's first version of this plan came into force (care logged late, after an
    amendment, still falls within the plan)."""
    if plan.version == 1:
        return plan.in_force_from
    return CarePlan.objects.filter(lineage=plan.lineage, in_force_from__isnull=False).aggregate(
        first=Min("in_force_from"))["first"] or plan.in_force_from


def _labels(choices, values) -> list[str]:
    return [choices(v).label for v in values]


def _tell_about_supplies(staff, pupil) -> None:
    """The SENCo orders supplies. No name or detail leaves by email: the link says which pupil."""
    people = [u for u in staff_with_ability(staff.school, Ability.MANAGE_PERSONAL_CARE) if u.pk != staff.user.pk]
    notify(users=people, school=staff.school, subject="Personal care supplies running low",
           body=f"{staff.user.full_name} logged that supplies are running low for a pupil's personal care. "
                "Sign in to SEND Support to see what is needed.",
           url=reverse("personalcare:pupil", args=[pupil.pk]))


def _tell_about_unnamed_second_adult(staff, log: CareLog) -> None:
    """The SENCo decides whether to name them on the plan (a new version) or to follow it up. Where
    the plan involves moving and handling, says whether they have current training for it."""
    second = log.second_adult
    untrained = ""
    if log.plan.moving_and_handling.strip() and not has_current_moving_and_handling(second, staff.school):
        untrained = " The plan involves moving and handling, and they have no current moving and handling training."
    people = [u for u in staff_with_ability(staff.school, Ability.MANAGE_PERSONAL_CARE) if u.pk != staff.user.pk]
    notify(users=people, school=staff.school, subject="Personal care: second adult not named on the plan",
           body=f"{staff.user.full_name} logged personal care with {second.full_name} as the second adult, who is "
                f"not named on the pupil's care plan.{untrained} Sign in to SEND Support to read why.",
           url=log.get_absolute_url())


@transaction.atomic
def add_addendum(*, staff, log: CareLog, text: str) -> CareLogAddendum:
    """A correction or later detail, by the person who logged the care or the SENCo."""
    _require_school(staff, log.school_id)
    if log.given_by_id != staff.user.pk and not staff.can(Ability.MANAGE_PERSONAL_CARE):
        raise PermissionDenied
    require_current(log.pupil)
    if not (text or "").strip():
        raise ValidationError({"text": "Write the correction or the detail to add."})
    with history.action(user=staff.user.pk, action="carelog.addendum"):
        return CareLogAddendum.objects.create(log=log, author=staff.user, text=text.strip())
