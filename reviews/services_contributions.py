"""Writes for staff contributions and the DSL's safeguarding summary. Views, commands and tasks call these.

- `ask_for_contributions`: a SENCo (MAKE_PACKS) asks named staff of the school for a contribution
  about a pupil, with a due date and an optional question; each asked person is told.
- `save_contribution_draft` / `submit_contribution`: only the asked person writes; a draft is theirs
  alone and saved whole each time (by the button or the page's autosave); submitting fixes it (a
  second submit is a no-op) and tells the person who asked.
- `withdraw_contribution`: the author takes back a submitted contribution, giving a reason; it is
  kept, marked withdrawn, left out of packs made from then on, and the person who asked is told.
- `add_safeguarding_summary`: a DSL role holder adds a dated summary for a pupil and a period.

Each is one transaction under a history context naming the acting user and the action. Emails leave
the system, so notifications name no pupil: the link opens the request after signing in."""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.access import Ability
from accounts.models import Membership
from pupils.models import Pupil
from sendsupport import history
from sendsupport.notifications import notify

from .models_contributions import Contribution, SafeguardingSummary
from .selectors_contributions import packs_holding

ANSWER_FIELDS = ("progress", "what_works", "still_hard", "answer")
MAX_DUE_DAYS = 120  # a contribution is for the coming review, not next year's


def due_date_problem(due_on) -> str:
    today = timezone.localdate()
    if due_on is None:
        return "Enter the date you need it by."
    if due_on < today:
        return "The due date has passed. Choose today or a later date."
    if due_on > today + datetime.timedelta(days=MAX_DUE_DAYS):
        return f"Choose a date within {MAX_DUE_DAYS} days: contributions are for the coming review."
    return ""


def _clean(text) -> str:
    return (text or "").strip()


@transaction.atomic
def ask_for_contributions(*, staff, pupil: Pupil, asked, due_on: datetime.date, question: str = "") -> list[Contribution]:
    """One request per named member of staff. People already asked about this pupil who haven't
    answered yet are refused by name rather than asked twice."""
    staff.require(Ability.MAKE_PACKS)
    errors = {}
    if not Pupil.objects.visible_to(staff).current().filter(pk=pupil.pk).exists():
        errors["pupil"] = "Choose a current pupil of your school."
    asked = list(dict.fromkeys(asked or ()))
    if not asked:
        errors["asked"] = "Choose who to ask."
    else:
        members = set(Membership.objects.filter(school=staff.school, is_active=True, user__is_active=True,
                                                user__in=asked).values_list("user_id", flat=True))
        if any(u.pk not in members for u in asked):
            errors["asked"] = "Choose people who work at your school."
        else:
            waiting = (Contribution.objects.filter(pupil=pupil, asked__in=asked, submitted_at__isnull=True)
                       .select_related("asked"))
            names = sorted({c.asked.full_name or c.asked.email for c in waiting})
            if names:
                errors["asked"] = (f"Already asked and not answered yet: {', '.join(names)}. "
                                   "Untick them; they can still answer the earlier request.")
    if problem := due_date_problem(due_on):
        errors["due_on"] = problem
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    with history.action(user=staff.user.pk, action="reviews.contribution.ask"):
        rows = [Contribution.objects.create(school=staff.school, pupil=pupil, asked=user, requested_by=staff.user,
                                            requested_at=now, due_on=due_on, question=_clean(question))
                for user in asked]
    asker = staff.user.full_name or staff.user.email
    due = date_format(due_on, "j F Y")
    for row in rows:
        notify(users=[row.asked], school=staff.school,
               subject="You are asked for a contribution to an annual review",
               body=f"{asker} asks for a short contribution about a pupil you work with, by {due}. "
                    "Sign in to SEND Support to write it; you can save a draft and come back to it.",
               url=reverse("reviews:contribution_write", args=[row.pk]))
    return rows


def _locked_own(staff, contribution: Contribution) -> Contribution:
    """Only the asked person writes, in the school the request was made in."""
    if contribution.asked_id != staff.user.pk or contribution.school_id != staff.school.pk:
        raise PermissionDenied
    return Contribution.objects.select_for_update().get(pk=contribution.pk)


@transaction.atomic
def save_contribution_draft(*, staff, contribution: Contribution, progress: str = "", what_works: str = "",
                            still_hard: str = "", answer: str = "") -> Contribution:
    """Save the whole draft (each save replaces the last): the Save draft button and the page's
    autosave both come here. A submitted (or withdrawn) contribution is fixed: an autosave sent
    just before, or after, the submit is refused under the row lock, never applied. Draft saves
    write no history row (models_contributions.py)."""
    contribution = _locked_own(staff, contribution)
    if contribution.is_submitted:
        raise ValidationError("This contribution was submitted and can't be changed.")
    contribution.progress, contribution.what_works = _clean(progress), _clean(what_works)
    contribution.still_hard, contribution.answer = _clean(still_hard), _clean(answer)
    contribution.draft_saved_at = timezone.now()
    with history.action(user=staff.user.pk, action="reviews.contribution.draft"):
        contribution.save(update_fields=[*ANSWER_FIELDS, "draft_saved_at"])
    return contribution


