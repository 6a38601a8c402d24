"""Panels care adds to gathered pages: on the home page, doses due now and controlled-drug doses
waiting for this person's witness confirmation; on the pupil page, the pupil's medicines and plan."""

from django.urls import reverse

from accounts.access import Ability
from sendsupport import panels
from sendsupport.panels import Panel

from .models import HealthcarePlan, Medicine
from .selectors import due_now, witness_needed


def home_panel(request, **kwargs):
    """Four queries (medicines, batches, recent doses, witness items); nothing for people who don't
    give medicines or with nothing due and nothing to witness."""
    staff = request.staff
    if staff.school is None or not staff.can(Ability.GIVE_MEDICATION):
        return None
    due = due_now(staff)
    witness = witness_needed(request.user, staff.school)
    if not due.due_count and not witness:
        return None
    return Panel(template="care/_home_panel.html", order=5, context={"due": due, "witness": witness})


def pupil_panel(request, pupil):
    staff = request.staff
    if staff.school is None or not staff.can(Ability.READ_MEDICATION) or pupil.school_id != staff.school.pk:
        return None
    medicines = list(Medicine.objects.filter(pupil=pupil, stopped_on__isnull=True))
    plan = HealthcarePlan.objects.filter(pupil=pupil, status="in_force").first()
    if not medicines and plan is None and not staff.can(Ability.MANAGE_MEDICINES):
        return None
    return Panel(template="care/_pupil_panel.html", order=30, context={
        "medicines": medicines, "plan": plan, "url": reverse("care:pupil", args=[pupil.pk]), "pupil": pupil})


def register():
    for page, fn in (("home", home_panel), ("pupil", pupil_panel)):
        if fn not in panels._registries.get(page, []):
            panels.register(page, fn)
