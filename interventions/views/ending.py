"""Ending a group or a therapy programme early, and re-opening one ended by mistake: the same pages
for both (interventions/endings/)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.dateformat import format as date_format

from sendsupport.forms import add_service_errors

FIX_BELOW = "Some details need correcting: see the messages next to the fields. Nothing was saved."


def _run_page(request, run, *, form, act, done, template, context, log):
    """A valid POST calls `act(cleaned_data)` (the service), says `done(result)` and goes back to
    `run`; the service's refusals show next to the fields. `log()` records the opening (the pages
    name pupils)."""
    if request.method == "POST":
        if form.is_valid():
            try:
                result = act(form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, done(result))
                return redirect(run)
        messages.error(request, FIX_BELOW)
    log()
    return render(request, template, {**context, "form": form}, status=400 if request.method == "POST" else 200)


def end_page(request, run, *, end, name, **page):
    """The end page of `run` (a group or a programme): `end` (the service) gets the date, reason and
    acting user."""
    if run.ended_on is not None:  # a second click or an old tab: nothing more to do
        messages.info(request, f"{name} already ended on {date_format(run.ended_on, 'j F Y')}.")
        return redirect(run)
    return _run_page(request, run, act=lambda data: end(ended_on=data["ended_on"], reason=data["reason"],
                                                        acting_user=request.user), **page)


def reopen_page(request, run, *, reopen, name, **page):
    """The re-open page of an ended `run`: `reopen` (the service) gets the reason and acting user."""
    if run.ended_on is None:  # a second click or an old tab: nothing to undo
        messages.info(request, f"{name} is not ended: there is nothing to re-open.")
        return redirect(run)
    return _run_page(request, run, act=lambda data: reopen(reason=data["reason"], acting_user=request.user), **page)
