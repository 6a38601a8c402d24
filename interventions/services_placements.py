"""Writes for the catalogue, groups (and ending or re-opening one), placements (scores, review,
ending) and therapy programmes (and ending or re-opening one). Each is atomic and runs under a history context naming the acting user
and the action; views, commands and tasks all come through here. Forms check what a person typed;
the rules that must hold whoever calls (group size, the plan an outcome belongs to, exit after
entry, the dates of an ending, an ended group or programme staying as it ended) are checked again
here and refused with a ValidationError keyed by field."""

import datetime
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Least
from django.utils import timezone
from sendsupport import history

from .models import (
    Group, Intervention, Placement, ProgrammeDelivery, Reopening, Session, SessionStatus, TherapyProgramme,
)
from .selectors_placements import END_GROUP_ACTION, ending_writes


# Once a group or programme has ended it is a record of what ran: its dates, days, time, staff
# (who could record its sessions or log its deliveries) and what it was are fixed. Only a label may
# still change: a group's name; a programme's therapist, service name and report (the discharge
# report often comes after the end).
GROUP_FIXED_ONCE_ENDED = ("intervention", "staff", "days", "starts_at", "minutes_per_session", "start_date",
                          "planned_end_date")
PROGRAMME_FIXED_ONCE_ENDED = ("pupil", "service", "set_on", "targets", "activities", "frequency", "review_on",
                              "outcome", "staff")


def fixed_once_ended(run, what: str) -> str:
    """The refusal next to a field of an ended group or programme."""
    return f"The {what} ended on {run.ended_on:%-d %B %Y}: this is fixed and can't be changed."


def _refuse_changes_once_ended(form, stored, names, what) -> None:
    """If `stored` (the row as it is, locked) has ended, refuse, keyed by field, each of `names`
    that the valid `form` would change. A page opened before the end, or another caller, gets
    here; the form itself refuses first."""
    if stored.ended_on is None:
        return
    staff_pks = {u.pk for u in form.cleaned_data["staff"]} if "staff" in form.cleaned_data else None
    if changed := _changed_fields(form.instance, stored, names, staff_pks=staff_pks):
        raise ValidationError({name: fixed_once_ended(stored, what) for name in changed})


def _keep_ending(instance, stored) -> None:
    """The ending as stored: a form opened before the group or programme ended holds none, and
    saving it must not undo the ending."""
    instance.ended_on, instance.end_reason, instance.ended_by_id = stored.ended_on, stored.end_reason, stored.ended_by_id


def _changed_fields(instance, stored, names, *, staff_pks=None) -> list[str]:
    """Which of `names` differ between the edited `instance` and the `stored` row; "staff" (a
    many-to-many) is compared with `staff_pks`, the staff chosen (None: not being changed)."""
    changed = []
    for name in names:
        if name == "staff":
            if staff_pks is not None and staff_pks != set(stored.staff.values_list("pk", flat=True)):
                changed.append(name)
            continue
        field = instance._meta.get_field(name)
        before, after = getattr(stored, field.attname), getattr(instance, field.attname)
        if name == "days":
            before, after = sorted(set(before)), sorted(set(after))
        if before != after:
            changed.append(name)
    return changed


def _require_same_school(obj_school_id, acting_school_id):
    if obj_school_id != acting_school_id:
        raise ValidationError("That belongs to another school.")


@transaction.atomic
def save_intervention(*, form, school, acting_user) -> Intervention:
    """Create or update a catalogue entry from a valid InterventionForm."""
    intervention = form.instance
    action = "interventions.catalogue.edit" if intervention.pk else "interventions.catalogue.create"
    intervention.school = school
    with history.action(user=acting_user.pk, action=action):
        intervention.full_clean(validate_unique=False)
        return form.save()


