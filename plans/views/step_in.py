"""Before you step in: one phone screen with what a member of staff needs before supporting a
pupil in crisis. Outside one's caseload it opens only with a reason (break-glass), which is
logged and the SENCo is told."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, render

from accounts.access import Ability
from pupils.models import Pupil
from sendsupport.audit import log_access
from sendsupport.decorators import school_required

from .. import services
from ..models import BehaviourSupportPlan, PositiveHandlingPlan, VersionStatus


def _in_force(model, pupil):
    return model.objects.filter(pupil=pupil, status=VersionStatus.IN_FORCE).first()


def _screen(request, pupil, status=200):
    return render(request, "plans/step_in/step_in.html", {
        "pupil": pupil,
        "bsp": _in_force(BehaviourSupportPlan, pupil),
        "php": _in_force(PositiveHandlingPlan, pupil),
    }, status=status)


@login_required
@school_required
def step_in(request, pupil_id):
    staff = request.staff
    # Any pupil of the school may be asked for; another school's pupil doesn't exist here.
    pupil = get_object_or_404(Pupil.objects.in_school(staff).select_related("class_group"), pk=pupil_id)
    allowed = staff.can(Ability.READ_SEN_DETAIL) and Pupil.objects.visible_to(staff).filter(pk=pupil.pk).exists()
    if allowed:
        log_access(request, action="pupil.step_in.view", pupil=pupil)
        return _screen(request, pupil)
    error = ""
    if request.method == "POST":
        try:
            services.break_glass(request=request, pupil=pupil, reason=request.POST.get("reason", ""))
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return _screen(request, pupil)
    return render(request, "plans/step_in/break_glass.html",
                  {"pupil": pupil, "error": error, "reason": request.POST.get("reason", "")},
                  status=400 if error else 200)


@login_required
@school_required
def step_in_find(request):
    """Find any pupil of the school for their step-in screen (lunch duty, corridors, cover):
    shows only name and class, as a pupil picker outside one's caseload must."""
    q = (request.GET.get("q") or "").strip()
    pupils = []
    if len(q) >= 2:
        pupils = list(
            Pupil.objects.in_school(request.staff).current().select_related("class_group")
            .filter(Q(legal_last_name__icontains=q) | Q(legal_first_name__icontains=q)
                    | Q(preferred_name__icontains=q))
            .order_by("legal_last_name", "legal_first_name", "id")[:30]
        )
    return render(request, "plans/step_in/find.html", {"q": q, "pupils": pupils})
