"""Writes for plans. Views, admin, commands and tasks all call these.

Versioning in one place: `start_draft` (a new plan), `amend` (a new draft copied from the version
in force, or the existing draft), `put_in_force` (sign-off / issue; supersedes the version before).
Only drafts can be edited; `require_draft` is the guard every edit calls."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from sendsupport import history
from sendsupport.audit import log_access
from sendsupport.notifications import notify, staff_with_ability

from .models import (
    BehaviourSupportPlan, EvidenceFile, Outcome, PHPTrainedStaff, Plan, PositiveHandlingPlan,
    ProgressEvidence, ProvisionOutcome, Risk, Target, VersionStatus,
)

VERSIONED = (Plan, BehaviourSupportPlan, PositiveHandlingPlan)


def require_current(pupil) -> None:
    """A pupil who has left is archived: their plans are kept, read-only, whoever calls. Read from
    the database: a pupil object loaded earlier may predate the archiving."""
    from pupils.models import Pupil

    if Pupil.objects.filter(pk=pupil.pk, archived_at__isnull=False).exists():
        raise ValidationError("This pupil has left the school: their records are read-only.")


def require_draft(plan) -> None:
    require_current(plan.pupil)
    if not plan.is_draft:
        raise ValidationError("This version is signed off and can't be changed. Start an amendment instead.")


def _copy_fields(source, target, exclude=()):
    skip = {"id", "lineage", "version", "status", "created_by", "created_at", "in_force_from", "superseded_at",
            "signed_off_by", *exclude}
    for field in source._meta.concrete_fields:
        if field.name not in skip and not field.primary_key:
            setattr(target, field.attname, getattr(source, field.attname))


@transaction.atomic
def save_draft(*, form, acting_user, action: str):
    """Create or update a draft from a validated ModelForm (new plans start at version 1)."""
    plan = form.instance
    if plan.pk:
        require_draft(type(plan).objects.select_for_update().get(pk=plan.pk))
    else:
        require_current(plan.pupil)
        plan.created_by = acting_user
    with history.action(user=acting_user.pk, action=action):
        plan.full_clean()
        return form.save()


@transaction.atomic
def amend(*, plan, acting_user):
    """The draft of the next version, copied from `plan` (in force or superseded); if a draft of
    this plan already exists, that draft (a second click is not a second draft)."""
    model = type(plan)
    require_current(plan.pupil)
    # Lock the versions of this plan so two clicks at once can't both start a draft.
    list(model.objects.select_for_update().filter(lineage=plan.lineage).values_list("pk", flat=True))
    existing = model.objects.filter(lineage=plan.lineage, status=VersionStatus.DRAFT).first()
    if existing:
        return existing
    with history.action(user=acting_user.pk, action=f"{model._meta.model_name}.amend"):
        latest = model.objects.filter(lineage=plan.lineage).aggregate(v=Max("version"))["v"]
        draft = model(pupil=plan.pupil, lineage=plan.lineage, version=latest + 1, created_by=acting_user)
        # A new version needs the parents' agreement to this version, not the last one's.
        _copy_fields(plan, draft, exclude=("parents_agreed_on", "parents_agreement_notes"))
        draft.save()
        _copy_children(plan, draft)
    return draft


def _copy_children(source, draft):
    if isinstance(source, Plan):
        outcome_map = {}
        for outcome in source.outcomes.prefetch_related("targets"):
            old_pk = outcome.pk
            targets = list(outcome.targets.all())
            outcome.pk, outcome.plan = None, draft  # keeps lineage: the evidence timeline continues
            outcome.save()
            outcome_map[old_pk] = outcome
            for t in targets:
                t.pk, t.outcome = None, outcome
            Target.objects.bulk_create(targets)
        for item in source.provision.prefetch_related("outcomes"):
            served = [outcome_map[o.pk] for o in item.outcomes.all()]
            item.pk, item.plan = None, draft
            item.save()
            ProvisionOutcome.objects.bulk_create([ProvisionOutcome(provision=item, outcome=o) for o in served])
    elif isinstance(source, PositiveHandlingPlan):
        risks = list(source.risks.all())
        for r in risks:
            r.pk, r.plan = None, draft
        Risk.objects.bulk_create(risks)
        PHPTrainedStaff.objects.bulk_create(
            [PHPTrainedStaff(plan=draft, user_id=uid) for uid in source.trained_staff.values_list("id", flat=True)])


def readiness_errors(plan) -> list[str]:
    errors = []
    if isinstance(plan, Plan):
        if not plan.outcomes.exists():
            errors.append("Add at least one outcome before putting the plan in force.")
        if plan.is_ehcp and not plan.date_issued:
            errors.append("Enter the date the local authority issued the EHCP.")
        if not plan.is_ehcp and not plan.review_due_on:
            errors.append("Enter the review date for this cycle.")
    if isinstance(plan, BehaviourSupportPlan) and not plan.parents_agreed_on:
        errors.append("Record the parents' agreement before signing off.")
    if isinstance(plan, PositiveHandlingPlan) and not plan.parents_agreed_on:
        errors.append("Record that the parents were consulted before signing off.")
    return errors


@transaction.atomic
def put_in_force(*, plan, acting_user):
    """Sign off a draft (issue an EHCP, agree a behaviour plan): it becomes the version in force
    and the pupil's previous one of that kind is superseded. Refuses with reasons if not ready."""
    model = type(plan)
    plan = model.objects.select_for_update().get(pk=plan.pk)
    require_draft(plan)
    if errors := readiness_errors(plan):
        raise ValidationError(errors)
    now = timezone.now()
    with history.action(user=acting_user.pk, action=f"{model._meta.model_name}.sign_off"):
        model.objects.filter(pupil=plan.pupil, status=VersionStatus.IN_FORCE).update(
            status=VersionStatus.SUPERSEDED, superseded_at=now)
        plan.status, plan.in_force_from, plan.signed_off_by = VersionStatus.IN_FORCE, now, acting_user
        plan.save(update_fields=["status", "in_force_from", "signed_off_by"])
    return plan


