"""Reads for behaviour support plan and positive-handling plan pages: each page's queries in a fixed
number, whatever the number of versions, risks or trained staff."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Membership, TrainingCourse, TrainingRecord, User

from .models import BehaviourSupportPlan, PositiveHandlingPlan, VersionStatus

# The positive-handling plan's training schemes that are courses in the staff training register.
HANDLING_COURSES = (TrainingCourse.TEAM_TEACH, TrainingCourse.CPI, TrainingCourse.MAPA)
EXPIRY_WARNING = timedelta(days=30)
REVIEW_WARNING = timedelta(weeks=4)


def lines(text: str) -> list[str]:
    """A one-per-line field as list items (bullets people type are dropped)."""
    return [line.strip(" -•*\t") for line in (text or "").splitlines() if line.strip(" -•*\t")]


def review_flag(due: date | None) -> str:
    """"overdue", "soon" (within four weeks) or ""."""
    if due is None:
        return ""
    today = timezone.localdate()
    if due < today:
        return "overdue"
    return "soon" if due - today <= REVIEW_WARNING else ""


# --- versions -----------------------------------------------------------------------------------

def _versions(model, pupil, plan) -> dict:
    """All versions of this plan, newest first, and the pupil's version in force (which may be
    this one). One query: the pupil's plans of this kind, a few columns each."""
    rows = list(model.objects.filter(pupil=pupil)
                .only("id", "pupil_id", "lineage", "version", "status", "created_at", "in_force_from",
                      "superseded_at")
                .order_by("-version", "-created_at"))
    return {
        "versions": [v for v in rows if v.lineage == plan.lineage],
        "in_force": next((v for v in rows if v.status == VersionStatus.IN_FORCE), None),
        "draft": next((v for v in rows if v.status == VersionStatus.DRAFT and v.lineage == plan.lineage), None),
    }


def _plan(model, pupil, plan_id):
    return get_object_or_404(model.objects.select_related("created_by", "signed_off_by"), pk=plan_id, pupil=pupil)


def _in_force_id(model, pupil) -> int | None:
    return model.objects.filter(pupil=pupil, status=VersionStatus.IN_FORCE).values_list("id", flat=True).first()


# --- behaviour support plan ---------------------------------------------------------------------

def bsp_page(pupil, plan_id) -> dict:
    """One BSP version whole. Queries: the plan with its author and signer (1), the pupil's BSP
    versions (1), the positive-handling plan in force, for the cross-reference (1)."""
    plan = _plan(BehaviourSupportPlan, pupil, plan_id)
    return {
        "plan": plan,
        "strategy_lists": [
            ("proactive", "Proactive strategies", "Every day, to prevent", lines(plan.proactive_strategies)),
            ("deescalation", "De-escalation strategies", "At the first warning signs",
             lines(plan.deescalation_strategies)),
            ("reactive", "Reactive / crisis strategies", "Least restrictive first", lines(plan.reactive_strategies)),
        ],
        "review_flag": review_flag(plan.review_date) if plan.status != VersionStatus.SUPERSEDED else "",
        "php_in_force_id": _in_force_id(PositiveHandlingPlan, pupil),
        **_versions(BehaviourSupportPlan, pupil, plan),
    }


# --- positive-handling plan ---------------------------------------------------------------------

@dataclass
class StaffTraining:
    """A person and their training for a positive-handling plan's scheme."""

    user: User
    record: TrainingRecord | None
    status: str  # "current", "expiring", "expired" or "missing"
    course_label: str
    at_school: bool = True


def _training_records(school_id) -> Prefetch:
    return Prefetch("training_records", to_attr="handling_training",
                    queryset=TrainingRecord.objects.filter(school_id=school_id, course__in=HANDLING_COURSES)
                    .order_by("-completed_on", "-id"))