@transaction.atomic
def save_group(*, form, school, acting_user) -> Group:
    """Create or update a group (its staff, days, time and dates) from a valid GroupForm. An ended
    group keeps everything but its name (GROUP_FIXED_ONCE_ENDED): a change to the rest is refused."""
    group = form.instance
    action = "interventions.group.edit" if group.pk else "interventions.group.create"
    group.school = school
    if not group.pk:
        group.created_by = acting_user
    else:
        stored = Group.objects.select_for_update().get(pk=group.pk)
        _refuse_changes_once_ended(form, stored, GROUP_FIXED_ONCE_ENDED, "group")
        _keep_ending(group, stored)
    _require_same_school(form.cleaned_data["intervention"].school_id, school.pk)
    with history.action(user=acting_user.pk, action=action):
        group = form.save(commit=False)
        group.days = sorted(set(form.cleaned_data["days"]))
        group.full_clean()
        group.save()
        form.save_m2m()
    return group


def places_taken(group) -> int:
    return Placement.objects.filter(group=group, ended_on__isnull=True).count()


@transaction.atomic
def add_placement(*, group, pupil, smart_target, start_date, end_date, review_due=None, outcome=None,
                  provision=None, acting_user) -> Placement:
    """Put a pupil on a group. The group row is locked so two SENCos adding the last place at once
    can't both succeed; the group may not hold more current pupils than the intervention allows."""
    group = Group.objects.select_for_update().select_related("intervention").get(pk=group.pk)
    _require_same_school(pupil.school_id, group.school_id)
    if group.ended_on is not None:
        raise ValidationError({"pupil": f"{group.name} ended on {group.ended_on:%-d %B %Y}: start another group."})
    errors = {}
    size = group.intervention.max_group_size
    if places_taken(group) >= size:
        errors["pupil"] = (f"The group is full: {group.intervention.name} takes at most {size} "
                           f"pupil{'s' if size != 1 else ''}. End a placement or start another group.")
    for name, item in (("outcome", outcome), ("provision", provision)):
        if item is not None and item.plan.pupil_id != pupil.pk:
            errors[name] = f"That {name} is in another pupil's plan."
    if start_date < group.start_date or end_date > group.last_day:
        errors["start_date"] = "The placement must lie within the group's dates."
    if errors:
        raise ValidationError(errors)
    with history.action(user=acting_user.pk, action="interventions.placement.create"):
        return Placement.objects.create(
            group=group, pupil=pupil, smart_target=smart_target, outcome=outcome, provision=provision,
            start_date=start_date, end_date=end_date, review_due=review_due or end_date, created_by=acting_user)


@transaction.atomic
def record_scores(*, placement, entry_score, entry_date, exit_score, exit_date, target_progress,
                  acting_user) -> Placement:
    """Entry and exit scores on the intervention's measure and progress against the target."""
    placement = Placement.objects.select_for_update().select_related("group__intervention").get(pk=placement.pk)
    intervention = placement.group.intervention
    errors = {}
    for name, score in (("entry_score", entry_score), ("exit_score", exit_score)):
        if score is None:
            continue
        if intervention.measure_min is not None and score < intervention.measure_min:
            errors[name] = f"The lowest score on this measure is {intervention.measure_min}."
        if intervention.measure_max is not None and score > intervention.measure_max:
            errors[name] = f"The highest score on this measure is {intervention.measure_max}."
    if exit_score is not None and entry_score is None:
        errors["exit_score"] = "Record the entry score first: an exit score needs one to compare with."
    elif exit_date and entry_date and exit_date < entry_date:
        errors["exit_date"] = "The exit can't be before the entry."
    if errors:
        raise ValidationError(errors)
    placement.entry_score, placement.entry_date = entry_score, entry_date
    placement.exit_score, placement.exit_date = exit_score, exit_date
    placement.target_progress = target_progress
    with history.action(user=acting_user.pk, action="interventions.placement.scores"):
        placement.save(update_fields=["entry_score", "entry_date", "exit_score", "exit_date", "target_progress"])
    return placement


