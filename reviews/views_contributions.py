"""Pages for staff contributions and the DSL's safeguarding summary.

- A pupil's contributions (MAKE_PACKS): ask named staff, see who has answered, read what they wrote.
- A contribution: read by the asked person, the person who asked and MAKE_PACKS holders; written
  only by the asked person (draft, then submit; submitted is fixed). The write page autosaves the
  draft by posting to itself with action=autosave: same URL, CSRF and permission checks as Save draft.
- Withdrawing a contribution: only its author, once submitted, with a reason; the page says which
  packs already printed it (they stay as made).
- My contribution requests: what the person was asked for.
- A pupil's safeguarding summaries (READ_SAFEGUARDING only; checked before the pupil is looked up).
  Those reads are logged without the pupil on the access-log row: a pupil's "who viewed this
  record" page is open to people outside the safeguarding team. The path names the pupil."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format

from accounts.access import Ability
from pupils.models import Pupil
from sendsupport.audit import log_access
from sendsupport.decorators import school_required
from sendsupport.forms import add_service_errors

from . import selectors_contributions as selectors
from . import services_contributions as services
from .forms_contributions import AskForm, ContributionForm, SafeguardingSummaryForm, WithdrawForm

FIX_BELOW = "Some details need correcting: see the messages next to the fields. Nothing was saved yet."


@login_required
@school_required
def pupil_contributions(request, pupil_id):
    staff = request.staff
    pupil = selectors.pupil_for_contributions(staff, pupil_id)
    form = AskForm(request.POST or None, staff=staff, pupil=pupil)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                rows = services.ask_for_contributions(staff=staff, pupil=pupil, asked=list(data["asked"]),
                                                      due_on=data["due_on"], question=data["question"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Asked {len(rows)} {'person' if len(rows) == 1 else 'people'}; "
                                          "they have been told.")
                return redirect("reviews:pupil_contributions", pupil.pk)
        messages.error(request, FIX_BELOW)
    log_access(request, action="reviews.contributions.view", pupil=pupil)
    return render(request, "reviews/contributions/pupil.html", {
        "pupil": pupil, "form": form, "contributions": selectors.contributions_for_pupil(pupil)},
        status=400 if form.errors else 200)


@login_required
@school_required
def contribution_detail(request, contribution_id):
    staff = request.staff
    contribution = selectors.get_contribution_for(staff, contribution_id)
    own = contribution.asked_id == staff.user.pk
    if own and not contribution.is_submitted:
        return redirect("reviews:contribution_write", contribution.pk)
    log_access(request, action="reviews.contribution.view", pupil=contribution.pupil)
    return render(request, "reviews/contributions/detail.html", {
        "contribution": contribution, "own": own, "packs": selectors.packs_holding(contribution),
        "can_open_packs": staff.can(Ability.MAKE_PACKS),
        "can_open_pupil": Pupil.objects.visible_to(staff).filter(pk=contribution.pupil_id).exists()})


@login_required
@school_required
def contribution_withdraw(request, contribution_id):
    staff = request.staff
    contribution = selectors.get_contribution_for(staff, contribution_id, write=True)
    if not contribution.is_submitted:
        messages.info(request, "You haven't submitted this yet: your draft is yours alone, so there is nothing to "
                               "withdraw.")
        return redirect("reviews:contribution_write", contribution.pk)
    if contribution.is_withdrawn:
        messages.info(request, "You have already withdrawn this contribution.")
        return redirect("reviews:contribution", contribution.pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.withdraw_contribution(staff=staff, contribution=contribution,
                                               reason=form.cleaned_data["withdrawal_reason"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                asker = contribution.requested_by
                told = "" if asker.pk == staff.user.pk else f" {asker.full_name or asker.email} has been told."
                messages.success(request, f"Withdrawn: packs made from now on leave it out.{told}")
                return redirect("reviews:contribution", contribution.pk)
        messages.error(request, FIX_BELOW)
    log_access(request, action="reviews.contribution.withdraw", pupil=contribution.pupil)
    return render(request, "reviews/contributions/withdraw.html", {
        "contribution": contribution, "form": form, "packs": selectors.packs_holding(contribution)},
        status=400 if form.errors else 200)


def _answers(form) -> dict:
    return {name: form.cleaned_data.get(name, "") for name in services.ANSWER_FIELDS}


def _draft_version(contribution) -> str:
    """Which saved draft the page shows: its autosave keeps typing it hasn't saved yet in the tab,
    and puts it back after a reload only over this same draft (not over a newer save)."""
    return contribution.draft_saved_at.isoformat() if contribution.draft_saved_at else ""


def _autosave(staff, contribution, data) -> JsonResponse:
    """The write page's autosave (reviews/static/reviews/contribution-autosave.js): the same form,
    checks and service as Save draft, answered with a line for the page to show. Never submits; a
    contribution submitted meanwhile is refused (409) by the service, under the row's lock."""
    form = ContributionForm(data, instance=contribution)
    if not form.is_valid():
        problems = " ".join(e for errors in form.errors.values() for e in errors)
        return JsonResponse({"message": f"Not saved: {problems}"}, status=400)
    try:
        saved = services.save_contribution_draft(staff=staff, contribution=contribution, **_answers(form))
    except ValidationError:
        return JsonResponse({"message": "Not saved: you have already submitted this contribution, so it can't "
                                        "change now."}, status=409)
    return JsonResponse({"saved_at": date_format(timezone.localtime(saved.draft_saved_at), "H:i"),
                         "version": _draft_version(saved)})


