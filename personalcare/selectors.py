"""Who may read intimate care records, and the reads behind each page.

Only three kinds of people read these records: the SENCo and the DSL team (every pupil of the
school: READ_ALL_PERSONAL_CARE) and staff named on a pupil's plan in force (that pupil only; they
also log care). Everyone else, senior leaders included, gets a 404 on every page and sees nothing in
panels, lists or counts: the records' existence is not leaked."""

import datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.access import Ability
from accounts.models import TrainingCourse, TrainingRecord, User
from plans.models import VersionStatus
from pupils.models import Pupil

from .models import CareLog, CarePlan, CarePlanStaff

REVIEW_WARNING_DAYS = 28


def reads_all(staff) -> bool:
    return staff.school is not None and staff.can(Ability.READ_ALL_PERSONAL_CARE)


def may_manage(staff) -> bool:
    return staff.school is not None and staff.can(Ability.MANAGE_PERSONAL_CARE)


def plans_naming(staff):
    """Plans in force, in the person's current school, that name them."""
    return CarePlan.objects.filter(
        status=VersionStatus.IN_FORCE, pupil__school=staff.school,
        pk__in=CarePlanStaff.objects.filter(user=staff.user).values("plan_id"))


def care_pupils(staff):
    """The pupils whose care records this person may read (a queryset, for one query)."""
    if staff is None or staff.school is None:
        return Pupil.objects.none()
    pupils = Pupil.objects.in_school(staff)
    if reads_all(staff):
        return pupils
    return pupils.filter(pk__in=plans_naming(staff).values("pupil_id"))


def get_pupil_for(staff, pupil_id) -> Pupil:
    """A pupil whose care records this person may read; anyone else's, or a pupil of another
    school, is a 404 (so a refusal does not say whether a plan exists)."""
    return get_object_or_404(care_pupils(staff).select_related("class_group"), pk=pupil_id)


def in_force_plan(pupil) -> CarePlan | None:
    return (CarePlan.objects.filter(pupil=pupil, status=VersionStatus.IN_FORCE)
            .prefetch_related(Prefetch("named_staff", queryset=User.objects.order_by("full_name")))
            .first())


def is_named(staff, plan: CarePlan | None) -> bool:
    return names(plan, staff.user)


def names(plan: CarePlan | None, user) -> bool:
    """Whether the plan names this person (uses the prefetched named staff where there are any)."""
    return plan is not None and any(u.pk == user.pk for u in plan.named_staff.all())


def get_plan_for(staff, pk) -> CarePlan:
    """A plan version the person may read: the SENCo any of their school's, the DSL any but drafts;
    named staff only the version in force that names them (drafts and old versions are the SENCo's)."""
    plans = CarePlan.objects.filter(pupil__school=staff.school).select_related("pupil", "created_by",
                                                                                "signed_off_by")
    if not reads_all(staff):
        plans = plans.filter(pk__in=plans_naming(staff).values("pk"))
    elif not may_manage(staff):
        plans = plans.exclude(status=VersionStatus.DRAFT)  # drafts are the SENCo's work in progress
    return get_object_or_404(plans.prefetch_related(
        Prefetch("named_staff", queryset=User.objects.order_by("full_name"))), pk=pk)


def get_log_for(staff, pk) -> CareLog:
    log = get_object_or_404(
        CareLog.objects.filter(school=staff.school).select_related("pupil", "given_by", "second_adult", "plan"), pk=pk)
    if not care_pupils(staff).filter(pk=log.pupil_id).exists():
        raise Http404
    return log


def pupil_page(pupil, *, log_limit: int = 30) -> dict:
    """The pupil's care page: the plan in force, a draft if any, other versions, recent logs."""
    versions = list(CarePlan.objects.filter(pupil=pupil).select_related("signed_off_by")
                    .prefetch_related(Prefetch("named_staff", queryset=User.objects.order_by("full_name"))))
    logs = list(CareLog.objects.filter(pupil=pupil).select_related("given_by", "second_adult")
                .annotate(addenda_count=Count("addenda"))  # a GROUP BY drops Meta.ordering: say it
                .order_by("-occurred_at", "-id")[:log_limit])
    return {
        "plan": next((v for v in versions if v.is_in_force), None),
        "draft": next((v for v in versions if v.is_draft), None),
        "versions": versions,
        "logs": logs,
    }