@transaction.atomic
def review_placement(*, placement, reviewed_on, decision, score, notes, end_placement=False,
                     acting_user) -> Placement:
    """The review at the end: continue, change or stop, scored 1-5, with notes; optionally ends it."""
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    placement.reviewed_on, placement.review_decision = reviewed_on, decision
    placement.review_score, placement.review_notes = score, notes
    placement.reviewed_by = acting_user
    fields = ["reviewed_on", "review_decision", "review_score", "review_notes", "reviewed_by"]
    if end_placement and placement.ended_on is None:
        placement.ended_on = reviewed_on
        fields.append("ended_on")
    with history.action(user=acting_user.pk, action="interventions.placement.review"):
        placement.save(update_fields=fields)
    return placement


@transaction.atomic
def end_placement(*, placement, ended_on, acting_user) -> Placement:
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    if placement.ended_on is not None:
        raise ValidationError({"ended_on": "This placement has already ended."})
    if ended_on < placement.start_date:
        raise ValidationError({"ended_on": "The end can't be before the placement started."})
    placement.ended_on = ended_on
    with history.action(user=acting_user.pk, action="interventions.placement.end"):
        placement.save(update_fields=["ended_on"])
    return placement


@transaction.atomic
def save_programme(*, form, school, acting_user) -> TherapyProgramme:
    """Create or update a therapy programme (and its report, stored privately) from a valid form.
    An ended programme keeps all but its therapist, service name and report
    (PROGRAMME_FIXED_ONCE_ENDED): a change to the rest is refused."""
    programme = form.instance
    action = "interventions.programme.edit" if programme.pk else "interventions.programme.create"
    programme.school = school
    if not programme.pk:
        programme.created_by = acting_user
    else:
        stored = TherapyProgramme.objects.select_for_update().get(pk=programme.pk)
        _refuse_changes_once_ended(form, stored, PROGRAMME_FIXED_ONCE_ENDED, "programme")
        _keep_ending(programme, stored)
    pupil = programme.pupil if programme.pk else form.cleaned_data["pupil"]
    _require_same_school(pupil.school_id, school.pk)
    outcome = form.cleaned_data.get("outcome")
    if outcome is not None and outcome.plan.pupil_id != pupil.pk:
        raise ValidationError({"outcome": "That outcome is in another pupil's plan."})
    report = form.cleaned_data.get("report")
    with history.action(user=acting_user.pk, action=action):
        programme = form.save(commit=False)
        if report and hasattr(report, "content_type"):
            programme.report_name = report.name[:200]
        elif not report:
            programme.report_name = ""
        programme.save()
        form.save_m2m()
    return programme


@transaction.atomic
def add_delivery(*, programme, delivered_on, minutes, note, rating, acting_user) -> ProgrammeDelivery:
    """A line of the delivery log, by a member of the programme's staff (checked by the view). Once
    the programme has ended, a late line may still be logged for a date up to the end."""
    if delivered_on < programme.set_on:
        raise ValidationError({"delivered_on": "The date can't be before the programme was set."})
    if programme.ended_on is not None and delivered_on > programme.ended_on:
        raise ValidationError({"delivered_on": f"The programme ended on {programme.ended_on:%-d %B %Y}: "
                                               "log deliveries up to that date."})
    with history.action(user=acting_user.pk, action="interventions.programme.delivery"):
        delivery = ProgrammeDelivery(programme=programme, delivered_on=delivered_on, minutes=minutes, note=note,
                                     rating=rating, delivered_by=acting_user)
        delivery.full_clean()
        delivery.save()
    return delivery


# --- ending a group or a programme ----------------------------------------------------------------

REASON_MAX = 200


