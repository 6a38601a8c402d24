"""Writes for sessions: a whole group's session, with every pupil's attendance and the progress
evidence it gives, in one transaction or not at all.

A recorded session is fixed (evidence: it is not edited in this iteration); a second recording of the
same date is refused."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.middleware import staff_context_for
from plans import services as plan_services
from plans.models import Outcome, VersionStatus
from pupils.models import Pupil
from sendsupport import history

from .models import Attendance, AttendanceStatus, Group, Session, SessionStatus
from .selectors_sessions import date_problem


def _refuse_ratings_off_caseload(rows, *, group, acting_user) -> None:
    """A rating of a pupil the recorder sees by name only (outside their caseload) is refused: the
    form offers none, so this is an old tab or another caller. Two queries, only when something is
    rated."""
    rated = {placement.pupil_id: placement for placement, mark in rows if mark.rating is not None}
    if not rated:
        return
    staff = staff_context_for(acting_user, group.school_id)
    known = set(Pupil.objects.visible_to(staff).filter(pk__in=rated).values_list("pk", flat=True))
    for pupil_id, placement in rated.items():
        if pupil_id not in known:
            raise ValidationError(f"{placement.pupil.display_name} isn't on your caseload: their session "
                                  "target isn't shown to you, so it can't be rated. Nothing was saved.")


@transaction.atomic
def record_session(*, group: Group, date: datetime.date, status: str, cancel_reason: str = "",
                   minutes: int | None = None, note: str = "", attendance: list[dict], placements,
                   acting_user) -> Session:
    """Record one session of `group` on `date`.

    `placements`: the group's current placements that day (the caller's scoped list); `attendance`:
    one dict per placement (placement_id, status, absence_reason, rating, regulation). Every check is
    made again here, whoever calls: the date must be one of the group's planned dates, not in the
    future; each row's placement must be one of `placements`; an absence needs a reason; a
    cancellation needs a reason; only pupils on the recorder's caseload (or the whole school, for
    the SENCo) may be rated, since the others' targets aren't shown to them and a rating becomes
    evidence on the pupil's plan. For each present pupil with a rating whose placement serves an
    outcome, progress evidence is added to that outcome (its version in force, when there is one)."""
    group = Group.objects.select_for_update().select_related("intervention").get(pk=group.pk)
    today = timezone.localdate()
    if problem := date_problem(group, date, today):
        raise ValidationError(problem)
    if Session.objects.filter(group=group, date=date).exists():
        raise ValidationError(f"The session on {date:%-d %B %Y} has already been recorded.")
    intervention = group.intervention
    by_id = {p.pk: p for p in placements}
    cancelled = status == SessionStatus.CANCELLED
    if status not in SessionStatus.values:
        raise ValidationError("Choose whether the session was delivered or cancelled.")
    if cancelled and not cancel_reason.strip():
        raise ValidationError("Say why the session was cancelled.")
    rows = []
    if not cancelled:
        seen = set()
        for row in attendance:
            placement = by_id.get(row["placement_id"])
            if placement is None or placement.group_id != group.pk or row["placement_id"] in seen:
                raise ValidationError("A pupil in this form isn't on this group on this date.")
            seen.add(placement.pk)
            present = row["status"] == AttendanceStatus.PRESENT
            if row["status"] not in AttendanceStatus.values:
                raise ValidationError("Choose present or absent for each pupil.")
            if not present and not (row.get("absence_reason") or "").strip():
                raise ValidationError(f"Give a reason for {placement.pupil.display_name}'s absence.")
            rows.append((placement, Attendance(
                placement=placement, status=row["status"],
                absence_reason="" if present else row["absence_reason"].strip(),
                rating=row.get("rating") if present and intervention.rates_sessions else None,
                regulation=(row.get("regulation") or "") if present and intervention.records_regulation else "",
            )))
        if seen != set(by_id):
            raise ValidationError("Record every pupil on the group: some are missing from the form.")
        _refuse_ratings_off_caseload(rows, group=group, acting_user=acting_user)
    with history.action(user=acting_user.pk, action="interventions.session.record"):
        session = Session(group=group, date=date, status=status, cancel_reason=cancel_reason.strip() if cancelled else "",
                          minutes=None if cancelled else (minutes or group.minutes_per_session), note=note.strip(),
                          recorded_by=acting_user)
        session.full_clean()
        session.save()
        for _, a in rows:
            a.session = session
        Attendance.objects.bulk_create([a for _, a in rows])
    rated = [(p, a) for p, a in rows if a.status == AttendanceStatus.PRESENT and a.rating is not None
             and p.outcome_id is not None]
    if rated:
        # Evidence goes on the outcome's version in force; the timeline follows the lineage anyway.
        lineages = {p.outcome.lineage for p, _ in rated}
        in_force = {o.lineage: o for o in Outcome.objects.filter(lineage__in=lineages,
                                                               plan__status=VersionStatus.IN_FORCE)
                    .select_related("plan")}
        words = f"{intervention.name} session" + (f": {session.note}" if session.note else "")
        for placement, a in rated:
            outcome = in_force.get(placement.outcome.lineage)
            if outcome is None or outcome.plan.pupil_id != placement.pupil_id:
                outcome = placement.outcome
            plan_services.add_evidence(pupil=placement.pupil, outcome=outcome, target=None, observed_on=date,
                                       note=words, rating=a.rating, files=[], acting_user=acting_user)
    return session
