"""The pupil page's link to the pupil's behaviour analytics (no query: the pupil page has already
checked the pupil is visible). Wired by the app: ``panels.register()`` from AppConfig.ready()."""

from accounts.access import Ability
from sendsupport import panels
from sendsupport.panels import Panel


def pupil_analytics_panel(request, pupil):
    if not request.staff.can(Ability.READ_INCIDENTS):
        return None
    return Panel("dashboards/_pupil_panel.html", {"pupil": pupil}, order=45)


def register():
    panels.register("pupil", pupil_analytics_panel)
