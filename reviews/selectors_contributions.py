"""Reads for staff contributions and the DSL's safeguarding summary, each scoped to the person.

Who reads a contribution: the asked person (their own, draft or submitted), the person who asked,
and MAKE_PACKS holders of the school (submitted text only: a draft is its author's own). Anyone else
in the school gets a 404, as does anyone in another school; the asked person may see the pupil's
name and class on their request even when the pupil is not on their caseload, and nothing more."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from accounts.access import Ability
from pupils.models import Pupil

from .models import EvidencePack
from .models_contributions import Contribution, SafeguardingSummary
from .sections_contributions import AFTER_PERIOD


def _can_read_others(staff, contribution: Contribution) -> bool:
    return contribution.requested_by_id == staff.user.pk or staff.can(Ability.MAKE_PACKS)


def get_contribution_for(staff, contribution_id: int, *, write: bool = False) -> Contribution:
    """The request, if this person may read it (404 otherwise). `write`: only the asked person;
    a reader who isn't the asked person gets a 403."""
    contribution = (Contribution.objects.filter(school=staff.school, pk=contribution_id)
                    .select_related("pupil__class_group", "asked", "requested_by", "withdrawn_by").first())
    if contribution is None:
        raise Http404
    if contribution.asked_id == staff.user.pk:
        return contribution
    if not _can_read_others(staff, contribution):
        raise Http404
    if write:
        raise PermissionDenied
    return contribution


def packs_holding(contribution: Contribution) -> list[EvidencePack]:
    """Packs that printed (or, while being made, may print) this contribution: packs of its pupil
    whose period takes in the request (as the pack section chooses), gathered between its submission
    and its withdrawal. A pack gathers its sections at some moment between started_at and
    finished_at, so any pack overlapping that window counts: better to say "may hold it" than to
    miss one. One query."""
    if not contribution.is_submitted:
        return []
    asked_on = timezone.localdate(contribution.requested_at)
    packs = (EvidencePack.objects.filter(pupil_id=contribution.pupil_id, period_start__lte=asked_on,
                                         period_end__gte=asked_on - AFTER_PERIOD)
             .filter(Q(status=EvidencePack.Status.READY, finished_at__gt=contribution.submitted_at)
                     | Q(status=EvidencePack.Status.RUNNING)))
    if contribution.is_withdrawn:
        packs = packs.filter(started_at__lt=contribution.withdrawn_at)
    return list(packs.order_by("version"))


RECENT = datetime.timedelta(weeks=4)  # how long the home page keeps a way back to what you submitted


def home_requests_for(staff) -> tuple[list[Contribution], int]:
    """The person's unanswered requests in this school, soonest due first, and how many they
    submitted in the last four weeks and still stand by (one query): the home page's way back to a
    submitted contribution, to read it or withdraw it."""
    since = timezone.now() - RECENT
    rows = list(Contribution.objects.filter(school=staff.school, asked=staff.user)
                .filter(Q(submitted_at__isnull=True, pupil__archived_at__isnull=True)
                        | Q(submitted_at__gte=since, withdrawn_at__isnull=True))
                .select_related("pupil__class_group", "requested_by").order_by("due_on", "id"))
    return [c for c in rows if not c.is_submitted], sum(1 for c in rows if c.is_submitted)


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
