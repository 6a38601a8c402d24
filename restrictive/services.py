"""Writes for restrictive-intervention records. Views, commands and the demo call these.

The record, the staff who applied it (with their training that day), witnesses and injuries are
one record: saved in one transaction or not at all. The SENCo is told at once (in-app, and by
email through Celery once the transaction commits). Follow-ups are new rows, never edits."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.access import Ability
from accounts.models import TrainingRecord
from plans.selectors_behaviour import HANDLING_COURSES
from sendsupport import history
from sendsupport.notifications import notify, staff_with_ability

from .models import (
    Debrief, InterventionInjury, InterventionStaff, InterventionWitness, ParentReport, RestrictiveIntervention,
    Review,
)
from .selectors import course_label, training_on


@transaction.atomic
def record_intervention(*, acting_user, intervention: RestrictiveIntervention, staff_applying, witness_users=(),
                        witness_names=(), injuries=(), notify_senco: bool = True) -> RestrictiveIntervention:
    """Save a new record whole. `intervention` is unsaved with its own fields set (incident, pupil,
    type, times, technique...); `injuries` are unsaved Injury rows of the same incident. The
    school, SEN snapshot, author and time are set here. Any invalid part: nothing is saved."""
    ri = intervention
    if ri.pk:
        raise ValidationError("This record has already been saved: add a follow-up instead.")
    incident, pupil = ri.incident, ri.pupil
    involved = {incident.pupil_id} | set(incident.involved_pupils.values_list("pupil_id", flat=True))
    if pupil.pk not in involved:
        raise ValidationError("The record must be about the incident's pupil or a pupil involved in it.")
    if not staff_applying:
        raise ValidationError({"staff_applying": "Choose who applied it."})
    ri.school_id = incident.school_id
    ri.sen_status, ri.primary_need = pupil.sen_status, pupil.primary_need
    ri.written_by, ri.written_at = acting_user, timezone.now()
    if ri.ended_at and ri.ended_at > ri.written_at:
        raise ValidationError({"ended_at": "The end is in the future."})

    with history.action(user=acting_user.pk, action="restrictive.record"):
        ri.full_clean()
        ri.save()
        day = timezone.localdate(ri.started_at)
        scheme = ri.handling_plan.training_scheme if ri.handling_plan_id else ""
        records = list(TrainingRecord.objects.filter(
            school_id=ri.school_id, user__in=[u.pk for u in staff_applying], course__in=HANDLING_COURSES))
        for user in staff_applying:
            record = training_on(user, records, day, scheme)
            row = InterventionStaff(
                intervention=ri, user=user, training_record=record,
                course=record.course if record else "", course_label=course_label(record.course) if record else "",
                completed_on=record.completed_on if record else None, expires_on=record.expires_on if record else None)
            row.full_clean()
            row.save()
        for user in witness_users:
            InterventionWitness.objects.create(intervention=ri, user=user)
        for name in witness_names:
            witness = InterventionWitness(intervention=ri, name=name[:120])
            witness.full_clean()
            witness.save()
        for injury in injuries:
            injury.incident = incident
            injury.recorded_by, injury.recorded_at = acting_user, ri.written_at
            injury.full_clean()
            injury.save()
            InterventionInjury.objects.create(intervention=ri, injury=injury)
    if notify_senco:
        _tell_senco(ri)
    return ri


def _tell_senco(ri: RestrictiveIntervention) -> None:
    """The SENCo hears at once. The email leaves the school's systems: it names no pupil."""
    when = timezone.localtime(ri.started_at)
    hurt = " Someone was hurt." if ri.anyone_hurt else ""
    notify(users=staff_with_ability(ri.school, Ability.RECEIVE_SEN_ALERTS), school=ri.school,
           subject=f"Restrictive intervention recorded: {ri.reference}",
           body=f"{ri.written_by.full_name} recorded {ri.get_kind_display().lower()} on {when:%-d %b %Y at %H:%M}, "
                f"for {ri.duration_minutes} min.{hurt} Parents are to be told and the record reviewed and signed off.",
           url=ri.get_absolute_url())


@transaction.atomic
def add_debrief(*, acting_user, intervention: RestrictiveIntervention, debrief: Debrief) -> Debrief:
    debrief.intervention, debrief.author, debrief.created_at = intervention, acting_user, timezone.now()
    if debrief.held_at and debrief.held_at < intervention.started_at:
        raise ValidationError({"held_at": "The debrief can't be before the intervention."})
    with history.action(user=acting_user.pk, action="restrictive.debrief"):
        debrief.full_clean()
        debrief.save()
    return debrief


@transaction.atomic
def report_to_parents(*, acting_user, intervention: RestrictiveIntervention, report: ParentReport) -> ParentReport:
    """Record that the parents were told (or the written report sent), or that the report was
    withheld for risk of significant harm and the local authority told instead."""
    report.intervention, report.author, report.created_at = intervention, acting_user, timezone.now()
    if report.told_at and report.told_at < intervention.started_at:
        raise ValidationError({"told_at": "They can't have been told before it happened."})
    with history.action(user=acting_user.pk, action="restrictive.parents"):
        report.full_clean()
        report.save()
    return report


@transaction.atomic
def sign_off(*, staff, intervention: RestrictiveIntervention, review: Review) -> Review:
    """A senior leader or the SENCo reviews and signs off the record, once. The row lock makes a
    second click (or a colleague signing at the same moment) find the first sign-off and stop."""
    if not staff.can(Ability.REVIEW_INCIDENTS):
        raise PermissionDenied
    RestrictiveIntervention.objects.select_for_update().filter(pk=intervention.pk).first()
    earlier = Review.objects.filter(intervention=intervention).select_related("author").first()
    if earlier is not None:
        raise ValidationError(f"Already signed off by {earlier.author.full_name} on "
                              f"{timezone.localtime(earlier.created_at):%-d %b %Y at %H:%M}.")
    review.intervention, review.author, review.created_at = intervention, staff.user, timezone.now()
    with history.action(user=staff.user.pk, action="restrictive.sign_off"):
        review.full_clean()
        review.save()
    return review
