"""Reads for annual reviews: the reviews-due list, one review's page, a pupil's review summary.

Each read has a fixed number of queries whatever the number of pupils, plans or reviews."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Case, DateField, Exists, F, Func, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateformat import format as format_date

from pupils.models import Pupil

from .models import AnnualReview, Plan, VersionStatus

Status = AnnualReview.Status
OPEN = [Status.PLANNED, Status.PAPERS_SENT]  # booked, meeting not yet recorded as held
DONE = [Status.HELD, Status.REPORT_SENT]


def _d(value: date) -> str:
    return format_date(value, "j F Y")


class TwelveMonthsAfter(Func):
    """date + 12 months in PostgreSQL: the same day a year on, 29 February -> 28 February, as
    `plans.models.add_months` does for `Plan.next_review_due`."""

    template = "((%(expressions)s) + interval '12 months')::date"
    output_field = DateField()


# --- one review's statutory dates ---------------------------------------------------------------

@dataclass(frozen=True)
class Deadline:
    """One statutory date of a review and whether it was met."""

    label: str
    due_by: date
    done_on: date | None
    today: date

    @property
    def state(self) -> str:
        """met, late (done after the date), overdue (not done, date passed), due (not done yet)."""
        if self.done_on:
            return "met" if self.done_on <= self.due_by else "late"
        return "overdue" if self.today > self.due_by else "due"

    @property
    def days_late(self) -> int:
        return ((self.done_on or self.today) - self.due_by).days

    @property
    def days_left(self) -> int:
        return (self.due_by - self.today).days


def review_deadlines(review: AnnualReview, today: date | None = None) -> list[Deadline]:
    """The two statutory dates of an EHCP review (none for a SEN support review: no statute)."""
    today = today or timezone.localdate()
    if not review.plan.is_ehcp:
        return []
    return [
        Deadline("Papers circulated (at least two weeks before the meeting)", review.papers_due_by,
                 review.papers_sent_on, today),
        Deadline("Report sent to the local authority (within two weeks of the meeting)", review.report_due_by,
                 review.report_sent_on, today),
    ]


def review_warnings(review: AnnualReview, today: date | None = None) -> list[str]:
    """What needs doing now, in words, for a review that is behind (empty when it is on track)."""
    today = today or timezone.localdate()
    out = []
    is_ehcp = review.plan.is_ehcp
    if review.status in OPEN and review.meeting_date < today:
        out.append(f"The meeting date ({_d(review.meeting_date)}) has passed: record whether it was held.")
    if is_ehcp and review.status == Status.PLANNED and review.papers_due_by < today <= review.meeting_date:
        out.append(f"Papers are overdue: they should have gone out by {_d(review.papers_due_by)}.")
    if is_ehcp and review.status != Status.REPORT_SENT and review.report_due_by < today:
        out.append(f"The report to the local authority is overdue: it was due by {_d(review.report_due_by)}.")
    return out


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # done, current, todo
    on: date | None


def review_steps(review: AnnualReview) -> list[Step]:
    """planned -> papers sent -> held (-> report sent, for an EHCP), with the date of each step."""
    from .services_reviews import statuses_for, step

    dates = {Status.PLANNED: None, Status.PAPERS_SENT: review.papers_sent_on, Status.HELD: review.meeting_date,
             Status.REPORT_SENT: review.report_sent_on}
    labels = {Status.PLANNED: "Planned", Status.PAPERS_SENT: "Papers sent", Status.HELD: "Meeting held",
              Status.REPORT_SENT: "Report sent to the LA"}
    current = step(review.status)
    out = []
    for s in statuses_for(review.plan):
        state = "done" if step(s) < current else "current" if step(s) == current else "todo"
        out.append(Step(labels[s], state, dates[s] if state != "todo" else None))
    return out


def get_review(pupil: Pupil, review_id: int) -> AnnualReview:
    """A review of this pupil, or 404 (another pupil's review id under this pupil's address too)."""
    return get_object_or_404(AnnualReview.objects.select_related("plan", "created_by"), pk=review_id, pupil=pupil)


# --- the reviews-due list -----------------------------------------------------------------------

@dataclass
class DueItem:
    """One line of the reviews-due list: a plan whose review is due (with any review booked), or a
    booked review that has fallen behind its statutory dates."""

    pupil: Pupil
    plan_kind: str
    due_on: date | None  # the plan's next review date (None for a review-only line)
    review_id: int | None = None
    meeting_date: date | None = None
    review_status: str | None = None
    warnings: list[str] = field(default_factory=list)
    today: date = None

    @property
    def plan_overdue(self) -> bool:
        return self.due_on is not None and self.due_on < self.today

    @property
    def is_overdue(self) -> bool:
        return self.plan_overdue or bool(self.warnings)

    @property
    def sort_date(self) -> date:
        return min(d for d in (self.due_on, self.meeting_date) if d is not None)

    @property
    def review_status_label(self) -> str:
        return Status(self.review_status).label if self.review_status else ""

    @property
    def plan_kind_label(self) -> str:
        return Plan.Kind(self.plan_kind).label


def reviews_due(staff, weeks: int = 8, *, today: date | None = None) -> list[DueItem]:
    """For the pupils this person may see (current pupils only):

    (a) plans in force whose review falls due within `weeks` weeks or is already overdue, with the
        review booked for the pupil, if any; an EHCP is due 12 months after its last annual review
        (or its issue), a SEN support plan on its review date until a review of that plan is held;
    (b) booked reviews of an EHCP that are behind: papers not circulated two weeks before, the
        meeting date passed without it being recorded, or no report to the LA two weeks after.

    Overdue lines first, then by date. Two queries whatever the number of pupils."""
    today = today or timezone.localdate()
    visible = Pupil.objects.visible_to(staff).current().values("pk")

    open_reviews = AnnualReview.objects.filter(pupil=OuterRef("pupil"), status__in=OPEN).order_by("meeting_date", "id")
    plans = (
        Plan.objects.filter(pupil__in=visible, status=VersionStatus.IN_FORCE)
        .annotate(
            due_on=Case(
                When(kind=Plan.Kind.EHCP, then=TwelveMonthsAfter(Coalesce("last_annual_review", "date_issued"))),
                default=F("review_due_on"), output_field=DateField()),
            reviewed=Exists(AnnualReview.objects.filter(plan=OuterRef("pk"), status__in=DONE)),
            open_review_id=Subquery(open_reviews.values("id")[:1]),
            open_review_date=Subquery(open_reviews.values("meeting_date")[:1]),
            open_review_status=Subquery(open_reviews.values("status")[:1]),
        )
        # A SEN support plan's cycle ends with its review; the next cycle is a new version.
        .filter(Q(kind=Plan.Kind.EHCP) | Q(reviewed=False))
        .filter(due_on__lte=today + timedelta(weeks=weeks))
        .select_related("pupil", "pupil__class_group")
    )
    behind = (
        AnnualReview.objects.filter(pupil__in=visible, plan__kind=Plan.Kind.EHCP)
        .exclude(status=Status.REPORT_SENT)
        .filter(
            Q(status=Status.PLANNED, meeting_date__lt=today + timedelta(days=14))  # papers overdue
            | Q(status__in=OPEN, meeting_date__lt=today)  # meeting passed, not recorded
            | Q(meeting_date__lt=today - timedelta(days=14))  # report overdue
        )
        .select_related("plan", "pupil", "pupil__class_group")
    )

    items, by_review = [], {}
    for plan in plans:
        item = DueItem(pupil=plan.pupil, plan_kind=plan.kind, due_on=plan.due_on, review_id=plan.open_review_id,
                       meeting_date=plan.open_review_date, review_status=plan.open_review_status, today=today)
        items.append(item)
        if item.review_id:
            by_review[item.review_id] = item
    for review in behind:
        warnings = review_warnings(review, today)
        if not warnings:
            continue
        if review.pk in by_review:  # the review booked for a plan already listed: warn on that line
            by_review[review.pk].warnings = warnings
            continue
        items.append(DueItem(pupil=review.pupil, plan_kind=review.plan.kind, due_on=None, review_id=review.pk,
                             meeting_date=review.meeting_date, review_status=review.status, warnings=warnings,
                             today=today))
    items.sort(key=lambda i: (not i.is_overdue, i.sort_date, i.pupil.legal_last_name, i.pupil.pk))
    return items


# --- a pupil's review summary (the pupil page panel) ---------------------------------------------

@dataclass
class PupilReviewSummary:
    plan: Plan | None
    latest: AnnualReview | None  # the review booked next if there is one, else the most recent
    today: date

    @property
    def next_due(self) -> date | None:
        return self.plan.next_review_due if self.plan else None

    @property
    def cycle_reviewed(self) -> bool:
        """A SEN support plan whose review has been held: the next cycle is a new version."""
        return self.plan is not None and not self.plan.is_ehcp and self.plan.reviewed

    @property
    def overdue(self) -> bool:
        return self.next_due is not None and self.next_due < self.today and not self.cycle_reviewed

    @property
    def latest_is_open(self) -> bool:
        return self.latest is not None and self.latest.status in OPEN

    @property
    def warnings(self) -> list[str]:
        return review_warnings(self.latest, self.today) if self.latest else []


def pupil_review_summary(pupil: Pupil, *, today: date | None = None) -> PupilReviewSummary:
    """The pupil's plan in force and their next booked review (else their latest one): two queries."""
    today = today or timezone.localdate()
    plan = (
        Plan.objects.filter(pupil=pupil, status=VersionStatus.IN_FORCE)
        .annotate(reviewed=Exists(AnnualReview.objects.filter(plan=OuterRef("pk"), status__in=DONE)))
        .first()
    )
    # Booked reviews (soonest first) before held ones (most recent first).
    latest = (
        AnnualReview.objects.filter(pupil=pupil).select_related("plan")
        .annotate(held=Case(When(status__in=OPEN, then=0), default=1))
        .order_by("held", Case(When(status__in=OPEN, then=F("meeting_date"))), "-meeting_date", "-id")
        .first()
    )
    return PupilReviewSummary(plan=plan, latest=latest, today=today)
