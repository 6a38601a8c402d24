"""The plans app's sections of a pupil's evidence pack (ARCHITECTURE.md: "The pack in particular").

Each ``*_section(pupil, start, end)`` returns ``(template name, context)``, or None when the pupil
has nothing of that kind for the period; ``reviews`` renders them with WeasyPrint among the other
apps' sections. Each reads a fixed number of queries whatever the pupil's history.

- **Outcomes** (``outcomes_section``): the outcomes of the plan in force in the period (the last
  version in force by the period's end; the EHCP if the pupil had one, else the SEN support plan),
  each with its targets, its rating on the one progress scale at the start and at the end of the
  period, the dated changes of rating in between (drawn as a small inline SVG), and the dated
  evidence in the period. Evidence follows the outcome's lineage, so entries recorded against an
  earlier version of the plan count. Photos print as thumbnails only with the pupil's photo consent.
- **Plans in force** (``plans_section``): every version of every plan (EHCP or SEN support plan,
  behaviour support plan, positive-handling plan with its risk assessment) in force at any time in
  the period, with the dates each was in force and who signed it off, and the main content of the
  last version in force (the provision it specifies, strategies, techniques, risks). Drafts never
  appear.
- **Views** (``views_section``): what the review meetings held in the period recorded of the
  pupil's, the parents' and the staff's views, and section A of the EHCP in force.

A version is in force from its sign-off until the next version is signed off (``superseded_at``).
The period's dates are whole days in the school's time zone.

No field of these records links another pupil, but staff may type one's name in free text: every
section replaces other pupils' full names, and their first names alone, with "another pupil"
(``pupils.pack``; one query). Fields that name adults ("name, role": a review's attendees, a risk's
owner, the LA coordinator) get the full-name pass only, so "Isla Brown, class teacher" stays.
"""

import datetime
from collections import defaultdict
from itertools import groupby

from django.db.models import IntegerField, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from pupils.pack import image_data_uri, other_pupils_redactor, redact_text_fields

from .models import (
    AnnualReview, BehaviourSupportPlan, PositiveHandlingPlan, Plan, ProgressEvidence, Provision, Rating, Risk,
    Target,
)

AREA_ORDER = {"ci": 0, "cl": 1, "semh": 2, "sp": 3, "pfa": 4}  # the Code of Practice's order


def _period_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The period as [first moment, moment after its last day) in the school's time zone."""
    tz = timezone.get_current_timezone()
    return (datetime.datetime.combine(start, datetime.time.min, tzinfo=tz),
            datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz))


def _in_force_during(qs, start: datetime.date, end: datetime.date):
    """Versions signed off before the period ended and not superseded before it began."""
    first, after = _period_bounds(start, end)
    return qs.filter(in_force_from__lt=after).filter(Q(superseded_at__isnull=True) | Q(superseded_at__gte=first))


def _label(rating: int | None) -> str | None:
    return Rating(rating).label if rating is not None else None


# --- outcomes and progress ------------------------------------------------------------------------

OUTCOMES_TEMPLATE = "plans/pack/outcomes.html"
CHART_W, CHART_H, CHART_LEFT, CHART_TOP = 420, 84, 78, 6  # the rating chart's box, in SVG units
STEP = (CHART_H - 2 * CHART_TOP) / 4  # one step of the five-point scale


def _rating_chart(start: datetime.date, end: datetime.date, opening: int | None, changes: list[dict]) -> dict:
    """A step line of the rating over the period: from the opening rating (if any) through each
    dated change to the period's end. Coordinates only; the template draws the SVG."""
    days = max((end - start).days, 1)
    span = CHART_W - CHART_LEFT - 4

    def x(day):
        return round(CHART_LEFT + span * (day - start).days / days, 1)

    def y(rating):
        return round(CHART_H - CHART_TOP - STEP * rating, 1)

    points, dots = [], []
    level = opening
    if level is not None:
        points.append((x(start), y(level)))
    for change in changes:
        if level is not None:
            points.append((x(change["on"]), y(level)))
        level = change["rating"]
        points.append((x(change["on"]), y(level)))
        dots.append((x(change["on"]), y(level)))
    if level is not None:
        points.append((x(end), y(level)))
    return {
        "width": CHART_W, "height": CHART_H + 14, "left": CHART_LEFT, "right": CHART_W - 4, "label_x": CHART_LEFT - 4,
        "axis_y": CHART_H - CHART_TOP, "date_y": CHART_H + 10,
        "levels": [(label, y(value), y(value) + 3) for value, label in Rating.choices],
        "line": " ".join(f"{px},{py}" for px, py in points),
        "dots": dots,
    }