@transaction.atomic
def submit_contribution(*, staff, contribution: Contribution, progress: str = "", what_works: str = "",
                        still_hard: str = "", answer: str = "") -> Contribution:
    """Submit what the asked person wrote; from now on it is fixed and goes into the pack. A second
    submit (a double tap, a resent form) changes nothing."""
    contribution = _locked_own(staff, contribution)
    if contribution.is_submitted:
        return contribution
    values = {"progress": _clean(progress), "what_works": _clean(what_works), "still_hard": _clean(still_hard),
              "answer": _clean(answer)}
    if not any(values.values()):
        raise ValidationError({"progress": "Write something before you submit: at least the progress you have seen."})
    if contribution.question and not values["answer"]:
        raise ValidationError({"answer": "Answer the question you were asked (a short answer is fine)."})
    for name, value in values.items():
        setattr(contribution, name, value)
    contribution.submitted_at = timezone.now()
    with history.action(user=staff.user.pk, action="reviews.contribution.submit"):
        contribution.save(update_fields=[*ANSWER_FIELDS, "submitted_at"])
    if contribution.requested_by_id != staff.user.pk:
        requester = get_user_model().objects.get(pk=contribution.requested_by_id)
        notify(users=[requester], school=staff.school, subject="A contribution you asked for was submitted",
               body=f"{staff.user.full_name or staff.user.email} submitted their contribution for an annual review.",
               url=reverse("reviews:contribution", args=[contribution.pk]))
    return contribution


@transaction.atomic
def withdraw_contribution(*, staff, contribution: Contribution, reason: str) -> Contribution:
    """The author takes back what they submitted, with a reason the SENCo reads (never printed).

    Allowed even when a pack already printed it: a ready pack is fixed evidence and stays as made,
    but packs made from now on leave it out, and the person who asked is told so they can make the
    pack again. Refusing instead would leave a contribution its author disowns going into every
    later version. Nothing is lost: the row keeps its text and gains who, when and why. A second
    withdrawal (a double tap) changes nothing."""
    contribution = _locked_own(staff, contribution)
    if contribution.is_withdrawn:
        return contribution
    if not contribution.is_submitted:
        raise ValidationError("Only a submitted contribution can be withdrawn: a draft is yours alone until you "
                              "submit it.")
    if Pupil.objects.filter(pk=contribution.pupil_id, archived_at__isnull=False).exists():
        raise ValidationError("This pupil has left and is archived: their record is read-only.")
    if not _clean(reason):
        raise ValidationError({"withdrawal_reason": "Say why you are withdrawing it (a few words is fine)."})
    already_in = packs_holding(contribution)
    contribution.withdrawn_at, contribution.withdrawn_by = timezone.now(), staff.user
    contribution.withdrawal_reason = _clean(reason)
    with history.action(user=staff.user.pk, action="reviews.withdraw_contribution"):
        contribution.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    if contribution.requested_by_id != staff.user.pk:
        requester = get_user_model().objects.get(pk=contribution.requested_by_id)
        in_pack = (" A pack already made includes it and stays as it is: make the pack again if it should "
                   "not be shared." if already_in else "")
        # No reason in the notice: it may name the pupil, and emails leave the system.
        notify(users=[requester], school=staff.school, subject="A contribution you asked for was withdrawn",
               body=f"{staff.user.full_name or staff.user.email} withdrew their contribution for an annual review. "
                    f"Packs made from now on leave it out.{in_pack}",
               url=reverse("reviews:contribution", args=[contribution.pk]))
    return contribution


@transaction.atomic
def add_safeguarding_summary(*, staff, pupil: Pupil, period_start: datetime.date, period_end: datetime.date,
                             text: str) -> SafeguardingSummary:
    """What the DSL chooses to tell a review about safeguarding for a period. Never changed: a
    later summary for the same period is printed after it, so a correction is a new summary."""
    staff.require(Ability.READ_SAFEGUARDING)
    errors = {}
    if not Pupil.objects.in_school(staff).filter(pk=pupil.pk).exists():
        errors["pupil"] = "Choose a pupil of your school."
    if period_start is None:
        errors["period_start"] = "Enter the first day of the period."
    if period_end is None:
        errors["period_end"] = "Enter the last day of the period."
    elif period_start is not None and period_end < period_start:
        errors["period_end"] = "The period ends before it starts."
    if not _clean(text):
        errors["text"] = "Write the summary."
    if errors:
        raise ValidationError(errors)
    with history.action(user=staff.user.pk, action="reviews.safeguarding_summary.add"):
        return SafeguardingSummary.objects.create(school=staff.school, pupil=pupil, period_start=period_start,
                                                  period_end=period_end, text=_clean(text), written_by=staff.user)
