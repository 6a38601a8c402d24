"""The restrictive-interventions section of a pupil's evidence pack (the EHCP annual-review pack):
one row per record of force, restraint, seclusion or immobilisation used on the pupil in the period,
with who applied it (and their training that day), injuries, debriefs, whether the parents were
told and the senior leader's sign-off.

``restrictive_section(pupil, start, end)`` returns ``(template name, context)`` or ``None`` when
there is no record in the period; registered in ``RestrictiveConfig.ready()``. ``start`` and ``end``
are dates, both included, read in Europe/London. Records are written once, whole (there are no
drafts of them). Other pupils are never named: the incident's other pupils are "another pupil",
in the free text too (DECISIONS.md), as is any other pupil of the school named there by full or
first name (``pupils.pack``), and another pupil's injury is "Another pupil".
"""

import datetime

from django.db.models import Prefetch

from incidents.models import BodyRegion, InjuredPerson, InvolvedPupil
from incidents.pack import LONDON, day_bounds

from pupils.pack import other_pupils_redactor
from pupils.redaction import ANOTHER, redactor
from .models import Debrief, DebriefWith, InterventionInjury, InterventionStaff, RestrictiveIntervention, Review
from .selectors import _with_duty_columns, annotated_duties

TEMPLATE = "restrictive/pack/section.html"
REGIONS = dict(BodyRegion.choices)


def _training(row: InterventionStaff) -> str:
    """The person's physical-intervention training as it stood on the day (copied into the record)."""
    status = row.training_status
    if status == "missing":
        return "no training on record"
    if status == "expired":
        return f"{row.course_label}, expired {row.expires_on:%-d %b %Y}"
    return f"{row.course_label}, current"


def _injury(injury, clean) -> dict:
    if injury.person == InjuredPerson.PUPIL:
        who = "The pupil"
    elif injury.person == InjuredPerson.OTHER_PUPIL:
        who = ANOTHER.capitalize()
    elif injury.person == InjuredPerson.STAFF and injury.staff_member_id:
        who = injury.staff_member.full_name or "A member of staff"
    else:
        who = injury.get_person_display()
    return {"who": who, "where": ", ".join(REGIONS.get(r, r) for r in injury.body_regions),
            "description": clean(injury.description), "first_aid": clean(injury.first_aid)}


def restrictive_section(pupil, start: datetime.date, end: datetime.date) -> tuple[str, dict] | None:
    """Queries: the records with place, incident's pupil and duty columns (1), staff (1), injuries (1),
    debriefs (1), sign-offs (1), the incidents' other pupils (1), the school's other pupils' names
    (1; none more inside a pack that read them)."""
    lo, hi = day_bounds(start, end)
    records = list(
        _with_duty_columns(RestrictiveIntervention.objects.filter(pupil=pupil, started_at__gte=lo, started_at__lt=hi))
        .select_related("pupil", "location", "incident__pupil")
        .prefetch_related(
            Prefetch("staff", queryset=InterventionStaff.objects.select_related("user").order_by("id")),
            Prefetch("injury_links", queryset=InterventionInjury.objects.select_related(
                "injury", "injury__staff_member").order_by("injury__id")),
            Prefetch("debriefs", queryset=Debrief.objects.select_related("led_by").order_by("held_at", "id")),
            Prefetch("reviews", queryset=Review.objects.select_related("author")),
            Prefetch("incident__involved_pupils", queryset=InvolvedPupil.objects.select_related("pupil")),
        )
        .order_by("started_at", "id"))
    if not records:
        return None
    others = {}
    for ri in records:
        for p in [ri.incident.pupil] + [ip.pupil for ip in ri.incident.involved_pupils.all()]:
            if p.pk != pupil.pk:
                others[p.pk] = p
    involved_pass = redactor(list(others.values()), pupil)
    school_pass = other_pupils_redactor(pupil)  # (7) any other pupil of the school named in the text

    def clean(text):
        return school_pass(involved_pass(text))

    rows = []
    for ri in records:
        written, parents, review = annotated_duties(ri)
        reviews = list(ri.reviews.all())
        debriefs = list(ri.debriefs.all())
        rows.append({
            "reference": ri.reference,
            "started": ri.started_at.astimezone(LONDON),
            "ended": ri.ended_at.astimezone(LONDON),
            "minutes": ri.duration_minutes,
            "place": ri.location.name,
            "kind": ri.get_kind_display(),
            "technique": clean(ri.technique),
            "degree_of_force": clean(ri.degree_of_force),
            "reason": clean(ri.reason),
            "plan_followed": ri.get_plan_followed_display(),
            "staff": [{"name": s.user.full_name or s.user.email, "training": _training(s),
                       "untrained": s.training_status != "current"} for s in ri.staff.all()],
            "injuries": [_injury(link.injury, clean) for link in ri.injury_links.all()],
            "anyone_hurt": ri.anyone_hurt,
            "debrief_pupil": [d for d in debriefs if d.with_whom == DebriefWith.PUPIL],
            "debrief_staff": [d for d in debriefs if d.with_whom == DebriefWith.STAFF],
            "written": written,
            "parents": parents,
            "review": review,
            "signed_off_by": (reviews[0].author.full_name or reviews[0].author.email) if reviews else "",
            "plan_updated": bool(reviews) and reviews[0].plan_updated,
            "risk_assessment_updated": bool(reviews) and reviews[0].risk_assessment_updated,
        })
    return TEMPLATE, {
        "pupil": pupil, "period_start": start, "period_end": end, "records": rows,
        "totals": {
            "records": len(rows),
            "minutes": sum(r["minutes"] for r in rows),
            "hurt": sum(1 for r in rows if r["anyone_hurt"]),
            "parents_told": sum(1 for r in rows if r["parents"].done),
            "signed_off": sum(1 for r in rows if r["review"].done),
            "untrained": sum(1 for r in rows if any(s["untrained"] for s in r["staff"])),
        },
    }
