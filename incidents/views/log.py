"""Logging an incident: the quick log, the full report, autosaved drafts and the pupil picker."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict, ErrorList
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from pupils.models import Pupil
from sendsupport.decorators import school_required

from .. import services
from ..forms import FullReportForm, InjuryFormSet, InvolvedPupilFormSet, QuickLogForm
from ..models import Incident, IncidentDraft

FIX_BELOW = "Nothing has been saved yet: please check the highlighted answers."


def _pupil_from(staff, value) -> Pupil | None:
    """A current pupil of the person's school (any pupil, not only their caseload), or None."""
    if not str(value or "").isdigit():
        return None
    return Pupil.objects.in_school(staff).current().select_related("class_group").filter(pk=value).first()


def _valid_key(key) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(key))
    except ValueError:
        return None


def _open_draft(staff, key) -> IncidentDraft | None:
    if _valid_key(key) is None:
        return None
    return IncidentDraft.objects.filter(key=key, author=staff.user, school=staff.school,
                                        submitted_as__isnull=True, discarded_at__isnull=True).first()


def _quiet(*forms_and_formsets):
    """A resumed draft is shown as typed, without complaining about what isn't finished yet."""
    for item in forms_and_formsets:
        for form in getattr(item, "forms", [item]):
            form._errors, form.cleaned_data = ErrorDict(), {}
        if hasattr(item, "forms"):
            item._errors, item._non_form_errors = [], ErrorList()


def _incident_form(request, *, full: bool):
    staff = request.staff
    draft = _open_draft(staff, request.GET.get("draft")) if request.method == "GET" else None
    if request.method == "POST":
        data = request.POST
    elif draft:
        data = QueryDict(mutable=True)
        for name, values in draft.data.items():
            data.setlist(name, values)
        full = full or draft.full_report
    else:
        data = None
    pupil = _pupil_from(staff, (data or {}).get("pupil") or request.GET.get("pupil"))
    form_class = FullReportForm if full else QuickLogForm
    initial = {"pupil": pupil} if pupil and data is None else {}
    form = form_class(data, staff=staff, pupil=pupil, initial=initial, instance=Incident())
    formsets = []
    if full:
        def bound(prefix):  # a quick log's draft has no rows yet: start them empty
            return data if data is not None and f"{prefix}-TOTAL_FORMS" in data else None

        formsets = [InvolvedPupilFormSet(bound("pupils"), prefix="pupils", staff=staff, instance=form.instance),
                    InjuryFormSet(bound("injuries"), prefix="injuries", staff=staff, instance=form.instance)]
    draft_key = (data or {}).get("draft_key") or (draft.key if draft else uuid.uuid4())
    if request.method == "POST":
        valid = all([form.is_valid()] + [fs.is_valid() for fs in formsets])  # every message at once
        if valid:
            try:
                incident = services.submit_incident(staff=staff, form=form, formsets=formsets,
                                                    draft_key=_valid_key(draft_key), full_report=full)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Incident {incident.reference} logged. "
                                          "You can add more detail below at any time.")
                return redirect(incident)
        messages.error(request, FIX_BELOW)
    elif draft:
        _quiet(form, *formsets)
    caseload = list(Pupil.objects.in_school(staff).current().in_caseload_of(staff)
                    .select_related("class_group").order_by("legal_first_name", "legal_last_name"))
    if pupil and pupil not in caseload:
        caseload.insert(0, pupil)
    return render(request, "incidents/log_form.html", {
        "form": form, "full": full, "pupils_involved": formsets[0] if full else None,
        "injuries": formsets[1] if full else None, "pupil": pupil, "caseload": caseload,
        "draft_key": draft_key, "resumed": bool(draft),
    }, status=400 if request.method == "POST" else 200)


@login_required
@school_required
def quick_log(request):
    return _incident_form(request, full=False)


@login_required
@school_required
def full_report(request):
    return _incident_form(request, full=True)


@login_required
@school_required
@require_POST
def autosave(request):
    """Called by the form as the person types: keeps everything typed, checks nothing."""
    staff = request.staff
    try:
        key = uuid.UUID(request.POST.get("draft_key", ""))
    except ValueError:
        return HttpResponse("Not saved: the page is out of date. Reload it.", status=400)
    data = {name: values for name, values in request.POST.lists()
            if name not in ("csrfmiddlewaretoken", "draft_key")}
    try:
        services.save_draft(staff=staff, key=key, data=data, pupil=_pupil_from(staff, request.POST.get("pupil")),
                            full_report=request.POST.get("full_report") == "1")
    except ValidationError as exc:
        return HttpResponse(exc.messages[0], status=409)
    return HttpResponse(f"Draft saved at {timezone.localtime():%H:%M}")


@login_required
@school_required
def pupil_search(request):
    """Any current pupil of the school, by name: shows only name and class (DECISIONS.md)."""
    words = (request.GET.get("pupil_q") or "").split()
    pupils = []
    if words:
        from django.db.models import Q

        qs = Pupil.objects.in_school(request.staff).current().select_related("class_group")
        for word in words[:3]:
            qs = qs.filter(Q(legal_first_name__istartswith=word) | Q(legal_last_name__istartswith=word)
                           | Q(preferred_name__istartswith=word))
        pupils = list(qs.order_by("legal_first_name", "legal_last_name")[:12])
    return render(request, "incidents/_pupil_results.html", {"pupils": pupils, "searched": bool(words)})


@login_required
@school_required
def strategy_picks(request):
    """The strategy quick-picks for the chosen pupil (their behaviour plan first)."""
    pupil = _pupil_from(request.staff, request.GET.get("pupil"))
    form = QuickLogForm(staff=request.staff, pupil=pupil)
    return render(request, "incidents/_strategy_picks.html", {"form": form})


@login_required
@school_required
@require_POST
def discard_draft(request, key):
    if not _open_draft(request.staff, key):
        raise Http404
    services.discard_draft(staff=request.staff, key=key)
    messages.success(request, "Draft discarded.")
    return redirect("incidents:mine")
