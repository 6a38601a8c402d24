"""Panels for pages other apps own: the reviews-due list on the home page (for people who plan
reviews) and a pupil's next review on the pupil page (for people who read plans).

Registered in plans/apps.py: panels.register("home", reviews_due_panel) and
panels.register("pupil", pupil_review_panel)."""

from accounts.access import Ability
from sendsupport.panels import Panel

from .selectors_reviews import pupil_review_summary, reviews_due

DUE_WEEKS = 8


def reviews_due_panel(request):
    """Home page: reviews due in the next eight weeks or overdue, overdue first (two queries)."""
    staff = request.staff
    if staff.school is None or not staff.can(Ability.EDIT_PLANS):
        return None
    items = reviews_due(staff, weeks=DUE_WEEKS)
    return Panel(template="plans/reviews/_home_panel.html", order=20, context={
        "items": items, "weeks": DUE_WEEKS, "overdue_count": sum(1 for i in items if i.is_overdue),
    })


def pupil_review_panel(request, pupil):
    """Pupil page: the next review due and the booked (or latest) review's step (two queries).
    Nothing for a pupil with no plan in force and no reviews."""
    staff = request.staff
    if not staff.can(Ability.READ_PLANS):
        return None
    summary = pupil_review_summary(pupil)
    if summary.plan is None and summary.latest is None:
        return None
    return Panel(template="plans/reviews/_pupil_panel.html", order=30, context={
        "pupil": pupil, "summary": summary,
        "can_plan": staff.can(Ability.EDIT_PLANS) and not pupil.is_archived and summary.plan is not None,
    })
