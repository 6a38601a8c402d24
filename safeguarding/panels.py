"""Panels for pages other apps own (registered in apps.py).

Only the safeguarding team sees anything that depends on whether concerns exist. Everyone else
gets the same "Raise a safeguarding concern" button whatever the pupil's record holds, and no
query runs for them."""

from urllib.parse import urlencode

from django.urls import reverse

from accounts.access import Ability
from sendsupport.panels import Panel

from . import selectors


def _raise_url(pupil=None, incident=None) -> str:
    params = {}
    if pupil is not None:
        params["pupil"] = pupil.pk
    if incident is not None:
        params["incident"] = incident.pk
    url = reverse("safeguarding:raise")
    return f"{url}?{urlencode(params)}" if params else url


def home_panel(request):
    staff = request.staff
    if staff.school is None:
        return None
    if staff.can(Ability.READ_SAFEGUARDING):
        return Panel(template="safeguarding/_home_team.html", order=5, context={
            "counts": selectors.counts(staff), "raise_url": _raise_url()})
    return Panel(template="safeguarding/_home_raise.html", order=5, context={"raise_url": _raise_url()})


def pupil_panel(request, pupil):
    staff = request.staff
    if staff.school is None:
        return None
    raise_url = None if pupil.is_archived else _raise_url(pupil=pupil)
    if staff.can(Ability.READ_SAFEGUARDING):
        return Panel(template="safeguarding/_pupil_team.html", order=8, context={
            "pupil": pupil, "counts": selectors.counts(staff, pupil=pupil), "raise_url": raise_url})
    if raise_url is None:
        return None
    return Panel(template="safeguarding/_raise_button.html", order=90, context={"raise_url": raise_url})


def incident_panel(request, incident):
    """On an incident's page (the page has checked the person may read the incident)."""
    staff = request.staff
    if staff.school is None or incident.school_id != staff.school.pk:
        return None
    pupil = incident.pupil
    raise_url = None if pupil.is_archived else _raise_url(pupil=pupil, incident=incident)
    concerns = selectors.concerns_for_incident(staff, incident) if staff.can(Ability.READ_SAFEGUARDING) else None
    if raise_url is None and concerns is None:
        return None
    return Panel(template="safeguarding/_incident_panel.html", order=50, context={
        "raise_url": raise_url, "concerns": concerns, "team": concerns is not None})
