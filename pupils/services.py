"""Every write to pupils goes through here: views, admin, commands and tasks alike."""

from django.db import transaction
from django.utils import timezone

from accounts.access import Ability
from sendsupport import history

from .models import CaseloadEntry, Pupil

BASIC_FIELDS = [
    "legal_first_name", "legal_last_name", "preferred_name", "date_of_birth", "upn",
    "year_group", "class_group", "photo_consent",
]
SEN_FIELDS = [
    "sen_status", "primary_need", "secondary_need", "diagnoses", "communication", "communication_notes",
    "sensory_profile", "known_triggers", "early_warning_signs", "what_helps", "strengths_interests",
    "likes", "dislikes", "medical_alerts", "allergies", "key_adults",
]


def editable_fields(staff) -> list[str]:
    fields = []
    if staff.can(Ability.EDIT_PUPIL_BASICS) or staff.can(Ability.EDIT_SEN_DETAIL):
        fields += BASIC_FIELDS
    if staff.can(Ability.EDIT_SEN_DETAIL):
        fields += SEN_FIELDS
    elif staff.can(Ability.EDIT_PUPIL_BASICS):
        fields += ["medical_alerts", "allergies"]  # office staff take these from parents
    return fields


@transaction.atomic
def save_pupil(*, form, contacts_formset=None, acting_user, action: str) -> Pupil:
    """Save a pupil's profile and contacts together, or nothing at all."""
    with history.action(user=acting_user.pk, action=action):
        pupil = form.save()
        if contacts_formset is not None:
            contacts_formset.instance = pupil
            contacts_formset.save()
    return pupil


@transaction.atomic
def archive_pupil(*, pupil: Pupil, acting_user) -> Pupil:
    """Pupils who leave are archived (read-only, kept), never deleted."""
    if pupil.archived_at is None:
        with history.action(user=acting_user.pk, action="pupil.archive"):
            pupil.archived_at = timezone.now()
            pupil.save(update_fields=["archived_at", "updated_at"])
    return pupil


@transaction.atomic
def set_caseload(*, school, user, pupils, class_groups, acting_user) -> None:
    """Replace a staff member's caseload with the given pupils and class groups."""
    with history.action(user=acting_user.pk, action="caseload.set"):
        entries = CaseloadEntry.objects.filter(school=school, user=user)
        entries.filter(pupil__isnull=False).exclude(pupil__in=pupils).delete()
        entries.filter(class_group__isnull=False).exclude(class_group__in=class_groups).delete()
        have_pupils = set(entries.filter(pupil__isnull=False).values_list("pupil_id", flat=True))
        have_classes = set(entries.filter(class_group__isnull=False).values_list("class_group_id", flat=True))
        CaseloadEntry.objects.bulk_create(
            [CaseloadEntry(school=school, user=user, pupil=p) for p in pupils if p.pk not in have_pupils]
            + [CaseloadEntry(school=school, user=user, class_group=c) for c in class_groups if c.pk not in have_classes]
        )