def outcomes_section(pupil, start: datetime.date, end: datetime.date) -> tuple[str, dict] | None:
    # 1: the plan versions in force in the period (EHCP preferred: the pack is for its review).
    versions = list(_in_force_during(Plan.objects.filter(pupil=pupil), start, end)
                    .select_related("signed_off_by").order_by("in_force_from", "id"))
    if not versions:
        return None
    plan = ([v for v in versions if v.is_ehcp] or versions)[-1]
    amended = [v for v in versions if v.lineage == plan.lineage and v.pk != plan.pk]

    # 2: its outcomes, each with its rating before the period began and at its end; 3: their targets,
    # each with its rating at the period's end (by the target's lineage, across versions).
    evidence = ProgressEvidence.objects.filter(pupil_id=pupil.pk).order_by("-observed_on", "-recorded_at", "-id")
    before = evidence.filter(outcome_lineage=OuterRef("lineage"), observed_on__lt=start)
    by_end = evidence.filter(outcome_lineage=OuterRef("lineage"), observed_on__lte=end)
    target_by_end = evidence.filter(target__lineage=OuterRef("lineage"), observed_on__lte=end)
    outcomes = list(
        plan.outcomes.annotate(
            opening_rating=Subquery(before.values("rating")[:1], output_field=IntegerField()),
            opening_on=Subquery(before.values("observed_on")[:1]),
            closing_rating=Subquery(by_end.values("rating")[:1], output_field=IntegerField()),
            closing_on=Subquery(by_end.values("observed_on")[:1]),
        ).prefetch_related(Prefetch("targets", queryset=Target.objects.annotate(
            closing_rating=Subquery(target_by_end.values("rating")[:1], output_field=IntegerField()),
            closing_on=Subquery(target_by_end.values("observed_on")[:1]),
        )))
    )
    # 4: the evidence in the period, oldest first, with who recorded it and its target; 5: its files.
    entries = defaultdict(list)
    for e in (ProgressEvidence.objects
              .filter(pupil_id=pupil.pk, outcome_lineage__in=[o.lineage for o in outcomes],
                      observed_on__range=(start, end))
              .select_related("recorded_by", "target").prefetch_related("files")
              .order_by("observed_on", "recorded_at", "id")):
        entries[e.outcome_lineage].append(e)

    # 6: the names of the school's other pupils, in case a note names one.
    clean = other_pupils_redactor(pupil)
    for o in outcomes:
        redact_text_fields(o, clean)
        for t in o.targets.all():
            redact_text_fields(t, clean)
    for e in (e for rows in entries.values() for e in rows):
        redact_text_fields(e, clean)
        if e.target:
            redact_text_fields(e.target, clean)

    consent = pupil.photo_consent
    rows = []
    for o in sorted(outcomes, key=lambda o: (AREA_ORDER.get(o.area_of_need, 99), o.order, o.pk)):
        changes, level = [], o.opening_rating
        for e in entries[o.lineage]:
            if e.rating != level:
                changes.append({"on": e.observed_on, "rating": e.rating, "label": _label(e.rating)})
                level = e.rating
        rows.append({
            "outcome": o,
            "area": o.get_area_of_need_display(),
            "targets": [{"text": t.text, "target_date": t.target_date, "rating": _label(t.closing_rating),
                         "rated_on": t.closing_on} for t in o.targets.all()],
            "opening": _label(o.opening_rating), "opening_on": o.opening_on,
            "closing": _label(o.closing_rating), "closing_on": o.closing_on,
            "changes": changes,
            "chart": _rating_chart(start, end, o.opening_rating, changes) if changes or o.closing_rating is not None
            else None,
            "evidence": [_evidence_row(e, consent) for e in entries[o.lineage]],
        })

    summary = []
    for value, label in Rating.choices:
        if n := sum(1 for r in rows if r["outcome"].closing_rating == value):
            summary.append((label, n))
    if unrated := sum(1 for r in rows if r["outcome"].closing_rating is None):
        summary.append(("No evidence yet", unrated))
    return OUTCOMES_TEMPLATE, {
        "pupil": pupil, "period_start": start, "period_end": end,
        "plan": plan, "plan_kind": plan.get_kind_display(), "amended": amended,
        "rows": rows, "summary": summary,
        "evidence_count": sum(len(r["evidence"]) for r in rows),
        "photo_consent": consent,
    }


def _evidence_row(e: ProgressEvidence, consent: bool) -> dict:
    photos, withheld, documents = [], 0, []
    for f in e.files.all():
        if not f.is_image:
            documents.append(f.original_name)
        elif not consent:
            withheld += 1
        elif uri := image_data_uri(f.file):
            photos.append({"uri": uri, "name": f.original_name})
        else:
            documents.append(f.original_name)  # unreadable as a picture: name it, as for any file
    return {
        "on": e.observed_on, "note": e.note, "rating": e.get_rating_display(),
        "target": e.target.text if e.target else "",
        "by": e.recorded_by.full_name or e.recorded_by.email,
        "photos": photos, "photos_withheld": withheld, "documents": documents,
    }


# --- plans in force -------------------------------------------------------------------------------

PLANS_TEMPLATE = "plans/pack/plans.html"


