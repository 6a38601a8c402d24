"""Writes for annual reviews (EHCP annual, interim and phase-transfer reviews; SEN support reviews).

A review is planned against the pupil's plan in force, then moves forward through its statutory
steps: papers circulated (at least two weeks before the meeting), meeting held, the school's report
sent to the local authority (within two weeks of the meeting). The rules for each step live in
`review_problems`, which the edit form uses to put messages next to the fields and which
`update_review` applies again, so an admin action or a command is held to the same rules."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateformat import format as format_date
from sendsupport import history

from .models import AnnualReview, Plan, VersionStatus

Status = AnnualReview.Status
STEP_ORDER = [Status.PLANNED, Status.PAPERS_SENT, Status.HELD, Status.REPORT_SENT]
EDITABLE_FIELDS = frozenset({
    "kind", "meeting_date", "status", "papers_sent_on", "report_sent_on", "attendees", "pupil_views",
    "parent_views", "what_is_working", "what_is_not_working", "proposed_outcome_changes",
    "proposed_provision_changes",
})
# Far enough ahead for a phase-transfer review booked a year early; a year typed wrongly is caught.
FURTHEST_AHEAD = timedelta(days=400)


def step(status: str) -> int:
    return STEP_ORDER.index(status)


def _d(value: date) -> str:
    return format_date(value, "j F Y")


def is_locked(review: AnnualReview) -> bool:
    """Once the school's report has gone to the local authority the review is what was sent: read-only."""
    return review.status == Status.REPORT_SENT


def statuses_for(plan: Plan) -> list[str]:
    """Only an EHCP's review ends with a report to the local authority."""
    return STEP_ORDER if plan.is_ehcp else STEP_ORDER[:3]


def review_problems(*, plan: Plan, status: str, meeting_date: date | None, papers_sent_on: date | None,
                    report_sent_on: date | None, previous_status: str | None = None,
                    today: date | None = None) -> dict[str, list[str]]:
    """What is wrong with these values, field by field (empty when all is well)."""
    today = today or timezone.localdate()
    problems: dict[str, list[str]] = {}

    def add(field, message):
        problems.setdefault(field, []).append(message)

    if status not in statuses_for(plan):
        add("status", "A SEN support review has no report to the local authority: choose another step."
            if status == Status.REPORT_SENT else "Choose where the review is up to.")
        return problems
    if previous_status and step(previous_status) >= step(Status.HELD) and step(status) < step(Status.HELD):
        add("status", "The meeting has been recorded as held, so the review can't go back to an earlier step.")
    if meeting_date is None:
        return problems  # the field's own "required" message says it
    if meeting_date > today + FURTHEST_AHEAD:
        add("meeting_date", f"{_d(meeting_date)} is more than a year away: check the year.")

    if status == Status.PAPERS_SENT and not papers_sent_on:
        add("papers_sent_on", "Enter the date the papers were sent, or choose another step.")
    if status == Status.PLANNED and papers_sent_on:
        add("status", 'You entered the date the papers were sent: choose "Papers sent", or clear that date.')
    if papers_sent_on:
        if papers_sent_on > today:
            add("papers_sent_on", "This date is in the future: enter the day the papers were actually sent.")
        elif papers_sent_on > meeting_date:
            add("papers_sent_on", f"Papers go out before the meeting ({_d(meeting_date)}): check the date.")

    if step(status) >= step(Status.HELD) and meeting_date > today:
        add("status", f"The meeting is on {_d(meeting_date)}, so it can't be recorded as "
                      f"{'held' if status == Status.HELD else 'reported on'} yet.")
    if status == Status.REPORT_SENT and not report_sent_on:
        add("report_sent_on", "Enter the date the report was sent to the local authority.")
    if report_sent_on and status != Status.REPORT_SENT:
        add("status", 'You entered the date the report was sent: choose "Report sent to the LA", or clear that date.')
    if report_sent_on:
        if report_sent_on > today:
            add("report_sent_on", "This date is in the future: enter the day the report was actually sent.")
        elif report_sent_on < meeting_date:
            add("report_sent_on", f"The report can't be sent before the meeting ({_d(meeting_date)}).")
    return problems


