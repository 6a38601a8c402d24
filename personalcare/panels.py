"""Panels on pages other apps own. Each returns None for anyone who may not read these records, so
the pupil page and the home page show nothing (not even "no plan") to them.

- pupil page: the plan's status and review date, the last care logged, a link (one query);
- home, named staff: "Personal care": the plans naming them, with care logged today (one query);
- home, the SENCo: care plan reviews due in four weeks or overdue (one query)."""

from django.utils import timezone

from sendsupport import panels
from sendsupport.panels import Panel

from . import selectors


def pupil_panel(request, pupil):
    staff = request.staff
    if staff.school is None:
        return None
    plan = selectors.pupil_panel_plan(staff, pupil)
    if plan is None:
        if not selectors.may_manage(staff):
            return None  # nothing to say; the SENCo gets the link to start a plan
    elif not (plan.names_me or selectors.reads_all(staff)):
        return None
    return Panel(template="personalcare/_pupil_panel.html", order=45, context={
        "pupil": pupil, "plan": plan, "today": timezone.localdate(),
        "may_log": plan is not None and plan.names_me and not pupil.is_archived})


def care_due_panel(request):
    staff = request.staff
    if staff.school is None:
        return None
    plans = selectors.care_today(staff)
    if not plans:
        return None
    return Panel(template="personalcare/_home_care.html", order=12, context={"plans": plans})


def reviews_due_panel(request):
    staff = request.staff
    if not selectors.may_manage(staff):
        return None
    plans = selectors.reviews_due(staff)
    if not plans:
        return None
    return Panel(template="personalcare/_home_reviews.html", order=22, context={
        "plans": plans, "today": timezone.localdate(), "days": selectors.REVIEW_WARNING_DAYS})


def register():
    panels.register("pupil", pupil_panel)
    panels.register("home", care_due_panel)
    panels.register("home", reviews_due_panel)
