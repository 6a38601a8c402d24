"""Therapy programmes set by external therapists: created and edited by the SENCo, read by staff
who may see the pupil, with a delivery log the staff who deliver it fill in, and the therapist's
report served privately (checked by contents on upload; every download is logged)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_POST

from accounts.access import Ability
from plans.forms_evidence import safe_filename
from sendsupport.audit import log_access
from sendsupport.decorators import school_required

from .. import selectors_placements as selectors
from .. import services_placements as services
from ..forms_placements import (
    DOCX, REPORT_EXTENSIONS, DeliveryForm, EndRunForm, ProgrammeForm, ReopenForm, sniff_report_type,
)
from ..models import TherapyProgramme
from .ending import end_page, reopen_page

FIX_BELOW = "Some details need correcting: see the messages next to the fields. Nothing was saved."


@login_required
@school_required
def programme_list(request):
    request.staff.require(Ability.READ_INTERVENTIONS)
    overview = selectors.reads_all(request.staff)
    show_ended = request.GET.get("ended") == "1"
    return render(request, "interventions/programmes/list.html", {
        "programmes": list(selectors.programme_list(request.staff, mine=not overview, current=not show_ended)),
        "overview": overview, "show_ended": show_ended, "manage": selectors.can_manage(request.staff)})


def _form(request, programme):
    form = ProgrammeForm(request.POST or None, request.FILES or None, instance=programme, school=request.staff.school)
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.save_programme(form=form, school=request.staff.school, acting_user=request.user)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, "Programme saved.")
                return redirect(saved)
        again = " Choose the report again." if request.FILES else ""
        messages.error(request, FIX_BELOW + again)
    return render(request, "interventions/programmes/form.html", {"form": form, "programme": programme},
                  status=400 if request.method == "POST" else 200)


@login_required
@school_required
def programme_create(request):
    request.staff.require(Ability.MANAGE_INTERVENTIONS)
    return _form(request, TherapyProgramme(school=request.staff.school))


@login_required
@school_required
def programme_edit(request, pk):
    request.staff.require(Ability.MANAGE_INTERVENTIONS)
    return _form(request, selectors.get_programme_for(request.staff, pk))


def _page(request, programme, *, form=None, status=200):
    page = selectors.programme_page(request.staff, programme)
    # Once ended, a late line dated up to the end may still be logged (the form says so).
    may_log = page["delivers"] and request.staff.can(Ability.RECORD_SESSIONS)
    if may_log and form is None:
        form = DeliveryForm(programme=programme)
    return render(request, "interventions/programmes/detail.html", {
        "programme": programme, "pupil": programme.pupil, "manage": selectors.can_manage(request.staff),
        "may_log": may_log, "form": form, **page}, status=status)


@login_required
@school_required
def programme_detail(request, pk):
    request.staff.require(Ability.READ_INTERVENTIONS)
    programme = selectors.get_programme_for(request.staff, pk)
    log_access(request, action="interventions.programme.view", pupil=programme.pupil)
    return _page(request, programme)


@login_required
@school_required
def programme_end(request, pk):
    """End a therapy programme: the date and why."""
    request.staff.require(Ability.MANAGE_INTERVENTIONS)
    programme = selectors.get_programme_for(request.staff, pk)
    return end_page(
        request, programme, form=EndRunForm.for_programme(programme, request.POST or None), name="The programme",
        end=lambda **given: services.end_programme(programme=programme, **given),
        done=lambda ended: (f"{ended.pupil.display_name}'s {ended.get_service_display()} programme ended on "
                            f"{date_format(ended.ended_on, 'j F Y')}."),
        template="interventions/programmes/end.html", context={"programme": programme, "pupil": programme.pupil},
        log=lambda: log_access(request, action="interventions.programme.end_form", pupil=programme.pupil))


@login_required
@school_required
def programme_reopen(request, pk):
    """Re-open a therapy programme ended by mistake: why."""
    request.staff.require(Ability.MANAGE_INTERVENTIONS)
    programme = selectors.get_programme_for(request.staff, pk)
    return reopen_page(
        request, programme, form=ReopenForm(request.POST or None), name="The programme",
        reopen=lambda **given: services.reopen_programme(programme=programme, **given),
        done=lambda reopening: f"{programme.pupil.display_name}'s {programme.get_service_display()} programme "
                               "re-opened.",
        template="interventions/programmes/reopen.html", context={"programme": programme, "pupil": programme.pupil},
        log=lambda: log_access(request, action="interventions.programme.reopen_form", pupil=programme.pupil))


@login_required
@school_required
@require_POST
def delivery_add(request, pk):
    request.staff.require(Ability.RECORD_SESSIONS)
    programme = selectors.get_programme_for(request.staff, pk)
    if not programme.staff.filter(pk=request.user.pk).exists():
        raise PermissionDenied("Only the staff who deliver this programme fill in its log.")
    form = DeliveryForm(request.POST, programme=programme)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_delivery(programme=programme, delivered_on=data["delivered_on"], minutes=data["minutes"],
                                  note=data["note"], rating=data["rating"], acting_user=request.user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Delivery logged.")
            return redirect(programme)
    messages.error(request, FIX_BELOW)
    return _page(request, programme, form=form, status=400)


@login_required
@school_required
def programme_report(request, pk):
    request.staff.require(Ability.READ_INTERVENTIONS)
    programme = selectors.get_programme_for(request.staff, pk)
    if not programme.report:
        raise Http404
    try:
        handle = programme.report.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    kind = sniff_report_type(handle)  # the stored file has no extension: its bytes say what it is
    log_access(request, action="interventions.programme.report", pupil=programme.pupil)
    known = kind in REPORT_EXTENSIONS
    name = safe_filename(programme.report_name or "therapist report", kind or "")
    if kind == DOCX:
        name += ".docx"
    response = FileResponse(handle, content_type=kind if known else "application/octet-stream",
                            as_attachment=not (known and kind.startswith(("image/", "application/pdf"))),
                            filename=name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