@login_required
@school_required
def contribution_write(request, contribution_id):
    staff = request.staff
    contribution = selectors.get_contribution_for(staff, contribution_id, write=True)
    if request.method == "POST" and request.POST.get("action") == "autosave":
        return _autosave(staff, contribution, request.POST)
    if contribution.is_submitted:
        messages.info(request, "You submitted this contribution; it can't be changed now.")
        return redirect("reviews:contribution", contribution.pk)
    form = ContributionForm(request.POST or None, instance=contribution)
    if request.method == "POST":
        submitting = request.POST.get("action") == "submit"
        if form.is_valid():
            answers = _answers(form)
            try:
                if submitting:
                    services.submit_contribution(staff=staff, contribution=contribution, **answers)
                    messages.success(request, "Thank you: your contribution was submitted.")
                    return redirect("reviews:contribution", contribution.pk)
                services.save_contribution_draft(staff=staff, contribution=contribution, **answers)
                messages.success(request, "Draft saved. Only you can see it until you submit it.")
                return redirect("reviews:contribution_write", contribution.pk)
            except ValidationError as exc:
                add_service_errors(form, exc)
        messages.error(request, FIX_BELOW)
    log_access(request, action="reviews.contribution.write", pupil=contribution.pupil)
    return render(request, "reviews/contributions/write.html", {
        "contribution": contribution, "form": form, "draft_version": _draft_version(contribution)},
        status=400 if form.errors else 200)


@login_required
@school_required
def my_contributions(request):
    return render(request, "reviews/contributions/mine.html", {"contributions": selectors.requests_of(request.staff)})


@login_required
@school_required
def safeguarding_summaries(request, pupil_id):
    staff = request.staff
    pupil = selectors.pupil_for_safeguarding_summary(staff, pupil_id)
    form = SafeguardingSummaryForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.add_safeguarding_summary(staff=staff, pupil=pupil, period_start=data["period_start"],
                                                  period_end=data["period_end"], text=data["text"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Summary added. It goes into packs for this pupil that cover the period.")
                return redirect("reviews:safeguarding_summaries", pupil.pk)
        messages.error(request, FIX_BELOW)
    log_access(request, action="reviews.safeguarding_summary.view")
    return render(request, "reviews/contributions/safeguarding_summaries.html", {
        "pupil": pupil, "form": form, "summaries": selectors.summaries_for_pupil(pupil)},
        status=400 if form.errors else 200)
