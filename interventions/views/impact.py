"""The impact dashboard: for the SENCo and senior leaders, per intervention and per pupil, sessions
planned to date vs delivered, attendance, entry->exit change, cost and outcome; placements overdue for
review; groups with missed sessions. Reads only (selectors_sessions.impact)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from accounts.access import Ability
from accounts.models import Role
from sendsupport.audit import log_access
from sendsupport.decorators import school_required

from .. import selectors_sessions as selectors


@login_required
@school_required
def dashboard(request):
    staff = request.staff
    staff.require(Ability.READ_INTERVENTIONS)
    if not staff.has_role(Role.SENCO, Role.SENIOR_LEADER):
        raise PermissionDenied
    today = timezone.localdate()
    log_access(request, action="interventions.impact.view")
    context = selectors.impact(staff, today)
    context["today"] = today
    return render(request, "interventions/impact/dashboard.html", context)
