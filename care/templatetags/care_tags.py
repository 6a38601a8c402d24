"""Template tags for medication shown on other apps' pages (the medical-alert banner)."""

from django import template

from accounts.access import Ability

register = template.Library()


@register.simple_tag(takes_context=True)
def may_read_healthcare_plan(context, pupil) -> bool:
    """Whether the person may open this pupil's healthcare plan (care:plan would not 404): the
    ability, the school, and for caseload roles the caseload. The banner is on lists too, so the
    caseload is read once per request (one query, none for whole-school roles), never per pupil."""
    request = context.get("request")
    staff = getattr(request, "staff", None)
    if staff is None or staff.school is None or not staff.can(Ability.READ_MEDICATION):
        return False
    if pupil.school_id != staff.school.pk:
        return False
    if staff.can(Ability.SEE_ALL_PUPILS):
        return True
    caseload = getattr(request, "_care_caseload", None)
    if caseload is None:
        from pupils.models import CaseloadEntry

        rows = list(CaseloadEntry.objects.filter(user=staff.user, school=staff.school)
                    .values_list("pupil_id", "class_group_id"))
        caseload = request._care_caseload = ({p for p, _ in rows if p}, {c for _, c in rows if c})
    pupils, classes = caseload
    return pupil.pk in pupils or (pupil.class_group_id is not None and pupil.class_group_id in classes)
