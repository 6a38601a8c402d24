"""The pupil page's interventions panel: the pupil's current interventions and therapy programmes,
for people who may read interventions (the pupil page has already checked they may see the pupil).

The lead wires it from InterventionsConfig.ready(): ``from .panels_placements import register; register()``."""

from django.urls import reverse

from accounts.access import Ability
from sendsupport import panels
from sendsupport.panels import Panel

from .selectors_placements import pupil_panel


def interventions_panel(request, pupil):
    """Two queries; nothing for people without READ_INTERVENTIONS (office staff, DSL)."""
    staff = request.staff
    if not staff.can(Ability.READ_INTERVENTIONS) or staff.school is None or pupil.school_id != staff.school.pk:
        return None
    return Panel(template="interventions/placements/_pupil_panel.html", order=40, context={
        "map_url": reverse("interventions:pupil_map", args=[pupil.pk]), **pupil_panel(staff, pupil)})


def register():
    if interventions_panel not in panels._registries.get("pupil", []):
        panels.register("pupil", interventions_panel)
