"""Annual reviews of a pupil's plan: plan one, record what happened, read it with its statutory dates.

Access: the pupil must be visible (else 404), then READ_PLANS to read and EDIT_PLANS to plan or
record (else 403). A review is looked up through the pupil, so another pupil's review is a 404."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateformat import format as format_date

from accounts.access import Ability
from sendsupport.audit import log_access
from sendsupport.decorators import school_required
from sendsupport.forms import add_service_errors

from .. import selectors_reviews as selectors
from .. import services_reviews as services
from ..access import pupil_for_plans
from ..forms_reviews import ReviewCreateForm, ReviewEditForm
from ..models import AnnualReview

READ_ONLY_ARCHIVED = "This pupil is archived: their record is read-only."


def _saved_message(review: AnnualReview, *, previous_status: str) -> str:
    if review.status == previous_status:
        return "Review saved."
    if review.status == AnnualReview.Status.HELD:
        plan = review.plan
        plan.refresh_from_db(fields=["last_annual_review"])  # moved on by the service
        due = plan.next_review_due if plan.is_ehcp else None
        return "Review saved: the meeting is recorded as held." + (
            f" The next annual review is due by {format_date(due, 'j F Y')}." if due else "")
    return {
        AnnualReview.Status.PAPERS_SENT: "Review saved: the papers are recorded as sent.",
        AnnualReview.Status.REPORT_SENT: "Review saved: the report is recorded as sent to the local authority.",
    }.get(review.status, "Review saved.")


@login_required
@school_required
def review_create(request, pupil_id):
    pupil = pupil_for_plans(request, pupil_id, ability=Ability.EDIT_PLANS)
    if pupil.is_archived:
        messages.error(request, READ_ONLY_ARCHIVED)
        return redirect(pupil)
    plan = services.plan_in_force(pupil)
    if plan is None:
        return render(request, "plans/reviews/no_plan.html", {"pupil": pupil},
                      status=400 if request.method == "POST" else 200)
    today = timezone.localdate()
    due = plan.next_review_due
    form = ReviewCreateForm(request.POST or None, plan=plan, today=today, initial={
        "kind": AnnualReview.Kind.ANNUAL,
        # An overdue date is no use as a meeting date: leave it for the person to choose.
        "meeting_date": due if due and due >= today else None,
    })
    if request.method == "POST" and form.is_valid():
        try:
            review = services.record_review(pupil=pupil, plan=plan, kind=form.cleaned_data["kind"],
                                            meeting_date=form.cleaned_data["meeting_date"],
                                            acting_user=request.user, today=today)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Review planned for {format_date(review.meeting_date, 'j F Y')}.")
            return redirect(review)
    if request.method == "POST":
        messages.error(request, "Some details need correcting: see the messages next to the fields.")
    booked = AnnualReview.objects.filter(pupil=pupil, status__in=selectors.OPEN).order_by("meeting_date").first()
    return render(request, "plans/reviews/create.html", {"pupil": pupil, "plan": plan, "form": form,
                                                         "booked": booked, "today": today},
                  status=400 if request.method == "POST" else 200)


@login_required
@school_required
def review_detail(request, pupil_id, review_id):
    pupil = pupil_for_plans(request, pupil_id)
    review = selectors.get_review(pupil, review_id)
    log_access(request, action="plans.review.view", pupil=pupil)
    today = timezone.localdate()
    return render(request, "plans/reviews/detail.html", {
        "pupil": pupil, "review": review, "steps": selectors.review_steps(review),
        "deadlines": selectors.review_deadlines(review, today),
        "warnings": selectors.review_warnings(review, today),
        "can_edit": (request.staff.can(Ability.EDIT_PLANS) and not pupil.is_archived
                     and not services.is_locked(review)),
    })


@login_required
@school_required
def review_edit(request, pupil_id, review_id):
    pupil = pupil_for_plans(request, pupil_id, ability=Ability.EDIT_PLANS)
    review = selectors.get_review(pupil, review_id)
    if pupil.is_archived:
        messages.error(request, READ_ONLY_ARCHIVED)
        return redirect(review)
    if services.is_locked(review):
        messages.info(request, "The report has been sent to the local authority: this review is read-only.")
        return redirect(review)
    log_access(request, action="plans.review.edit", pupil=pupil)
    today = timezone.localdate()
    saved = copy.copy(review)  # the form writes what was typed onto its instance as it validates
    form = ReviewEditForm(request.POST or None, instance=review, today=today)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.update_review(review=saved, acting_user=request.user, today=today,
                                            changes=dict(form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _saved_message(review, previous_status=saved.status))
            return redirect(review)
    if request.method == "POST":
        messages.error(request, "Some details need correcting: see the messages next to the fields.")
    return render(request, "plans/reviews/edit.html", {
        "pupil": pupil, "review": saved, "form": form, "steps": selectors.review_steps(saved),
        "warnings": selectors.review_warnings(saved, today),
    }, status=400 if request.method == "POST" else 200)
