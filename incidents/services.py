"""Writes for incidents. Views, admin, commands and tasks all call these.

Submitting turns a draft (or a form posted without one) into a fixed record in one transaction;
after that only addenda, corrections and review are added."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Period
from sendsupport import history

from .models import Addendum, AddendumKind, CorrectableField, Incident, IncidentDraft, InvolvedStaff, StaffRole


def period_at(school, when) -> Period | None:
    """The period of the school day the moment falls in (the school's own day structure)."""
    local = timezone.localtime(when).time()
    return Period.objects.filter(school=school, starts_at__lte=local, ends_at__gt=local).order_by("starts_at").first()


def save_draft(*, staff, key, data: dict, pupil=None, full_report=False) -> IncidentDraft:
    """Keep what has been typed so far, whole, as the author's draft (autosave). Nothing is checked:
    a half-typed time is kept as typed. Another person's draft key is refused."""
    draft, created = IncidentDraft.objects.get_or_create(
        key=key, defaults={"school": staff.school, "author": staff.user, "data": data, "pupil": pupil,
                           "full_report": full_report})
    if draft.author_id != staff.user.pk or draft.school_id != staff.school.pk:
        raise ValidationError("That draft isn't yours.")
    if not draft.is_open:
        raise ValidationError("That report has already been submitted.")
    if not created:
        IncidentDraft.objects.filter(pk=draft.pk).update(
            data=data, pupil=pupil, full_report=full_report or draft.full_report, updated_at=timezone.now())
    return draft


@transaction.atomic
def submit_incident(*, staff, form, formsets=(), draft_key=None, full_report=False) -> Incident:
    """Submit a validated quick log or full report: the incident, its parts (formsets) and the
    draft's closing, all in one transaction. The period is worked out from the time if left blank."""
    incident: Incident = form.instance
    incident.school, incident.created_by = staff.school, staff.user
    incident.recorded_at = timezone.now()
    incident.is_full_report = full_report
    if incident.period_id is None:
        incident.period = period_at(staff.school, incident.occurred_at)
    incident.set_local_time()
    with history.action(user=staff.user.pk, action="incident.submit"):
        form.save()  # the ModelForm has run the model's validation
        for formset in formsets:
            formset.instance = incident
            for part in formset.save(commit=False):
                if hasattr(part, "recorded_by_id"):
                    part.recorded_by = staff.user
                part.full_clean()
                part.save()
        for user in form.cleaned_data.get("staff_involved") or ():
            InvolvedStaff.objects.create(incident=incident, user=user, role=StaffRole.INVOLVED)
        for user in form.cleaned_data.get("witnesses") or ():
            InvolvedStaff.objects.create(incident=incident, user=user, role=StaffRole.WITNESS)
        if draft_key:
            IncidentDraft.objects.filter(key=draft_key, author=staff.user, submitted_as__isnull=True).update(
                submitted_as=incident, updated_at=timezone.now())
    if incident.physical_intervention:
        _tell_senco_of_force(incident)
    return incident


def _tell_senco_of_force(incident: Incident) -> None:
    """The SENCo hears at once that force was used; the full record follows (restrictive app)."""
    from accounts.access import Ability
    from sendsupport.notifications import notify, staff_with_ability

    when = timezone.localtime(incident.occurred_at)
    notify(users=staff_with_ability(incident.school, Ability.RECEIVE_SEN_ALERTS), school=incident.school,
           subject=f"Physical intervention reported: {incident.reference}",
           body=f"{incident.created_by.full_name} reported that force or restraint was used on "
                f"{when:%-d %b %Y at %H:%M}. The restrictive intervention record is due today.",
           url=incident.get_absolute_url())


def discard_draft(*, staff, key) -> None:
    """The author abandons a draft. It is kept (marked discarded), like everything else."""
    IncidentDraft.objects.filter(key=key, author=staff.user, submitted_as__isnull=True).update(
        discarded_at=timezone.now())


@transaction.atomic
def add_addendum(*, staff, incident: Incident, kind: str, text: str) -> Addendum:
    if kind not in (AddendumKind.NOTE, AddendumKind.WITNESS):
        raise ValidationError("Use a correction for a change to a fact.")
    with history.action(user=staff.user.pk, action="incident.addendum"):
        addendum = Addendum(incident=incident, kind=kind, text=text, author=staff.user)
        addendum.full_clean()
        addendum.save()
    return addendum


def _shown(incident: Incident, field: str) -> str:
    if field == CorrectableField.OCCURRED_AT:
        return f"{timezone.localtime(incident.occurred_at):%-d %b %Y %H:%M}"
    if field == CorrectableField.LOCATION:
        return str(incident.location)
    return incident.pupil.display_name


@transaction.atomic
def correct_fact(*, staff, incident: Incident, field: str, value, reason: str) -> Addendum:
    """Correct when, where or who: the incident's column moves (so lists use the right value) and a
    correction addendum keeps what it said before, who changed it and why."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why this is being corrected."})
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    was = _shown(incident, field)
    if field == CorrectableField.OCCURRED_AT:
        if value > timezone.now():
            raise ValidationError({"value": "That time is in the future."})
        incident.occurred_at = value
        incident.period = period_at(incident.school, value)
        incident.set_local_time()
    elif field == CorrectableField.LOCATION:
        if value.school_id != incident.school_id:
            raise ValidationError({"value": "Choose one of this school's places."})
        incident.location = value
    elif field == CorrectableField.PUPIL:
        if value.school_id != incident.school_id:
            raise ValidationError({"value": "Choose a pupil of this school."})
        incident.pupil = value
    else:
        raise ValidationError("Only the time, place or pupil can be corrected.")
    incident.corrected = True
    with history.action(user=staff.user.pk, action="incident.correct"):
        incident.save(update_fields=["occurred_at", "local_date", "local_weekday", "local_hour", "period",
                                     "location", "pupil", "corrected"])
        addendum = Addendum.objects.create(incident=incident, kind=AddendumKind.CORRECTION, author=staff.user,
                                           text=reason.strip(), field=field, was=was, now=_shown(incident, field))
    return addendum


@transaction.atomic
def mark_reviewed(*, staff, incident: Incident, note: str = "") -> Incident:
    """A SENCo or senior leader has read the incident (and says what follows, if anything)."""
    updated = Incident.objects.filter(pk=incident.pk, reviewed_at__isnull=True)
    with history.action(user=staff.user.pk, action="incident.review"):
        if updated.update(reviewed_at=timezone.now(), reviewed_by=staff.user):
            Addendum.objects.create(incident=incident, kind=AddendumKind.REVIEW, author=staff.user,
                                    text=note.strip() or "Reviewed.")
    incident.refresh_from_db()
    return incident
