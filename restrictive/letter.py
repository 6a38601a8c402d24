"""The written report to parents: a letter made from the record, as a PDF (WeasyPrint).

It is made for one pupil's parents, so no other pupil is named (DECISIONS.md): the incident's
other pupils are replaced by "another pupil" wherever staff typed their names, and the letter
shows only this pupil's own injuries."""

from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Membership, Role
from incidents.models import InjuredPerson
from pupils.models import Pupil
from pupils.redaction import redactor

from .selectors import DetailPage

def other_pupils(incident, subject: Pupil) -> list[Pupil]:
    """Everyone on the incident except the pupil the letter is about. One query."""
    pupils = [incident.pupil] + [ip.pupil for ip in incident.involved_pupils.select_related("pupil")]
    return [p for p in pupils if p.pk != subject.pk]


def contacts(school) -> list[Membership]:
    """Whom parents may contact: the school's SENCos. One query."""
    return list(Membership.objects.filter(school=school, is_active=True, roles__contains=[Role.SENCO])
                .select_related("user").order_by("user__full_name"))


def letter_context(page: DetailPage, incident, *, school, author, author_membership) -> dict:
    ri = page.ri
    clean = redactor(other_pupils(incident, ri.pupil), ri.pupil)
    own_injuries = [i for i in page.injuries if i.person == InjuredPerson.PUPIL]
    for injury in own_injuries:
        injury.letter_description = clean(injury.description)
        injury.letter_first_aid = clean(injury.first_aid)
    pupil_debriefs = [d for d in page.debriefs if d.with_whom == "pupil"]
    return {
        "ri": ri, "pupil": ri.pupil, "school": school,
        "first_name": ri.pupil.preferred_name or ri.pupil.legal_first_name,
        "started": timezone.localtime(ri.started_at), "ended": timezone.localtime(ri.ended_at),
        "events_before": clean(ri.events_before), "deescalation": clean(ri.deescalation),
        "reason": clean(ri.reason), "technique": clean(ri.technique), "degree_of_force": clean(ri.degree_of_force),
        "plan_not_followed_reason": clean(ri.plan_not_followed_reason),
        "pupil_view": clean(ri.pupil_view), "support_after": clean(ri.support_after),
        "injuries": own_injuries, "pupil_debrief": pupil_debriefs[0] if pupil_debriefs else None,
        "contacts": contacts(school), "author": author,
        "author_title": author_membership.job_title if author_membership else "",
        "today": timezone.localdate(),
    }


def render_pdf(context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string("restrictive/letter.html", context)
    return HTML(string=html).write_pdf()