def _end_problems(*, ended_on, reason, today, what, start, last_done=None, planned_end=None) -> dict:
    """The refusals shared by groups and programmes, keyed by field. The end is the last day it ran:
    today or earlier (stopping a group later is a change of its planned end, not an ending), on or
    after its start and its last recorded delivery. One not started yet can only be called off today.
    `start` and `last_done`: (words, date), e.g. ("The group started on", 3 Nov)."""
    start_words, starts = start
    errors = {}
    if ended_on > today:
        errors["ended_on"] = f"The end date can't be in the future: today is {today:%-d %B %Y}."
    elif planned_end is not None and ended_on > planned_end:
        errors["ended_on"] = f"The {what} was planned to end on {planned_end:%-d %B %Y}: end it on or before that."
    elif ended_on < starts and starts <= today:
        errors["ended_on"] = f"{start_words} {starts:%-d %B %Y}: end it on or after that."
    elif ended_on < starts and ended_on != today:
        errors["ended_on"] = (f"The {what} hasn't started yet (it starts on {starts:%-d %B %Y}): "
                              "end it today to call it off.")
    elif last_done is not None and last_done[1] is not None and ended_on < last_done[1]:
        errors["ended_on"] = f"{last_done[0]} {last_done[1]:%-d %B %Y}: end it on or after that."
    if not reason:
        errors["reason"] = f"Say why the {what} is ending."
    elif len(reason) > REASON_MAX:
        errors["reason"] = f"Keep the reason to {REASON_MAX} characters or fewer (it has {len(reason)})."
    return errors


def _cancel_reason(reason: str) -> str:
    words = f"Group ended: {reason}"
    max_length = Session._meta.get_field("cancel_reason").max_length
    return words if len(words) <= max_length else words[:max_length - 1] + "…"


class GroupEnding(NamedTuple):
    group: Group
    placements_ended: int
    sessions_cancelled: int


@transaction.atomic
def end_group(*, group: Group, ended_on: datetime.date, reason: str, acting_user) -> GroupEnding:
    """End a group on `ended_on` (the last day it ran), for `reason`, all or nothing: the group's
    end is set; every open placement ends that day (or at its own planned end, when that came
    first), its scores and review still open to record; and each planned session after that day,
    up to the group's planned end, is stored as cancelled with the reason (never deleted; dates
    already recorded are left as they are). Sessions up to the end may still be recorded late.
    A group ends once: a second call is refused."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    if group.ended_on is not None:
        raise ValidationError(f"{group.name} already ended on {group.ended_on:%-d %B %Y}.")
    reason = reason.strip()
    last_delivered = (Session.objects.filter(group=group, status=SessionStatus.DELIVERED)
                      .aggregate(last=Max("date"))["last"])
    errors = _end_problems(ended_on=ended_on, reason=reason, today=timezone.localdate(), what="group",
                           start=("The group started on", group.start_date),
                           last_done=("A session was delivered on", last_delivered), planned_end=group.planned_end_date)
    if errors:
        raise ValidationError(errors)
    recorded = set(Session.objects.filter(group=group, date__gt=ended_on).values_list("date", flat=True))
    first = max(ended_on + datetime.timedelta(days=1), group.start_date)
    cancelled = [Session(group=group, date=day, status=SessionStatus.CANCELLED, cancel_reason=_cancel_reason(reason),
                         recorded_by=acting_user)
                 for day in group.meeting_dates(first, group.planned_end_date) if day not in recorded]
    with history.action(user=acting_user.pk, action=END_GROUP_ACTION):  # re-opening finds its writes by it
        group.ended_on, group.end_reason, group.ended_by = ended_on, reason, acting_user
        group.save(update_fields=["ended_on", "end_reason", "ended_by"])
        # A placement whose own planned end came first ended then, not later.
        placements = Placement.objects.filter(group=group, ended_on__isnull=True).update(
            ended_on=Least(Value(ended_on), F("end_date")))
        Session.objects.bulk_create(cancelled)
    return GroupEnding(group, placements, len(cancelled))


@transaction.atomic
def end_programme(*, programme: TherapyProgramme, ended_on: datetime.date, reason: str,
                  acting_user) -> TherapyProgramme:
    """End a therapy programme on `ended_on` (the last day it was delivered), for `reason`. Its
    delivery log holds only deliveries that happened (nothing planned to cancel); lines dated up to
    the end may still be logged late. A programme ends once: a second call is refused."""
    programme = TherapyProgramme.objects.select_for_update().get(pk=programme.pk)
    if programme.ended_on is not None:
        raise ValidationError(f"The programme already ended on {programme.ended_on:%-d %B %Y}.")
    reason = reason.strip()
    last_delivery = programme.deliveries.aggregate(last=Max("delivered_on"))["last"]
    errors = _end_problems(ended_on=ended_on, reason=reason, today=timezone.localdate(), what="programme",
                           start=("The programme was set on", programme.set_on),
                           last_done=("A delivery was logged on", last_delivery))
    if errors:
        raise ValidationError(errors)
    with history.action(user=acting_user.pk, action="interventions.end_programme"):
        programme.ended_on, programme.end_reason, programme.ended_by = ended_on, reason, acting_user
        programme.save(update_fields=["ended_on", "end_reason", "ended_by"])
    return programme


# --- re-opening one ended by mistake --------------------------------------------------------------

def _reopen_problems(reason: str, what: str) -> dict:
    if not reason:
        return {"reason": f"Say why the {what} is being re-opened."}
    if len(reason) > REASON_MAX:
        return {"reason": f"Keep the reason to {REASON_MAX} characters or fewer (it has {len(reason)})."}
    return {}


def _record_reopening(run, *, reason, acting_user, **counts) -> Reopening:
    """The ending undone, copied before the run's own ending fields are cleared."""
    which = {"group": run} if isinstance(run, Group) else {"programme": run}
    return Reopening.objects.create(**which, ended_on=run.ended_on, end_reason=run.end_reason,
                                    ended_by_id=run.ended_by_id, reason=reason, reopened_by=acting_user, **counts)


