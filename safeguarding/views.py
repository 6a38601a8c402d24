"""Safeguarding pages.

Anyone on the staff of a school: raise a concern about any current pupil of the school (from an
incident or on its own), see that it was received, and list the concerns they raised (reference
and date only: once raised, a concern is read by the safeguarding team alone).

The safeguarding team (Ability.READ_SAFEGUARDING: the DSL and deputies): the concern list, a
concern's record with its actions, and a pupil's chronology. The ability is checked before
anything is looked up, so nobody else can even tell whether a concern exists (always 403); another
school's concern is a 404. Every page that shows a concern is logged as a read.

Reads are logged without the pupil on the access-log row: a pupil's "who viewed this record" page
is open to people outside the safeguarding team. The path names the concern or the pupil."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.access import Ability
from incidents.selectors import get_incident_for
from pupils.models import Pupil
from sendsupport.audit import log_access
from sendsupport.decorators import school_required
from sendsupport.forms import add_service_errors

from . import selectors, services
from .forms import RECORD_FORMS, ConcernForm, StatusForm
from .models import ActionKind

FIX_BELOW = "Some details need correcting: see the messages next to the fields. Nothing was saved yet."


def _id_or_404(value):
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    return int(value)


# --- raising a concern (everyone) -----------------------------------------------------------------

@login_required
@school_required
def raise_concern(request):
    staff = request.staff
    source = request.POST if request.method == "POST" else request.GET
    incident_id = _id_or_404(source.get("incident"))
    incident = get_incident_for(staff, incident_id) if incident_id else None
    pupil_id = _id_or_404(source.get("pupil")) or (incident.pupil_id if incident else None)

    if request.method != "POST":
        if pupil_id is None:
            q = (request.GET.get("q") or "").strip()
            return render(request, "safeguarding/pick_pupil.html", {
                "q": q, "pupils": selectors.pupils_to_pick(staff, q), "incident": incident})
        pupil = selectors.pupil_to_raise_about(staff, pupil_id)
        form = ConcernForm(staff=staff, initial={"pupil": pupil.pk, "incident": incident.pk if incident else None})
        return render(request, "safeguarding/raise.html", {"form": form, "pupil": pupil, "incident": incident})

    form = ConcernForm(request.POST, staff=staff)
    if form.is_valid():
        data = form.cleaned_data
        try:
            concern = services.raise_concern(
                staff=staff, pupil=data["pupil"], incident=data["incident"], occurred_at=data["occurred_at"],
                place=data["place"], facts=data["facts"], child_words=data["child_words"], opinion=data["opinion"],
                immediate_action=data["immediate_action"], body_regions=data["body_regions"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("safeguarding:received", concern.pk)
    messages.error(request, FIX_BELOW)
    pupil = Pupil.objects.in_school(staff).current().select_related("class_group").filter(pk=pupil_id).first()
    return render(request, "safeguarding/raise.html", {"form": form, "pupil": pupil, "incident": incident},
                  status=400)


@login_required
@school_required
def received(request, concern_id):
    """What the person who raised it sees: that it was received, and nothing more."""
    concern = selectors.get_own_concern(request.staff, concern_id)
    return render(request, "safeguarding/received.html", {"concern": concern})


@login_required
@school_required
def raised_by_me(request):
    page = Paginator(selectors.raised_by(request.staff), 50).get_page(request.GET.get("page"))
    return render(request, "safeguarding/mine.html", {"page": page})


# --- the safeguarding team --------------------------------------------------------------------------

@login_required
@school_required
def concern_list(request):
    staff = request.staff
    staff.require(Ability.READ_SAFEGUARDING)
    status = request.GET.get("status", "")
    if status not in selectors.STATUS_FILTERS:
        status = ""
    q = (request.GET.get("q") or "").strip()[:80]
    pupil_id = _id_or_404(request.GET.get("pupil"))
    page = selectors.concern_list(staff, status=status, pupil_id=pupil_id, q=q, cursor=request.GET.get("after", ""))
    if pupil_id and page.pupil is None:
        raise Http404
    log_access(request, action="safeguarding.concern.list")  # which pupils have concerns is itself a read
    query = request.GET.copy()
    query.pop("after", None)
    return render(request, "safeguarding/list.html", {
        "page": page, "status": status, "q": q, "status_filters": selectors.STATUS_FILTERS,
        "query": query.urlencode(), "first_page": not request.GET.get("after"),
    })


def _render_detail(request, concern, *, bound=None, status=200):
    """The concern and its record, with the four forms; `bound` is (kind, form) after a refused post."""
    log_access(request, action="safeguarding.concern.view")
    forms = {}
    for kind, (form_class, prefix, heading) in RECORD_FORMS.items():
        if bound and bound[0] == kind:
            form = bound[1]
        elif form_class is StatusForm:
            form = form_class(prefix=prefix, concern=concern)
        else:
            form = form_class(prefix=prefix)
        forms[kind] = {"form": form, "heading": heading, "open": bool(bound and bound[0] == kind)}
    incident = concern.related_incident
    return render(request, "safeguarding/detail.html", {
        **selectors.concern_page(concern), "forms": forms,
        "incident_url": selectors.incident_url(incident) if incident else "",
    }, status=status)


@login_required
@school_required
def concern_detail(request, concern_id):
    request.staff.require(Ability.READ_SAFEGUARDING)
    concern = selectors.get_concern_for(request.staff, concern_id)
    return _render_detail(request, concern)


SUCCESS = {
    "action": "Added to the record.",
    "referral": "Referral recorded.",
    "decision": "Decision recorded.",
    "status": "Status changed.",
}


@login_required
@school_required
@require_POST
def record(request, concern_id, kind):
    staff = request.staff
    staff.require(Ability.READ_SAFEGUARDING)
    if kind not in RECORD_FORMS:
        raise Http404
    concern = selectors.get_concern_for(staff, concern_id)
    form_class, prefix, _ = RECORD_FORMS[kind]
    form = (form_class(request.POST, prefix=prefix, concern=concern) if form_class is StatusForm
            else form_class(request.POST, prefix=prefix))
    if form.is_valid():
        data = form.cleaned_data
        try:
            if kind == "status":
                services.set_status(staff=staff, concern=concern, status=data["status"], reason=data["reason"])
            else:
                services.add_action(
                    staff=staff, concern=concern, kind=data.get("kind") or ActionKind(kind), text=data["text"],
                    owner=data.get("owner", ""), outcome=data.get("outcome", ""), reason=data.get("reason", ""),
                    agency=data.get("agency", ""), reference=data.get("reference", ""))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, SUCCESS[kind])
            return redirect(f"{concern.get_absolute_url()}#record")
    messages.error(request, FIX_BELOW)
    return _render_detail(request, concern, bound=(kind, form), status=400)


@login_required
@school_required
def chronology(request, pupil_id):
    staff = request.staff
    staff.require(Ability.READ_SAFEGUARDING)
    # Archived pupils too: their safeguarding record is kept and still read.
    pupil = get_object_or_404(Pupil.objects.in_school(staff).select_related("class_group"), pk=pupil_id)
    newest_first = request.GET.get("order") == "newest"
    entries = selectors.chronology(staff, pupil, newest_first=newest_first)
    log_access(request, action="safeguarding.chronology.view")
    return render(request, "safeguarding/chronology.html",
                  {"pupil": pupil, "entries": entries, "newest_first": newest_first})
