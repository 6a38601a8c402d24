"""The interventions section of a pupil's evidence pack (the EHCP annual-review pack).

``pack_section(pupil, start, end)`` returns ``(template name, context)`` (ARCHITECTURE.md: "The pack
in particular"); ``reviews`` renders it with WeasyPrint among the other apps' sections. It reads a
fixed number of queries whatever the pupil's history (6; 3 with no placements), and names no pupil but this one: group
peers are never listed, only the group's name, staff and this pupil's own figures, and another pupil
of the school named in what staff typed (targets, review notes, a programme's targets and activities)
is printed as "another pupil" (``pupils.pack``: one query, none more inside a pack that read it).

Figures for each placement that overlaps the period, counted over the days the pupil was on it
within the period (``from``..``to``):

- *planned*: the group's timetabled dates (its days between its start and end), up to today;
- *delivered* / *cancelled*: sessions recorded as delivered / cancelled on those dates; planned
  dates with no session recorded are *not recorded*;
- *attended*: delivered sessions where the pupil was marked present; *attendance rate* = present /
  (present + absent) of the delivered sessions the pupil was marked for (blank with no marks);
- *change*: exit minus entry score on the intervention's own measure (whether higher is better is
  said alongside), *target progress* and the end review (decision, score, notes) as recorded.

Therapy programmes that were running in the period are listed with how many deliveries the log
holds in the period and their minutes.
"""

import datetime
from collections import defaultdict

from django.db.models import Count, Q, Sum
from django.utils import timezone

from pupils.pack import other_pupils_redactor

from .models import WEEKDAYS, Attendance, AttendanceStatus, Placement, Session, SessionStatus, TherapyProgramme

TEMPLATE = "interventions/pack/section.html"


def pack_section(pupil, start: datetime.date, end: datetime.date) -> tuple[str, dict]:
    today = timezone.localdate()
    placements = list(
        Placement.objects.filter(pupil=pupil, start_date__lte=end)
        .filter(Q(ended_on__gte=start) | Q(ended_on__isnull=True, end_date__gte=start))
        .select_related("group__intervention", "outcome")
        .prefetch_related("group__staff")
        .order_by("start_date", "id")
    )
    spans = {}
    for p in placements:
        first = max(start, p.start_date)
        last = min(end, p.ended_on or p.end_date, p.group.last_day)
        spans[p.pk] = (first, last)

    sessions = defaultdict(dict)  # group id -> date -> status
    if placements:
        lo = min(s[0] for s in spans.values())
        hi = max(s[1] for s in spans.values())
        for group_id, day, status in (Session.objects.filter(group__in={p.group_id for p in placements},
                                                             date__range=(lo, hi))
                                      .values_list("group_id", "date", "status")):
            sessions[group_id][day] = status
    marks = defaultdict(lambda: {AttendanceStatus.PRESENT: 0, AttendanceStatus.ABSENT: 0})
    for placement_id, status, n in (Attendance.objects.filter(
            placement__in=placements, session__date__range=(start, end),
            session__status=SessionStatus.DELIVERED)
            .values_list("placement_id", "status").annotate(n=Count("id")).order_by()):
        marks[placement_id][status] = n

    programmes = list(
        TherapyProgramme.objects.filter(pupil=pupil, set_on__lte=end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
        .annotate(delivered=Count("deliveries", filter=Q(deliveries__delivered_on__range=(start, end))),
                  delivered_minutes=Sum("deliveries__minutes", filter=Q(deliveries__delivered_on__range=(start, end))))
        .order_by("set_on", "id")
    )
    clean = other_pupils_redactor(pupil) if placements or programmes else str

    rows = []
    for p in placements:
        first, last = spans[p.pk]
        group, intervention = p.group, p.group.intervention
        planned = [d for d in group.planned_dates(until=min(last, today)) if d >= first]
        recorded = sessions[group.pk]
        delivered = sum(1 for d in planned if recorded.get(d) == SessionStatus.DELIVERED)
        cancelled = sum(1 for d in planned if recorded.get(d) == SessionStatus.CANCELLED)
        present, absent = marks[p.pk][AttendanceStatus.PRESENT], marks[p.pk][AttendanceStatus.ABSENT]
        rows.append({
            "placement": p,
            "intervention": intervention.name,
            "area": intervention.get_area_of_need_display(),
            "group": group.name,
            "one_to_one": intervention.max_group_size == 1,
            "staff": ", ".join(sorted(u.full_name or u.email for u in group.staff.all())),
            "when": ", ".join(day for n, day in WEEKDAYS if n in group.days),
            "starts_at": group.starts_at,
            "minutes": group.minutes_per_session,
            "start": p.start_date,
            "planned_end": p.end_date,
            "ended_on": p.ended_on,
            "smart_target": clean(p.smart_target),
            "outcome": clean(p.outcome.text) if p.outcome else "",
            "planned": len(planned),
            "delivered": delivered,
            "cancelled": cancelled,
            "not_recorded": len(planned) - delivered - cancelled,
            "attended": present,
            "absent": absent,
            "attendance_rate": round(100 * present / (present + absent)) if present + absent else None,
            "measure": intervention.measure,
            "higher_is_better": intervention.higher_is_better,
            "entry_score": p.entry_score,
            "entry_date": p.entry_date,
            "exit_score": p.exit_score,
            "exit_date": p.exit_date,
            "change": p.change,
            "improved": None if p.change is None else (p.change > 0) == intervention.higher_is_better and p.change != 0,
            "target_progress": p.get_target_progress_display() if p.target_progress is not None else "",
            "reviewed_on": p.reviewed_on,
            "review_decision": p.get_review_decision_display() if p.review_decision else "",
            "review_score": p.get_review_score_display() if p.review_score else "",
            "review_notes": clean(p.review_notes),
        })

    therapy = [{
        "service": t.get_service_display(),
        "service_name": t.service_name,
        "therapist": t.therapist,
        "set_on": t.set_on,
        "targets": clean(t.targets),
        "activities": clean(t.activities),
        "frequency": t.frequency,
        "review_on": t.review_on,
        "ended_on": t.ended_on,
        "delivered": t.delivered,
        "delivered_minutes": t.delivered_minutes or 0,
        "has_report": bool(t.report),
    } for t in programmes]

    return TEMPLATE, {
        "pupil": pupil,
        "period_start": start,
        "period_end": end,
        "placements": rows,
        "programmes": therapy,
        "totals": {
            "planned": sum(r["planned"] for r in rows),
            "delivered": sum(r["delivered"] for r in rows),
            "attended": sum(r["attended"] for r in rows),
        },
    }
