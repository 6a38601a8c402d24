"""Reading incidents (detail, lists, timelines, export) and what may be added after submission."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import Ability
from pupils.models import Pupil
from pupils.selectors import get_pupil_for
from sendsupport import panels
from sendsupport.audit import log_access
from sendsupport.decorators import school_required
from sendsupport.exports import spreadsheet_safe

from .. import selectors, services
from ..forms import AddendumForm, CorrectionForm, IncidentFilterForm


def _may_correct(staff, incident) -> bool:
    return incident.created_by_id == staff.user.pk or staff.can(Ability.REVIEW_INCIDENTS)


def _detail(request, incident, *, addendum_form=None, status=200):
    staff = request.staff
    return render(request, "incidents/detail.html", {
        "incident": incident, **selectors.incident_parts(incident, staff),
        "pupil_visible": Pupil.objects.visible_to(staff).filter(pk=incident.pupil_id).exists(),
        "addendum_form": addendum_form or AddendumForm(),
        "may_correct": _may_correct(staff, incident), "may_review": staff.can(Ability.REVIEW_INCIDENTS),
        "panels": panels.panels_for("incident", request, incident=incident),
    }, status=status)


@login_required
@school_required
def incident_detail(request, incident_id):
    incident = selectors.get_incident_for(request.staff, incident_id)
    log_access(request, action="incident.view", pupil=incident.pupil)
    return _detail(request, incident)


@login_required
@school_required
@require_POST
def add_addendum(request, incident_id):
    incident = selectors.get_incident_for(request.staff, incident_id)
    form = AddendumForm(request.POST)
    if form.is_valid():
        services.add_addendum(staff=request.staff, incident=incident, **form.cleaned_data)
        messages.success(request, "Addendum added. The original record is unchanged.")
        return redirect(incident)
    messages.error(request, "The addendum wasn't added: please check it.")
    return _detail(request, incident, addendum_form=form, status=400)


@login_required
@school_required
def correct(request, incident_id):
    incident = selectors.get_incident_for(request.staff, incident_id)
    if not _may_correct(request.staff, incident):
        raise PermissionDenied("Only the author, the SENCo or a senior leader can correct a record.")
    form = CorrectionForm(request.POST or None, staff=request.staff)
    if request.method == "POST" and form.is_valid():
        try:
            services.correct_fact(staff=request.staff, incident=incident, field=form.cleaned_data["field"],
                                  value=form.value, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error("occurred_at" if field == "value" else (field if field in form.fields else None), errors)
        else:
            messages.success(request, "Corrected. The original value is kept in the record's addenda.")
            return redirect(incident)
    log_access(request, action="incident.correct.view", pupil=incident.pupil)
    return render(request, "incidents/correct.html", {"incident": incident, "form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
@school_required
@require_POST
def review(request, incident_id):
    incident = selectors.get_incident_for(request.staff, incident_id)
    request.staff.require(Ability.REVIEW_INCIDENTS)
    services.mark_reviewed(staff=request.staff, incident=incident, note=request.POST.get("note", "")[:2000])
    messages.success(request, "Marked as reviewed.")
    return redirect(incident)


def _list_context(request, *, pupil=None):
    staff = request.staff
    form = IncidentFilterForm(request.GET or None, staff=staff)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = (selectors.pupil_incidents(pupil) if pupil is not None
          else selectors.filtered_incidents(staff, filters).only(*selectors.LIST_COLUMNS))
    page = selectors.keyset_page(qs, request.GET.get("after"))
    if pupil is not None:
        selectors.mark_openable(staff, pupil, page["rows"])
    query = request.GET.copy()
    query.pop("after", None)
    return {"form": form, "page": page, "query": query.urlencode(),
            "may_export": staff.can(Ability.EXPORT_INCIDENTS)}


@login_required
@school_required
def incident_list(request):
    request.staff.require(Ability.READ_INCIDENTS)
    log_access(request, action="incident.list.view")
    return render(request, "incidents/list.html", _list_context(request))


@login_required
@school_required
def pupil_timeline(request, pupil_id):
    pupil = get_pupil_for(request.staff, pupil_id)
    request.staff.require(Ability.READ_INCIDENTS)
    log_access(request, action="incident.timeline.view", pupil=pupil)
    return render(request, "incidents/timeline.html", {"pupil": pupil, **_list_context(request, pupil=pupil)})


class _Echo:
    def write(self, value):
        return value


EXPORT_COLUMNS = ["Reference", "When it happened", "Recorded", "Pupil", "UPN", "Class", "Where", "Period",
                  "Antecedent", "Behaviour", "Consequence", "Strategies", "Intensity", "Duration (min)", "Outcome",
                  "Physical intervention", "Other pupils involved", "Recorded by", "Corrected", "Reviewed"]


@login_required
@school_required
def export_csv(request):
    """The filtered list as CSV for the SENCo. Other pupils involved are a count, never names."""
    staff = request.staff
    staff.require(Ability.EXPORT_INCIDENTS)
    form = IncidentFilterForm(request.GET or None, staff=staff)
    filters = form.cleaned_data if form.is_valid() else {}
    log_access(request, action="incident.export", reason=request.GET.urlencode()[:200])
    from django.db.models import Count

    qs = (selectors.filtered_incidents(staff, filters)
          .select_related("pupil__class_group", "period").annotate(others=Count("involved_pupils"))
          .order_by("-occurred_at", "-id"))

    def joined(picks, text):
        return "; ".join(list(picks) + ([text.strip()] if text.strip() else []))

    def rows():
        writer = csv.writer(_Echo())
        yield writer.writerow(EXPORT_COLUMNS)
        for i in qs.iterator(chunk_size=2000):
            yield writer.writerow(map(spreadsheet_safe, [
                i.reference, f"{timezone.localtime(i.occurred_at):%Y-%m-%d %H:%M}",
                f"{timezone.localtime(i.recorded_at):%Y-%m-%d %H:%M}", i.pupil.display_name, i.pupil.upn,
                str(i.pupil.class_group or ""), str(i.location), i.period.name if i.period else "",
                joined(i.antecedent_picks, i.antecedent), joined(i.behaviour_picks, i.behaviour),
                joined(i.consequence_picks, i.consequence), joined(i.strategy_picks, i.strategies), i.intensity,
                i.duration_minutes or "", joined(i.outcome_picks, i.outcome),
                "yes" if i.physical_intervention else "no", i.others, i.created_by.full_name,
                "yes" if i.corrected else "no", "yes" if i.reviewed_at else "no",
            ]))

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="incidents-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


@login_required
@school_required
def my_logs(request):
    staff = request.staff
    return render(request, "incidents/mine.html", {
        "incidents": selectors.my_recent(staff), "drafts": list(selectors.my_drafts(staff)),
    })
