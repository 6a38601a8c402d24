"""Reads for staff contributions and the DSL's safeguarding summary, each scoped to the person.

Who reads a contribution: the asked person (their own, draft or submitted), the person who asked,
and MAKE_PACKS holders of the school (submitted text only: a draft is its author's own). Anyone else
in the school gets a 404, as does anyone in another school; the asked person may see the pupil's
name and class on their request even when the pupil is not on their caseload, and nothing more."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.access import Ability
from pupils.models import Pupil

from .models_contributions import Contribution, SafeguardingSummary


def _can_read_others(staff, contribution: Contribution) -> bool:
    return contribution.requested_by_id == staff.user.pk or staff.can(Ability.MAKE_PACKS)


def get_contribution_for(staff, contribution_id: int, *, write: bool = False) -> Contribution:
    """The request, if this person may read it (404 otherwise). `write`: only the asked person;
    a reader who isn't the asked person gets a 403."""
    contribution = (Contribution.objects.filter(school=staff.school, pk=contribution_id)
                    .select_related("pupil__class_group", "asked", "requested_by").first())
    if contribution is None:
        raise Http404
    if contribution.asked_id == staff.user.pk:
        return contribution
    if not _can_read_others(staff, contribution):
        raise Http404
    if write:
        raise PermissionDenied
    return contribution


def open_requests_for(staff) -> list[Contribution]:
    """The person's unanswered requests in this school, soonest due first (one query)."""
    return list(Contribution.objects.filter(school=staff.school, asked=staff.user, submitted_at__isnull=True,
                                            pupil__archived_at__isnull=True)
                .select_related("pupil__class_group", "requested_by").order_by("due_on", "id"))


def requests_of(staff) -> list[Contribution]:
    """Everything the person was asked for in this school, open first, then the latest answered."""
    return list(Contribution.objects.filter(school=staff.school, asked=staff.user)
                .select_related("pupil__class_group", "requested_by")
                .order_by("-submitted_at", "due_on", "id")[:200])


def pupil_for_contributions(staff, pupil_id: int) -> Pupil:
    staff.require(Ability.MAKE_PACKS)
    pupil = Pupil.objects.visible_to(staff).select_related("class_group").filter(pk=pupil_id).first()
    if pupil is None:
        raise Http404
    return pupil


def contributions_for_pupil(pupil: Pupil) -> list[Contribution]:
    return list(Contribution.objects.filter(pupil=pupil).select_related("asked", "requested_by")
                .order_by("-requested_at", "id"))


def pupil_for_safeguarding_summary(staff, pupil_id: int) -> Pupil:
    """The ability is checked before the pupil is looked up: nobody else can tell anything (403)."""
    staff.require(Ability.READ_SAFEGUARDING)
    pupil = Pupil.objects.in_school(staff).select_related("class_group").filter(pk=pupil_id).first()
    if pupil is None:
        raise Http404
    return pupil


def summaries_for_pupil(pupil: Pupil) -> list[SafeguardingSummary]:
    return list(SafeguardingSummary.objects.filter(pupil=pupil).select_related("written_by")
                .order_by("-written_at", "-id"))