@transaction.atomic
def add_evidence(*, pupil, outcome: Outcome, target: Target | None, observed_on, note: str, rating: int,
                 files, acting_user) -> ProgressEvidence:
    """Dated evidence towards an outcome, with optional photos or documents, in one transaction."""
    require_current(pupil)
    if outcome.plan.pupil_id != pupil.pk or (target is not None and target.outcome_id != outcome.pk):
        raise ValidationError("That outcome isn't on this pupil's plan.")
    with history.action(user=acting_user.pk, action="evidence.add"):
        evidence = ProgressEvidence(pupil=pupil, outcome=outcome, outcome_lineage=outcome.lineage, target=target,
                                    observed_on=observed_on, note=note, rating=rating, recorded_by=acting_user)
        evidence.full_clean()
        evidence.save()
        for f in files:
            EvidenceFile.objects.create(evidence=evidence, file=f, original_name=f.name[:200],
                                        content_type=f.content_type, size=f.size)
    return evidence


@transaction.atomic
def break_glass(*, request, pupil, reason: str) -> None:
    """Staff covering a class may read a pupil's "before you step in" screen outside their
    caseload by giving a reason: logged, and the SENCo is told."""
    reason = reason.strip()
    if len(reason) < 5:
        raise ValidationError("Say briefly why you need this pupil's information.")
    staff = request.staff
    log_access(request, action="pupil.step_in.break_glass", pupil=pupil, reason=reason)
    from accounts.access import Ability
    from django.urls import reverse

    notify(users=staff_with_ability(staff.school, Ability.RECEIVE_SEN_ALERTS), school=staff.school,
           subject=f"{staff.user.full_name} opened {pupil.display_name}'s step-in screen",
           body=f"Outside their caseload. Reason given: {reason}",
           url=reverse("pupils:viewers", args=[pupil.pk]))
