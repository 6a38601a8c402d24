"""Ending a group or a therapy programme early, and re-opening one ended by mistake: the same pages
for both (interventions/endings/)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.dateformat import format as date_format

from sendsupport.forms import add_service_errors

FIX_BELOW = "Some details need correcting: see the messages next to the fields. Nothing was saved."


def end_page(request, run, *, form, end, done, name, template, context, log):
    """The end page of `run` (a group or a programme). A valid POST calls `end` (the service) with
    the date, reason and acting user, says `done(result)` and goes back; its refusals show next to
    the fields. `log()` records the opening (the page names pupils)."""
    if run.ended_on is not None:  # a second click or an old tab: nothing more to do
        messages.info(request, f"{name} already ended on {date_format(run.ended_on, 'j F Y')}.")
        return redirect(run)
    if request.method == "POST":
        if form.is_valid():
            try:
                result = end(ended_on=form.cleaned_data["ended_on"], reason=form.cleaned_data["reason"],
                             acting_user=request.user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, done(result))
                return redirect(run)
        messages.error(request, FIX_BELOW)
    log()
    return render(request, template, {**context, "form": form}, status=400 if request.method == "POST" else 200)


def reopen_page(request, run, *, form, reopen, done, name, template, context, log):
    """The re-open page of an ended `run`. A valid POST calls `reopen` (the service) with the reason
    and acting user, says `done(reopening)` and goes back; its refusals show next to the field.
    `log()` records the opening (the group's page names the pupils it would bring back)."""
    if run.ended_on is None:  # a second click or an old tab: nothing to undo
        messages.info(request, f"{name} is not ended: there is nothing to re-open.")
        return redirect(run)
    if request.method == "POST":
        if form.is_valid():
            try:
                reopening = reopen(reason=form.cleaned_data["reason"], acting_user=request.user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, done(reopening))
                return redirect(run)
        messages.error(request, FIX_BELOW)
    log()
    return render(request, template, {**context, "form": form}, status=400 if request.method == "POST" else 200)
