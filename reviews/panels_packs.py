"""The pupil page's "Evidence packs" panel for people who make packs: the latest versions (one
query) and a button to make one. Registered in apps.py."""

from accounts.access import Ability
from sendsupport.panels import Panel

from .models import EvidencePack

SHOWN = 3


def pupil_packs_panel(request, pupil):
    staff = request.staff
    if not staff.can(Ability.MAKE_PACKS):
        return None
    packs = list(EvidencePack.objects.filter(pupil=pupil, school=staff.school).order_by("-version")[:SHOWN + 1])
    return Panel(template="reviews/packs/_pupil_panel.html", order=35, context={
        "pupil": pupil, "packs": packs[:SHOWN], "more": len(packs) > SHOWN})