def _last_log(pupil_ref, since=None):
    # Per pupil, not per plan version: care logged under the previous version still counts.
    logs = CareLog.objects.filter(pupil_id=pupil_ref)
    if since is not None:
        logs = logs.filter(occurred_at__gte=since)
    return logs.order_by("-occurred_at").values("occurred_at")[:1]


def plan_list(staff) -> list[dict]:
    """The people's list: every pupil with a care plan (SENCo and DSL), or the plans naming the
    person, each with its plan in force (or draft), its review date and the last care logged."""
    plans = CarePlan.objects.filter(pupil__school=staff.school).exclude(status=VersionStatus.SUPERSEDED)
    if not reads_all(staff):
        plans = plans.filter(pk__in=plans_naming(staff).values("pk"))
    elif not may_manage(staff):
        plans = plans.filter(status=VersionStatus.IN_FORCE)  # drafts are the SENCo's work in progress
    plans = (plans.select_related("pupil__class_group")
             .annotate(last_logged=Subquery(_last_log(OuterRef("pupil_id"))))
             .order_by("pupil__legal_last_name", "pupil__legal_first_name", "pupil_id", "-version"))
    today = timezone.localdate()
    rows = {}
    for plan in plans:
        row = rows.setdefault(plan.pupil_id, {"pupil": plan.pupil, "plan": None, "draft": None})
        row["draft" if plan.is_draft else "plan"] = plan
        row["last_logged"] = plan.last_logged
    for row in rows.values():
        plan = row["plan"]
        row["review_overdue"] = bool(plan and plan.review_date < today)
        row["review_soon"] = bool(plan and today <= plan.review_date <= today + datetime.timedelta(REVIEW_WARNING_DAYS))
    return list(rows.values())


def reviews_due(staff, *, days: int = REVIEW_WARNING_DAYS) -> list[CarePlan]:
    """Plans in force whose review falls within `days` or is overdue, soonest first."""
    until = timezone.localdate() + datetime.timedelta(days)
    return list(CarePlan.objects.filter(pupil__school=staff.school, pupil__archived_at__isnull=True,
                                        status=VersionStatus.IN_FORCE, review_date__lte=until)
                .select_related("pupil").order_by("review_date", "pk"))


def pupil_panel_plan(staff, pupil) -> CarePlan | None:
    """The plan in force with whether it names this person and when care was last logged (one
    query, whoever asks: the pupil page shows it to few and costs the others little)."""
    return (CarePlan.objects.filter(pupil=pupil, status=VersionStatus.IN_FORCE)
            .annotate(names_me=Exists(CarePlanStaff.objects.filter(plan=OuterRef("pk"), user=staff.user)),
                      last_logged=Subquery(_last_log(OuterRef("pupil_id"))))
            .first())


def care_today(staff) -> list[CarePlan]:
    """Home panel for named staff: the plans naming them, with when care was last logged today
    (one query)."""
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return list(plans_naming(staff).filter(pupil__archived_at__isnull=True).select_related("pupil")
                .annotate(last_today=Subquery(_last_log(OuterRef("pupil_id"), since=start)))
                .order_by("pupil__legal_last_name", "pupil__legal_first_name"))


def named_staff_training(plan: CarePlan) -> list[dict]:
    """Each named person with their latest moving-and-handling training, where the plan involves
    moving and handling (one query): the plan page flags missing or expired training."""
    people = list(plan.named_staff.all())
    if not plan.moving_and_handling.strip():
        return [{"user": u, "needed": False} for u in people]
    latest = {}
    for record in (TrainingRecord.objects.filter(school_id=plan.pupil.school_id, user__in=people,
                                                 course=TrainingCourse.MOVING_HANDLING)
                   .order_by("user_id", "-completed_on")):
        latest.setdefault(record.user_id, record)
    return [{"user": u, "needed": True, "record": latest.get(u.pk)} for u in people]


def has_current_moving_and_handling(user, school) -> bool:
    today = timezone.localdate()
    return TrainingRecord.objects.filter(user=user, school=school, course=TrainingCourse.MOVING_HANDLING,
                                         completed_on__lte=today).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today)).exists()


def second_adult_choices(staff, plan: CarePlan) -> tuple[list, list]:
    """Named staff other than the logger first (tap buttons), then the school's other active staff
    (a list), for the second adult."""
    named = [u for u in plan.named_staff.all() if u.pk != staff.user.pk]
    named_ids = {u.pk for u in named} | {staff.user.pk}
    others = [u for u in User.objects.filter(memberships__school=staff.school, memberships__is_active=True,
                                             is_active=True).order_by("full_name") if u.pk not in named_ids]
    return named, others
