"""Panels care adds to gathered pages: on the home page, doses due now and controlled-drug doses
waiting for this person's witness confirmation, and missing term dates (for the office and the
SENCo); on the pupil page, the pupil's medicines and plan."""

from django.urls import reverse
from django.utils import timezone

from accounts.access import Ability
from accounts.models import Term
from sendsupport import panels
from sendsupport.panels import Panel

from .models import HealthcarePlan, Medicine
from .selectors import ask_to_enter_terms, due_now, witness_needed
from .services import term_dates_gap


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


def term_dates_panel(request, **kwargs):
    """Missing term dates (next year's, or any) at a school giving scheduled medicines: missed doses
    are then flagged on every weekday, holidays included (``services.is_school_day``). Shown to
    those who enter term dates (the office) and to the medicine managers (SENCo, office), who are
    told whom to ask. Nothing for anyone else; for them, one query when nothing is scheduled, two
    (three for the SENCo, with the names) when something is."""
    staff = request.staff
    if staff.school is None:
        return None
    can_enter = staff.can(Ability.MANAGE_SCHOOL_SETUP)
    if not (can_enter or staff.can(Ability.MANAGE_MEDICINES)):
        return None
    if not Medicine.objects.filter(school=staff.school, as_needed=False, stopped_on__isnull=True,
                                   pupil__archived_at__isnull=True).exists():
        return None
    gap = term_dates_gap(timezone.localdate(), list(Term.objects.filter(school=staff.school)))
    if gap is None:
        return None
    return Panel(template="care/_home_term_dates.html", order=3, context={
        "note": gap.message, "can_enter_terms": can_enter,
        "ask_to_enter_terms": "" if can_enter else ask_to_enter_terms(staff.school)})


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
    for page, fn in (("home", home_panel), ("home", term_dates_panel), ("pupil", pupil_panel)):
        if fn not in panels._registries.get(page, []):
            panels.register(page, fn)