def training_status(user, scheme: str, *, at_school: bool = True) -> StaffTraining:
    """The person's training that counts for this scheme: the plan's own course when it is one of
    the register's courses, else any physical-intervention course. A current record wins over a
    more recent expired one."""
    records = getattr(user, "handling_training", [])
    if scheme in HANDLING_COURSES:
        records = [r for r in records if r.course == scheme]
        course_label = TrainingCourse(scheme).label
    else:
        course_label = "physical-intervention"
    current = [r for r in records if r.is_current]
    record = current[0] if current else (records[0] if records else None)
    if record is None:
        status = "missing"
    elif not record.is_current:
        status = "expired"
    elif record.expires_on and record.expires_on - timezone.localdate() <= EXPIRY_WARNING:
        status = "expiring"
    else:
        status = "current"
    return StaffTraining(user=user, record=record, status=status, course_label=course_label, at_school=at_school)


def active_staff(school) -> QuerySet[User]:
    """The school's active staff, by name, with their physical-intervention training: the choices
    for a plan's trained staff. Queries when listed: staff (1), training records (1)."""
    return (User.objects.filter(is_active=True, memberships__school=school, memberships__is_active=True)
            .order_by("full_name", "id").prefetch_related(_training_records(school.pk)))


def staff_choices(staff: list[User], scheme: str) -> list[StaffTraining]:
    return [training_status(u, scheme) for u in staff]


def users_named(ids) -> list[User]:
    """People by id, by name (for a note on the form; no query when there are none)."""
    return list(User.objects.filter(pk__in=ids).order_by("full_name")) if ids else []


def php_page(pupil, plan_id) -> dict:
    """One PHP version whole. Queries: the plan (1), its risks (1), its trained staff with whether
    they still work here (1) and their training (1), the pupil's PHP versions (1), the behaviour
    support plan in force, for the cross-reference (1)."""
    plan = _plan(PositiveHandlingPlan, pupil, plan_id)
    risks = list(plan.risks.all())
    for risk in risks:
        risk.band = risk_band(risk.score)
        risk.residual_band = risk_band(risk.residual_score) if risk.residual_score else None
    active_here = Membership.objects.filter(user=OuterRef("pk"), school_id=pupil.school_id, is_active=True)
    trained = (plan.trained_staff.annotate(at_school=Exists(active_here)).order_by("full_name", "id")
               .prefetch_related(_training_records(pupil.school_id)))
    return {
        "plan": plan,
        "approved": lines(plan.approved_techniques),
        "risks": risks,
        "trained": [training_status(u, plan.training_scheme, at_school=u.at_school and u.is_active)
                    for u in trained],
        "review_flag": review_flag(plan.review_date) if plan.status != VersionStatus.SUPERSEDED else "",
        "bsp_in_force_id": _in_force_id(BehaviourSupportPlan, pupil),
        **_versions(PositiveHandlingPlan, pupil, plan),
    }


RISK_BANDS = [(4, "Low", "low"), (9, "Medium", "medium"), (16, "High", "high"), (25, "Very high", "very-high")]


def risk_band(score: int | None) -> tuple[str, str] | None:
    """(label, css key) for a likelihood x severity score on the usual 5 x 5 matrix."""
    if not score:
        return None
    return next((label, key) for top, label, key in RISK_BANDS if score <= top)


# --- the pupil page's panel ---------------------------------------------------------------------

def behaviour_plans_now(pupil) -> dict:
    """The behaviour support and positive-handling plans in force and in draft.
    Queries: BSPs (1), PHPs (1), whatever the number of versions."""
    out = {}
    for key, model in (("bsp", BehaviourSupportPlan), ("php", PositiveHandlingPlan)):
        rows = list(model.objects.filter(pupil=pupil, status__in=[VersionStatus.IN_FORCE, VersionStatus.DRAFT])
                    .only("id", "pupil_id", "lineage", "version", "status", "in_force_from", "created_at",
                          "review_date"))
        out[key] = next((p for p in rows if p.is_in_force), None)
        out[f"{key}_draft"] = next((p for p in rows if p.is_draft), None)
        out[f"{key}_review_flag"] = review_flag(out[key].review_date) if out[key] else ""
    return out
