"""The home-page panel "My sessions today" for people who record sessions (two queries: today's
groups, their pupils). Wired by the app: ``panels_sessions.register()`` from AppConfig.ready()."""

from django.utils import timezone

from accounts.access import Ability
from sendsupport import panels
from sendsupport.panels import Panel

from .selectors_sessions import sessions_today


def sessions_today_panel(request, **kwargs):
    staff = request.staff
    if staff.school is None or not staff.can(Ability.RECORD_SESSIONS):
        return None
    today = timezone.localdate()
    groups = sessions_today(staff, today)
    if not groups:
        return None
    return Panel(template="interventions/sessions/_home_panel.html", order=10,
                 context={"groups": groups, "today": today})


def register():
    panels.register("home", sessions_today_panel)
