"""The pupil page's "Plans" panel: the EHCP or SEN support plan in force, its next review, and
any draft being prepared. Registered by plans/apps.py on the "pupil" page."""

from accounts.access import Ability
from sendsupport.panels import Panel

from .selectors_plans import panel_plans, review_flag


def plan_panel(request, pupil):
    staff = request.staff
    if not staff.can(Ability.READ_PLANS):
        return None  # school admins: no plan access
    plans = panel_plans(pupil)  # one query
    in_force = next((p for p in plans if p.is_in_force), None)
    return Panel("plans/plans/_panel.html", {
        "pupil": pupil,
        "in_force": in_force,
        "drafts": [p for p in plans if p.is_draft],
        "review_flag": review_flag(in_force.next_review_due) if in_force else "",
        "can_edit": staff.can(Ability.EDIT_PLANS),
    }, order=20)