def _versions(rows):
    """A lineage's versions in the period, oldest first, with the dates each was in force."""
    out = []
    for v in rows:
        out.append({
            "version": v.version,
            "from": timezone.localdate(v.in_force_from),
            "until": timezone.localdate(v.superseded_at) if v.superseded_at else None,
            "signed_off_by": (v.signed_off_by.full_name or v.signed_off_by.email) if v.signed_off_by else "",
            "obj": v,
        })
    return out


def _lineages(qs, start, end):
    """Versions in force in the period grouped by plan (lineage), each group oldest version first,
    the groups in the order the plans first came into force."""
    versions = list(_in_force_during(qs, start, end).select_related("signed_off_by")
                    .order_by("lineage", "in_force_from", "id"))
    groups = [list(g) for _, g in groupby(versions, key=lambda v: v.lineage)]
    return sorted(groups, key=lambda g: g[0].in_force_from)


def plans_section(pupil, start: datetime.date, end: datetime.date) -> tuple[str, dict] | None:
    # 1: EHCP and SEN support plan versions; 2: their provision; 3: behaviour support plans;
    # 4: positive-handling plans; 5: their risk assessments; 6: the staff trained for them;
    # 7 (when there is a plan): the school's other pupils' names.
    plans = _lineages(Plan.objects.filter(pupil=pupil).prefetch_related(
        Prefetch("provision", queryset=Provision.objects.order_by("id"))), start, end)
    behaviour = _lineages(BehaviourSupportPlan.objects.filter(pupil=pupil), start, end)
    handling = _lineages(PositiveHandlingPlan.objects.filter(pupil=pupil).prefetch_related(
        Prefetch("risks", queryset=Risk.objects.order_by("id")), "trained_staff"), start, end)
    if not (plans or behaviour or handling):
        return None
    clean = other_pupils_redactor(pupil)  # 7: the school's other pupils' names

    def block(kind, title, group):
        # only the last version's text is printed; the LA coordinator is an adult named by name
        latest = redact_text_fields(group[-1], clean, people=("la_coordinator", "la_coordinator_contact"))
        return {"kind": kind, "title": title, "versions": _versions(group), "latest": latest,
                "in_force_now": latest.is_in_force}

    items = []
    for g in plans:
        item = block(g[-1].kind, g[-1].get_kind_display(), g)
        item["provision"] = [redact_text_fields(f, clean) for f in item["latest"].provision.all()]
        items.append(item)
    items += [block("behaviour", "Behaviour support plan", g) for g in behaviour]
    for g in handling:
        item = block("handling", "Positive-handling plan and risk assessment", g)
        latest = item["latest"]
        item["risks"] = [redact_text_fields(r, clean, people=("owner",)) for r in latest.risks.all()]
        item["trained_staff"] = sorted(u.full_name or u.email for u in latest.trained_staff.all())
        item["training_scheme"] = latest.get_training_scheme_display() if latest.training_scheme else ""
        items.append(item)
    return PLANS_TEMPLATE, {"pupil": pupil, "period_start": start, "period_end": end, "plans": items}


# --- the pupil's and parents' views ---------------------------------------------------------------

VIEWS_TEMPLATE = "plans/pack/views.html"


def views_section(pupil, start: datetime.date, end: datetime.date) -> tuple[str, dict] | None:
    # 1: the reviews whose meeting fell in the period; 2: the EHCP version in force by the period's
    # end, for section A (the pupil's and parents' views, interests and aspirations).
    reviews = list(AnnualReview.objects.filter(pupil=pupil, meeting_date__range=(start, end))
                   .select_related("plan").order_by("meeting_date", "id"))
    ehcp = (_in_force_during(Plan.objects.filter(pupil=pupil, kind=Plan.Kind.EHCP), start, end)
            .exclude(section_a="").order_by("-in_force_from", "-id").first())
    if not reviews and ehcp is None:
        return None
    clean = other_pupils_redactor(pupil)  # 3: the school's other pupils' names
    for r in reviews:
        redact_text_fields(r, clean, people=("attendees",))  # "name, role" lines: adults
    if ehcp is not None:
        redact_text_fields(ehcp, clean)
    return VIEWS_TEMPLATE, {
        "pupil": pupil, "period_start": start, "period_end": end,
        "reviews": [{
            "review": r,
            "kind": r.get_kind_display(),
            "status": r.get_status_display(),
            "plan": f"{r.plan.get_kind_display()} (version {r.plan.version})",
            "attendees": [line.strip() for line in r.attendees.splitlines() if line.strip()],
            "staff_views": [(label, text) for label, text in (
                ("What is working", r.what_is_working),
                ("What is not working", r.what_is_not_working),
                ("Proposed changes to outcomes", r.proposed_outcome_changes),
                ("Proposed changes to provision", r.proposed_provision_changes),
            ) if text.strip()],
        } for r in reviews],
        "ehcp": ehcp,
    }
