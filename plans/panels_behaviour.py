"""The pupil page's behaviour panel: the behaviour support and positive-handling plans in force
(and any draft, for plan editors), with a way to start one."""

from django.urls import reverse

from accounts.access import Ability
from sendsupport.panels import Panel

from .selectors_behaviour import behaviour_plans_now


def behaviour_plans_panel(request, pupil):
    """Register with ``panels.register("pupil", behaviour_plans_panel)``. Two queries, for people
    who may read plans; nothing for others (office staff)."""
    staff = request.staff
    if not staff.can(Ability.READ_PLANS):
        return None
    can_edit = staff.can(Ability.EDIT_PLANS) and not pupil.is_archived
    return Panel(template="plans/behaviour/_panel.html", order=30, context={
        "can_edit": can_edit,
        "bsp_create_url": reverse("plans:bsp_create", args=[pupil.pk]),
        "php_create_url": reverse("plans:php_create", args=[pupil.pk]),
        **behaviour_plans_now(pupil),
    })
