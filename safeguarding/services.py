"""Writes for safeguarding concerns. Views, admin actions, commands and tasks all call these.

- `raise_concern`: any member of staff, about any current pupil of their school; the safeguarding
  team (DSL role holders) is told at once, without the child's name or any detail.
- `add_action`: the safeguarding team records an action, note, referral or decision.
- `set_status`: a status change, always as its own action row with a reason.

Each is one transaction under a history context naming the acting user and the action."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.access import Ability
from incidents.models import BodyRegion, Incident
from pupils.models import Pupil
from sendsupport import history
from sendsupport.notifications import notify, staff_with_ability

from .models import ActionKind, Agency, Concern, ConcernAction, Status

# A phone's clock may run a little ahead of the server's: "now" on the form is not "the future".
CLOCK_SLACK = datetime.timedelta(minutes=5)
FUTURE_MESSAGE = "This time is in the future. Enter when you saw or heard it."


def _require_dsl(staff, concern=None) -> None:
    staff.require(Ability.READ_SAFEGUARDING)
    if concern is not None and concern.school_id != staff.school.pk:
        raise PermissionDenied


@transaction.atomic
def raise_concern(*, staff, pupil: Pupil, occurred_at, place: str, facts: str, child_words: str = "",
                  opinion: str = "", immediate_action: str = "", body_regions=(),
                  incident: Incident | None = None) -> Concern:
    """Record a concern about any current pupil of the person's school (not only their caseload)
    and tell the safeguarding team straight away. `incident` must be one the person can read."""
    errors = {}
    if not Pupil.objects.in_school(staff).current().filter(pk=pupil.pk).exists():
        errors["pupil"] = "Choose a current pupil of your school."
    if incident is not None and not Incident.objects.visible_to(staff).filter(pk=incident.pk).exists():
        errors["incident"] = "That incident isn't one you can link to."
    if occurred_at is None:
        errors["occurred_at"] = "Enter when you saw or heard this."
    elif occurred_at > timezone.now() + CLOCK_SLACK:
        errors["occurred_at"] = FUTURE_MESSAGE
    if not (facts or "").strip():
        errors["facts"] = "Write what you saw or heard."
    if not (place or "").strip():
        errors["place"] = "Say where this happened."
    regions = list(dict.fromkeys(body_regions or ()))
    if any(r not in BodyRegion.values for r in regions):
        errors["body_regions"] = "Choose places on the body from the list."
    if errors:
        raise ValidationError(errors)

    with history.action(user=staff.user.pk, action="concern.raise"):
        concern = Concern.objects.create(
            school=staff.school, pupil=pupil, raised_by=staff.user, occurred_at=occurred_at, place=place.strip(),
            facts=facts.strip(), child_words=(child_words or "").strip(), opinion=(opinion or "").strip(),
            immediate_action=(immediate_action or "").strip(), body_regions=regions, related_incident=incident)
    _tell_the_safeguarding_team(staff, concern)
    return concern


def _tell_the_safeguarding_team(staff, concern: Concern) -> None:
    """In-app and email, on commit. No name, no detail: the reference and a link only (the email
    leaves the system; the concern is read after signing in)."""
    team = [u for u in staff_with_ability(staff.school, Ability.READ_SAFEGUARDING) if u.pk != staff.user.pk]
    when = date_format(timezone.localtime(concern.recorded_at), "j M Y, H:i")
    notify(users=team, school=staff.school,
           subject=f"New safeguarding concern {concern.reference}",
           body=f"A safeguarding concern was raised at {staff.school.name} on {when}. "
                "Sign in to SEND Support to read it.",
           url=reverse("safeguarding:detail", args=[concern.pk]))


def _locked(concern: Concern) -> Concern:
    return Concern.objects.select_for_update().get(pk=concern.pk)


@transaction.atomic
def add_action(*, staff, concern: Concern, kind: str, text: str, owner: str = "", outcome: str = "",
               reason: str = "", agency: str = "", reference: str = "") -> ConcernAction:
    """Append an action, note, referral or decision to a concern (safeguarding team only).
    A decision also becomes the concern's current decision; earlier ones stay in the record."""
    _require_dsl(staff, concern)
    errors = {}
    if kind not in (ActionKind.ACTION, ActionKind.NOTE, ActionKind.REFERRAL, ActionKind.DECISION):
        errors["kind"] = "Choose what you are recording."
    if not (text or "").strip():
        errors["text"] = {
            ActionKind.DECISION: "Write the decision.",
            ActionKind.REFERRAL: "Say what was referred and why.",
        }.get(kind, "Write what was done.")
    if kind == ActionKind.DECISION and not (reason or "").strip():
        errors["reason"] = "Give the reason for the decision."
    if kind == ActionKind.REFERRAL and agency not in Agency.values:
        errors["agency"] = "Choose who the referral went to."
    if errors:
        raise ValidationError(errors)

    concern = _locked(concern)
    now = timezone.now()
    with history.action(user=staff.user.pk, action=f"concern.{kind}"):
        action = ConcernAction.objects.create(
            concern=concern, author=staff.user, at=now, kind=kind, text=text.strip(), owner=(owner or "").strip(),
            outcome=(outcome or "").strip(), reason=(reason or "").strip(),
            agency=agency if kind == ActionKind.REFERRAL else "",
            reference=(reference or "").strip() if kind == ActionKind.REFERRAL else "")
        changes = {"last_action_at": now}
        if kind == ActionKind.DECISION:
            changes.update(dsl_decision=action.text, dsl_decision_reason=action.reason, decided_at=now,
                           decided_by=staff.user)
        Concern.objects.filter(pk=concern.pk).update(**changes)
    return action


@transaction.atomic
def set_status(*, staff, concern: Concern, status: str, reason: str) -> ConcernAction:
    """Move a concern to open, monitoring, referred to children's social care or closed, with the
    reason, as an action row (the status never changes any other way)."""
    _require_dsl(staff, concern)
    concern = _locked(concern)
    errors = {}
    if status not in Status.values:
        errors["status"] = "Choose a status."
    elif status == concern.status:
        errors["status"] = f"The concern is already {concern.get_status_display().lower()}."
    if not (reason or "").strip():
        errors["reason"] = "Give the reason for the change."
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with history.action(user=staff.user.pk, action="concern.status"):
        action = ConcernAction.objects.create(
            concern=concern, author=staff.user, at=now, kind=ActionKind.STATUS,
            text=f"{concern.get_status_display()} → {Status(status).label}", reason=reason.strip(),
            old_status=concern.status, new_status=status)
        Concern.objects.filter(pk=concern.pk).update(status=status, last_action_at=now)
    return action
