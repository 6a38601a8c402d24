"""Restrictive-intervention records, mounted under /incidents/<incident_id>/restrictive/.

Anyone who may read the incident (else 404) writes the record, debriefs and the parents' report;
a record about an involved pupil outside their caseload is theirs to read only if they wrote it.
Sign-off needs the review ability (senior leaders, the SENCo; else 403). The parents' letter is
for reviewers and the record's author."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch
from django.utils import timezone

from accounts.access import Ability
from accounts.models import Location
from incidents.models import Injury
from incidents.selectors import get_incident_for
from plans.selectors_behaviour import active_staff, training_status
from pupils.models import Pupil
from sendsupport.audit import log_access
from sendsupport.decorators import school_required

from . import letter, selectors, services
from .forms import (
    INJURY_ROWS, DebriefForm, InjuryFormSet, InterventionForm, ParentReportForm, ReviewForm, filled_injuries,
)
from .models import RestrictiveIntervention, Review

FIX_BELOW = "Some details need correcting: see the messages next to the fields. Nothing was saved."


def _incident_url(incident) -> str:
    """The incident page, once the incidents app has one (no link before)."""
    try:
        return incident.get_absolute_url()
    except NoReverseMatch:
        return ""


def _staff_queryset(request):
    return active_staff(request.staff.school)


def _initial(incident) -> dict:
    when = timezone.localtime(incident.occurred_at)
    before = list(incident.antecedent_picks) + ([incident.antecedent] if incident.antecedent else [])
    return {"day": when.date(), "start_time": when.time().replace(second=0, microsecond=0),
            "location": incident.location_id, "events_before": "; ".join(before),
            "deescalation": "\n".join(list(incident.strategy_picks) + ([incident.strategies] if incident.strategies
                                                                        else []))}


@login_required
@school_required
def record(request, incident_id):
    """The record form: everything on one page, saved whole or not at all."""
    incident = get_incident_for(request.staff, incident_id)
    pupils = selectors.pupils_of(incident)
    chosen = request.POST.get("pupil") or request.GET.get("pupil")
    pupil = next((p for p in pupils if str(p.pk) == chosen), None) if chosen else pupils[0]
    if pupil is None:
        raise Http404("Not a pupil of this incident.")
    plan = selectors.plan_in_force(pupil)
    # The record is about any pupil of the incident, but the plan's holds and "must not use" are
    # shown only to those who may read that pupil's plans (outside them: Step in, with a reason).
    plan_shown = plan is not None and request.staff.can(Ability.READ_PLANS) and \
        Pupil.objects.visible_to(request.staff).filter(pk=pupil.pk).exists()
    techniques = selectors.plan_techniques(plan) if plan_shown else []
    staff_qs = _staff_queryset(request)
    staff = list(staff_qs)
    locations = Location.objects.filter(school=request.staff.school, is_active=True) | Location.objects.filter(
        pk=incident.location_id)
    data = request.POST if request.method == "POST" else None
    form = InterventionForm(data, initial=_initial(incident), incident=incident, pupil=pupil, plan=plan,
                            techniques=techniques, staff=staff_qs, locations=locations.distinct())
    injuries = InjuryFormSet(data, prefix="injuries", form_kwargs={"staff": staff_qs})
    if request.method == "POST":
        form_ok, injuries_ok = form.is_valid(), injuries.is_valid()  # both, so every message shows at once
        filled = filled_injuries(injuries) if injuries_ok else []
        if form_ok and form.cleaned_data["anyone_hurt"] and injuries_ok and not filled:
            form.add_error("anyone_hurt", "Describe the injury below, or choose \"No one was hurt\".")
        elif form_ok and not form.cleaned_data["anyone_hurt"] and filled:
            form.add_error("anyone_hurt", "You described an injury below: choose \"Yes\", or clear the injury.")
        if form.is_valid() and injuries_ok:
            d = form.cleaned_data
            technique, from_plan = form.technique_value()
            ri = RestrictiveIntervention(
                incident=incident, pupil=pupil, kind=d["kind"], started_at=d["started_at"], ended_at=d["ended_at"],
                location=d["location"], handling_plan=plan, technique=technique, technique_from_plan=from_plan,
                degree_of_force=d["degree_of_force"], reason=d["reason"], plan_followed=d["plan_followed"],
                plan_not_followed_reason=d["plan_not_followed_reason"], events_before=d["events_before"],
                deescalation=d["deescalation"], anyone_hurt=d["anyone_hurt"], pupil_view=d["pupil_view"],
                support_after=d["support_after"])
            rows = [Injury(person=f.cleaned_data["person"], staff_member=f.cleaned_data["staff_member"],
                           body_regions=f.cleaned_data["body_regions"], description=f.cleaned_data["description"],
                           first_aid=f.cleaned_data["first_aid"], first_aid_by=f.cleaned_data["first_aid_by"])
                    for f in filled]
            try:
                ri = services.record_intervention(
                    acting_user=request.user, intervention=ri, staff_applying=list(d["staff_applying"]),
                    witness_users=list(d["witness_staff"]), witness_names=form.other_witness_names(), injuries=rows)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, f"Restrictive intervention record {ri.reference} saved. The SENCo has been "
                                          "told. Next: tell the parents, and hold the debriefs.")
                return redirect(ri)
        messages.error(request, FIX_BELOW)
    else:
        log_access(request, action="restrictive.record.view", pupil=pupil)  # shows the handling plan

    selected = {str(v) for v in (form["staff_applying"].value() or [])}
    witnesses = {str(v) for v in (form["witness_staff"].value() or [])}
    scheme = plan.training_scheme if plan else ""
    rows = [training_status(u, scheme) for u in staff]
    trained = [r for r in rows if r.record is not None or str(r.user.pk) in selected or r.user.pk == request.user.pk]
    others = [r for r in rows if r not in trained]
    return render(request, "restrictive/record_form.html", {
        "incident": incident, "incident_url": _incident_url(incident), "pupil": pupil, "pupils": pupils,
        "plan": plan, "plan_shown": plan_shown, "techniques": techniques,
        "form": form, "injuries": injuries, "selected": selected, "witnesses": witnesses,
        "staff_trained": trained, "staff_other": others, "staff_rows": rows, "injury_rows": INJURY_ROWS,
        "extra_injuries_open": any(f.has_changed() for f in injuries.forms[1:]) if data else False,
    }, status=400 if request.method == "POST" else 200)


def _can_have_letter(request, ri) -> bool:
    return request.staff.can(Ability.REVIEW_INCIDENTS) or ri.written_by_id == request.user.pk


@login_required
@school_required
def detail(request, incident_id, ri_id):
    incident = get_incident_for(request.staff, incident_id)
    page = selectors.detail_page(request.staff, incident, ri_id)
    log_access(request, action="restrictive.view", pupil=page.ri.pupil)
    withheld = any(r.withheld for r in page.parent_reports)
    return render(request, "restrictive/detail.html", {
        "incident": incident, "incident_url": _incident_url(incident), "page": page, "ri": page.ri,
        "pupil": page.ri.pupil,
        "can_review": request.staff.can(Ability.REVIEW_INCIDENTS),
        "can_letter": _can_have_letter(request, page.ri) and not withheld, "withheld": withheld,
        "open_duties": [d for d in page.duties if not d.done],
        "review_within_days": selectors.REVIEW_WITHIN.days,
    })


def _follow_up(request, incident_id, ri_id, *, form_class, template, save, success,
               action="restrictive.follow_up.view"):
    incident = get_incident_for(request.staff, incident_id)
    ri = selectors.intervention_for(request.staff, incident, ri_id)
    initial = {"led_by": request.user.pk, "told_by": request.user.pk, "told_day": timezone.localdate()}
    form = form_class(request.POST or None, ri=ri, staff=_staff_queryset(request), initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                save(request, ri, form)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, success)
                return redirect(ri)
        messages.error(request, FIX_BELOW)
    else:
        log_access(request, action=action, pupil=ri.pupil)
    return render(request, template, {"incident": incident, "incident_url": _incident_url(incident), "ri": ri,
                                      "pupil": ri.pupil, "form": form}, status=400 if request.method == "POST" else 200)


@login_required
@school_required
def debrief(request, incident_id, ri_id):
    def save(request, ri, form):
        services.add_debrief(acting_user=request.user, intervention=ri, debrief=form.instance())

    return _follow_up(request, incident_id, ri_id, form_class=DebriefForm, template="restrictive/debrief_form.html",
                      save=save, success="Debrief recorded.", action="restrictive.debrief.view")


@login_required
@school_required
def parent_report(request, incident_id, ri_id):
    def save(request, ri, form):
        services.report_to_parents(acting_user=request.user, intervention=ri, report=form.instance())

    return _follow_up(request, incident_id, ri_id, form_class=ParentReportForm,
                      template="restrictive/parent_report_form.html", save=save,
                      success="Saved: telling the parents.", action="restrictive.parents.view")


@login_required
@school_required
def sign_off(request, incident_id, ri_id):
    """Review and sign-off by a senior leader or the SENCo: once (a second sign-off is refused)."""
    incident = get_incident_for(request.staff, incident_id)
    ri = selectors.intervention_for(request.staff, incident, ri_id)
    request.staff.require(Ability.REVIEW_INCIDENTS)
    if Review.objects.filter(intervention=ri).exists():
        messages.info(request, "This record is already signed off.")
        return redirect(ri)
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.sign_off(staff=request.staff, intervention=ri, review=form.save(commit=False))
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, "Review signed off.")
                return redirect(ri)
        messages.error(request, FIX_BELOW)
    else:
        log_access(request, action="restrictive.sign_off.view", pupil=ri.pupil)
    applied = ri.staff.filter(user=request.user).exists()
    return render(request, "restrictive/sign_off_form.html", {
        "incident": incident, "incident_url": _incident_url(incident), "ri": ri, "pupil": ri.pupil, "form": form,
        "applied_it": applied,
    }, status=400 if request.method == "POST" else 200)


@login_required
@school_required
def parent_letter(request, incident_id, ri_id):
    """The written report to parents as a PDF, made from the record. Logged as a download."""
    incident = get_incident_for(request.staff, incident_id)
    page = selectors.detail_page(request.staff, incident, ri_id)
    ri = page.ri
    if not _can_have_letter(request, ri):
        raise PermissionDenied
    if any(r.withheld for r in page.parent_reports):
        messages.error(request, "The report to the parents was withheld (risk of significant harm to the pupil): "
                                "no letter is made.")
        return redirect(ri)
    context = letter.letter_context(page, incident, school=request.staff.school, author=request.user,
                                    author_membership=request.staff.membership)
    pdf = letter.render_pdf(context)
    log_access(request, action="restrictive.letter.download", pupil=ri.pupil)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="restrictive-intervention-{ri.reference}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
