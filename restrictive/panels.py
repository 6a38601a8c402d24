"""Panels this app adds to pages gathered from several apps (registered in apps.py):

- "incident": the incident's records with their open duties as timers; where force was used and
  no record is written yet, a prominent button to write it (due today).
- "home": for senior leaders and the SENCo, the school's open duties, with timers.
- "pupil": how many restrictive interventions this term, for people who read incidents."""

from django.urls import reverse
from django.utils import timezone

from accounts.access import Ability
from sendsupport.panels import Panel

from . import selectors


def incident_panel(request, incident):
    """One query (the records with their duty columns). Nothing shown when force was not used and
    there is no record (a correction may clear the flag after a record was written: it still shows)."""
    now = timezone.now()
    records = selectors.incident_records(request.staff, incident)
    if not records and not incident.physical_intervention:
        return None
    rows = [(ri, [d for d in selectors.annotated_duties(ri, now) if not d.done]) for ri in records]
    return Panel(template="restrictive/_incident_panel.html", order=20, context={
        "incident": incident, "rows": rows, "record_due": selectors.record_due(incident, now) if not records else None,
        "record_url": reverse("restrictive:record", args=[incident.pk]),
    })


def home_panel(request):
    """Two queries, for people who review incidents (the SENCo, senior leaders)."""
    if request.staff.school is None or not request.staff.can(Ability.REVIEW_INCIDENTS):
        return None
    duties = selectors.open_duties(request.staff.school)
    return Panel(template="restrictive/_home_panel.html", order=15, context={"duties": duties})


def pupil_panel(request, pupil):
    """Two queries (the term, the count), for people who read incidents."""
    if not request.staff.can(Ability.READ_INCIDENTS):
        return None
    return Panel(template="restrictive/_pupil_panel.html", order=45,
                 context={"pupil": pupil, **selectors.pupil_term_summary(pupil)})
