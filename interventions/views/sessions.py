"""Sessions in seconds: "my sessions today" for the person running groups, the one-step record of a
whole group's session, and a group's session history.

Access: the ability first (403 for school admin and DSL), then the group through the person's scope
(404 for another TA's group or another school's), then for recording: staff of the group or the
SENCo (403)."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.access import Ability
from sendsupport.audit import log_access
from sendsupport.decorators import school_required

from .. import selectors_sessions as selectors
from .. import services_sessions as services
from ..forms_sessions import AttendanceFormSet, SessionForm
from ..models import SessionStatus


def _parse_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise Http404 from None


@login_required
@school_required
def today(request):
    request.staff.require(Ability.RECORD_SESSIONS)
    day = timezone.localdate()
    groups = selectors.sessions_today(request.staff, day)
    return render(request, "interventions/sessions/today.html", {"groups": groups, "today": day})


@login_required
@school_required
def record(request, group_id, date):
    staff = request.staff
    staff.require(Ability.READ_INTERVENTIONS)
    group = selectors.get_group_for(staff, group_id)
    day = _parse_date(date)
    today = timezone.localdate()
    history_url = reverse("interventions:session_history", args=[group.pk])
    session = selectors.get_session(staff, group, day)
    if session is not None:  # recorded sessions are fixed: shown as they were saved
        log_access(request, action="interventions.session.view")
        if request.method == "POST":
            messages.info(request, f"The session on {day:%-d %B %Y} was already recorded; it can't be changed.")
            return redirect(request.path)
        return render(request, "interventions/sessions/recorded.html", {
            "group": group, "session": session, "day": day, "history_url": history_url,
            "hidden_pupils": session.marks - len(session.shown_attendance)})
    if not selectors.can_record(staff, group):
        raise PermissionDenied
    if problem := selectors.date_problem(group, day, today):
        return render(request, "interventions/sessions/refused.html", {
            "group": group, "problem": problem, "history_url": history_url}, status=400)
    placements = list(selectors.current_placements(staff, group, day))
    log_access(request, action="interventions.session.record_form")
    intervention = group.intervention
    if request.method == "POST":
        form = SessionForm(request.POST)
        formset = AttendanceFormSet(request.POST, placements=placements, intervention=intervention,
                                    session_cancelled=form.cancelled)
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                session = services.record_session(
                    group=group, date=day, status=data["status"], cancel_reason=data["cancel_reason"],
                    minutes=data["minutes"], note=data["note"], placements=placements, acting_user=request.user,
                    attendance=[{"placement_id": f.cleaned_data["placement"], "status": f.cleaned_data["status"],
                                 "absence_reason": f.cleaned_data["absence_reason"],
                                 "rating": f.cleaned_data.get("rating"),
                                 "regulation": f.cleaned_data.get("regulation", "")} for f in formset.forms])
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                if session.status == SessionStatus.CANCELLED:
                    messages.success(request, f"{group.name}: session on {day:%-d %B} recorded as cancelled.")
                else:
                    present = sum(1 for f in formset.forms if f.cleaned_data["status"] == "present")
                    messages.success(request, f"{group.name}: session saved, {present} of {len(placements)} "
                                              f"present.")
                return redirect("interventions:today" if day == today else "interventions:session_history",
                                *([] if day == today else [group.pk]))
        messages.error(request, "Some details need correcting: see the messages next to the fields. "
                                "Nothing was saved yet.")
        status = 400
    else:
        form = SessionForm(initial={"status": SessionStatus.DELIVERED, "minutes": group.minutes_per_session})
        formset = AttendanceFormSet(placements=placements, intervention=intervention)
        status = 200
    rows = [(f, f.placement_obj) for f in formset.forms]
    return render(request, "interventions/sessions/record.html", {
        "group": group, "intervention": intervention, "day": day, "is_today": day == today, "form": form,
        "formset": formset, "rows": rows, "history_url": history_url}, status=status)


@login_required
@school_required
def history(request, group_id):
    staff = request.staff
    staff.require(Ability.READ_INTERVENTIONS)
    group = selectors.get_group_for(staff, group_id)
    today = timezone.localdate()
    log_access(request, action="interventions.session_history.view")
    context = selectors.group_history(staff, group, today)
    context.update(group=group, today=today, can_record=selectors.can_record(staff, group))
    return render(request, "interventions/sessions/history.html", context)
