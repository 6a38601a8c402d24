"""Panels this app adds to gathered pages: the home page (log an incident, unfinished reports,
incidents awaiting review) and the pupil page (recent behaviour)."""

import datetime

from django.utils import timezone

from accounts.access import Ability
from sendsupport.panels import Panel

from . import selectors
from .models import Incident


def home_panel(request):
    """Everyone with a school may log; drafts left alone are listed for their author. Reviewers
    see how many incidents wait for them. Two or three queries."""
    staff = request.staff
    if staff.school is None:
        return None
    to_review = None
    if staff.can(Ability.REVIEW_INCIDENTS):
        since = timezone.now() - datetime.timedelta(days=14)
        to_review = Incident.objects.filter(school=staff.school, reviewed_at__isnull=True,
                                            recorded_at__gte=since).count()
    return Panel(template="incidents/_home_panel.html", order=5, context={
        "stale_drafts": list(selectors.stale_drafts(staff)[:5]),
        "to_review": to_review,
        "may_list": staff.can(Ability.READ_INCIDENTS),
    })


def pupil_behaviour_panel(request, pupil):
    """The pupil's last incidents, for those who may read them. Two queries."""
    staff = request.staff
    if not staff.can(Ability.READ_INCIDENTS):
        return None
    recent = selectors.keyset_page(selectors.pupil_incidents(pupil), None, size=5)["rows"]
    return Panel(template="incidents/_pupil_panel.html", order=25, context={"pupil": pupil, "recent": recent})