def plan_in_force(pupil) -> Plan | None:
    """The pupil's EHCP or SEN support plan in force (at most one: a database constraint)."""
    return Plan.objects.filter(pupil=pupil, status=VersionStatus.IN_FORCE).first()


@transaction.atomic
def record_review(*, pupil, plan: Plan, kind: str, meeting_date: date, acting_user,
                  today: date | None = None) -> AnnualReview:
    """Plan a review of the pupil's plan in force. A second submit of the same review (same plan,
    type and date, not yet held) returns the first instead of making a duplicate."""
    from .services import require_current

    require_current(pupil)
    if plan.pupil_id != pupil.pk:
        raise ValidationError("That plan isn't this pupil's.")
    # Locking the plan row makes a double submit wait for the first, then find its review below.
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if not plan.is_in_force:
        raise ValidationError("Reviews are planned against the plan in force.")
    if pupil.is_archived:
        raise ValidationError("This pupil is archived: their record is read-only.")
    today = today or timezone.localdate()
    if meeting_date > today + FURTHEST_AHEAD:
        raise ValidationError({"meeting_date": f"{_d(meeting_date)} is more than a year away: check the year."})
    existing = AnnualReview.objects.filter(
        pupil=pupil, plan=plan, kind=kind, meeting_date=meeting_date, status=Status.PLANNED).first()
    if existing:
        return existing
    with history.action(user=acting_user.pk, action="annual_review.plan"):
        review = AnnualReview(pupil=pupil, plan=plan, kind=kind, meeting_date=meeting_date,
                              status=Status.PLANNED, created_by=acting_user)
        review.full_clean()
        review.save()
    return review


@transaction.atomic
def update_review(*, review: AnnualReview, acting_user, changes: dict, today: date | None = None) -> AnnualReview:
    """Record what happened at a review and move it through its steps. Refuses (ValidationError,
    by field) anything `review_problems` finds wrong. When the review first reaches "held", the
    plan's date of last annual review becomes the meeting date, restarting the 12-month clock."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    review = AnnualReview.objects.select_for_update(of=("self",)).select_related("plan", "pupil").get(pk=review.pk)
    if is_locked(review):
        raise ValidationError("The report has been sent to the local authority: this review is read-only.")
    if review.pupil.is_archived:
        raise ValidationError("This pupil is archived: their record is read-only.")
    previous_status = review.status
    if step(previous_status) >= step(Status.HELD) and "meeting_date" in changes \
            and changes["meeting_date"] != review.meeting_date:
        raise ValidationError({"meeting_date": "The meeting has been held: its date can't be changed."})
    for name, value in changes.items():
        setattr(review, name, value)
    if problems := review_problems(plan=review.plan, status=review.status, meeting_date=review.meeting_date,
                                   papers_sent_on=review.papers_sent_on, report_sent_on=review.report_sent_on,
                                   previous_status=previous_status, today=today):
        raise ValidationError(problems)
    reached_held = step(previous_status) < step(Status.HELD) <= step(review.status)
    action = f"annual_review.{review.status}" if review.status != previous_status else "annual_review.update"
    with history.action(user=acting_user.pk, action=action):
        review.full_clean()
        review.save()
        if reached_held:
            _restart_review_clock(review)
    return review


def _restart_review_clock(review: AnnualReview) -> None:
    """Set the plan's date of last annual review to this meeting.

    This is a fact about the plan's review cycle, not part of what the plan says, so it changes
    without a new version: a queryset update, which skips `require_draft` on purpose. The history
    trigger still records the change, under the caller's pghistory context (user and action).

    It goes on the version in force and on any draft amendment of the same plan (its lineage): a
    draft copied the old date when it was started and would otherwise bring it back when put in
    force. Superseded versions stay as they were. The date only moves forward, so recording an
    older review late doesn't shorten the clock."""
    meeting = review.meeting_date
    Plan.objects.filter(
        lineage=review.plan.lineage, status__in=[VersionStatus.IN_FORCE, VersionStatus.DRAFT],
    ).filter(Q(last_annual_review__isnull=True) | Q(last_annual_review__lt=meeting)).update(
        last_annual_review=meeting)