@transaction.atomic
def reopen_group(*, group: Group, reason: str, acting_user) -> Reopening:
    """Undo a group's ending, made by mistake, for `reason`, all or nothing: the group runs again
    (its end date, reason and who ended it are cleared from the group, kept in the Reopening row
    and in its history); the placements its ending ended are open again; and the planned sessions
    after the end its ending stored as cancelled are withdrawn (so they are planned again and can
    be recorded). Only what the ending itself wrote and nobody changed since is undone
    (selectors_placements.ending_writes): every session recorded by staff stays, and a placement
    ended or reviewed another way keeps its end. Only an ended group is re-opened."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    if group.ended_on is None:
        raise ValidationError(f"{group.name} is running: there is no ending to undo.")
    reason = reason.strip()
    if errors := _reopen_problems(reason, "group"):
        raise ValidationError(errors)
    placements, sessions = ending_writes(group, lock=True)
    with history.action(user=acting_user.pk, action="interventions.reopen_group"):
        reopening = _record_reopening(group, reason=reason, acting_user=acting_user,
                                      placements_reopened=len(placements), sessions_restored=len(sessions))
        Placement.objects.filter(pk__in=[p.pk for p in placements]).update(ended_on=None)
        # The delete is in the sessions' history under this action, with the ending's cancellation before it.
        Session.objects.filter(pk__in=[s.pk for s in sessions]).delete()
        group.ended_on, group.end_reason, group.ended_by = None, "", None
        group.save(update_fields=["ended_on", "end_reason", "ended_by"])
    return reopening


@transaction.atomic
def reopen_programme(*, programme: TherapyProgramme, reason: str, acting_user) -> Reopening:
    """Undo a therapy programme's ending, made by mistake, for `reason`: it is current again (the
    ending is kept in the Reopening row and its history). Its ending wrote nothing else; the
    delivery log stays as it is."""
    programme = TherapyProgramme.objects.select_for_update().get(pk=programme.pk)
    if programme.ended_on is None:
        raise ValidationError("The programme is current: there is no ending to undo.")
    reason = reason.strip()
    if errors := _reopen_problems(reason, "programme"):
        raise ValidationError(errors)
    with history.action(user=acting_user.pk, action="interventions.reopen_programme"):
        reopening = _record_reopening(programme, reason=reason, acting_user=acting_user)
        programme.ended_on, programme.end_reason, programme.ended_by = None, "", None
        programme.save(update_fields=["ended_on", "end_reason", "ended_by"])
    return reopening
