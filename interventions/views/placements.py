"""Groups (a run of an intervention), placements (a pupil on a group: SMART target, what it
serves, entry/exit scores, the end review) and the provision maps for a pupil and the school.

Access: the ability first (403: school admins and DSLs hold none of the interventions abilities),
then the object through the person's scope (404: another school's, a group a TA doesn't run, a
pupil off their caseload). SEN detail (a placement, a pupil's map, the school map) is logged."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from accounts.access import Ability
from pupils.selectors import get_pupil_for
from sendsupport.audit import log_access
from sendsupport.decorators import school_required

from .. import selectors_placements as selectors
from .. import services_placements as services
from ..forms_placements import EndForm, EndRunForm, GroupForm, PlacementForm, ReopenForm, ReviewForm, ScoresForm
from ..models import Group
from .ending import end_page, reopen_page

FIX_BELOW = "Some details need correcting: see the messages next to the fields. Nothing was saved."


# --- groups ---------------------------------------------------------------------------------------

@login_required
@school_required
def group_list(request):
    request.staff.require(Ability.READ_INTERVENTIONS)
    show_ended = request.GET.get("ended") == "1"
    return render(request, "interventions/placements/group_list.html", {
        "groups": list(selectors.group_list(request.staff, current=not show_ended)), "show_ended": show_ended,
        "manage": selectors.can_manage(request.staff), "overview": selectors.reads_all(request.staff)})


def _group_form(request, group):
    form = GroupForm(request.POST or None, instance=group, school=request.staff.school)
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.save_group(form=form, school=request.staff.school, acting_user=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Group “{saved.name}” saved.")
                return redirect(saved)
        messages.error(request, FIX_BELOW)
    return render(request, "interventions/placements/group_form.html", {"form": form, "group": group},
                  status=400 if request.method == "POST" else 200)


@login_required
@school_required
def group_create(request):
    request.staff.require(Ability.MANAGE_INTERVENTIONS)
    group = Group(school=request.staff.school)
    if not request.POST and (pk := request.GET.get("intervention", "")).isdigit():
        intervention = selectors.catalogue(request.staff.school).filter(pk=pk).first()
        if intervention:
            group.intervention = intervention
            group.minutes_per_session = intervention.minutes_per_session
    return _group_form(request, group)


@login_required
@school_required
def group_edit(request, pk):
    request.staff.require(Ability.MANAGE_INTERVENTIONS)
    return _group_form(request, selectors.get_group_for(request.staff, pk))


def _group_page(request, group, *, form=None, status=200):
    manage = selectors.can_manage(request.staff)
    page = selectors.group_page(request.staff, group)
    size = group.intervention.max_group_size
    if manage and form is None and page["current_count"] < size and group.ended_on is None:
        form = PlacementForm(group=group)
    return render(request, "interventions/placements/group_detail.html", {
        "group": group, "manage": manage, "form": form, "full": page["current_count"] >= size, **page,
    }, status=status)


@login_required
@school_required
def group_detail(request, pk):
    request.staff.require(Ability.READ_INTERVENTIONS)
    group = selectors.get_group_for(request.staff, pk)
    log_access(request, action="interventions.group.view")
    return _group_page(request, group)


@login_required
@school_required
@require_POST
def placement_add(request, pk):
    request.staff.require(Ability.MANAGE_INTERVENTIONS)
    group = selectors.get_group_for(request.staff, pk)
    if group.ended_on is not None:  # an old tab: the page no longer offers it
        messages.error(request, f"{group.name} ended on {date_format(group.ended_on, 'j F Y')}: no pupils can be "
                                "added. Start another group.")
        return redirect(group)
    form = PlacementForm(request.POST, group=group)
    if form.is_valid():
        data = form.cleaned_data
        try:
            placement = services.add_placement(
                group=group, pupil=data["pupil"], smart_target=data["smart_target"], start_date=data["start_date"],
                end_date=data["end_date"], review_due=data["review_due"], outcome=data["outcome"],
                provision=data["provision"], acting_user=request.user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"{placement.pupil.display_name} added to {group.name}.")
            return redirect(group)
    messages.error(request, FIX_BELOW)
    return _group_page(request, group, form=form, status=400)


def _plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


@login_required
@school_required
def group_end(request, pk):
    """End a group: the date and why, with what it will do to its pupils and planned sessions."""
    request.staff.require(Ability.MANAGE_INTERVENTIONS)
    group = selectors.get_group_for(request.staff, pk)
    return end_page(
        request, group, form=EndRunForm.for_group(group, request.POST or None), name=group.name,
        end=lambda **given: services.end_group(group=group, **given),
        done=lambda ending: (f"{group.name} ended on {date_format(ending.group.ended_on, 'j F Y')}: "
                             f"{_plural(ending.placements_ended, 'placement')} ended, "
                             f"{_plural(ending.sessions_cancelled, 'planned session')} after it cancelled."),
        template="interventions/placements/group_end.html",
        context={"group": group, "pupils": [p.pupil for p in selectors.open_placements(group)],
                 "not_started": group.start_date > timezone.localdate()},
        log=lambda: log_access(request, action="interventions.group.end_form"))  # it names the group's pupils


@login_required
@school_required
def group_reopen(request, pk):
    """Re-open a group ended by mistake: why, with what it will bring back."""
    request.staff.require(Ability.MANAGE_INTERVENTIONS)
    group = selectors.get_group_for(request.staff, pk)
    placements, sessions = selectors.ending_writes(group)
    return reopen_page(
        request, group, form=ReopenForm(request.POST or None), name=group.name,
        reopen=lambda **given: services.reopen_group(group=group, **given),
        done=lambda reopening: (f"{group.name} re-opened: {_plural(reopening.placements_reopened, 'placement')} "
                                f"open again, {_plural(reopening.sessions_restored, 'cancelled session')} "
                                "planned again."),
        template="interventions/placements/group_reopen.html",
        context={"group": group, "pupils": [p.pupil for p in placements], "sessions": sessions},
        log=lambda: log_access(request, action="interventions.group.reopen_form"))  # it names the group's pupils


# --- placements -----------------------------------------------------------------------------------

def _may_score(staff, placement) -> bool:
    if selectors.can_manage(staff):
        return True
    return staff.can(Ability.RECORD_SESSIONS) and selectors.runs_group(staff, placement.group)


def _placement_page(request, placement, *, scores=None, review=None, end=None, status=200):
    manage = selectors.can_manage(request.staff)
    may_score = _may_score(request.staff, placement)
    open_ = placement.ended_on is None
    return render(request, "interventions/placements/placement_detail.html", {
        "placement": placement, "group": placement.group, "intervention": placement.group.intervention,
        "pupil": placement.pupil, "manage": manage, "may_score": may_score,
        "scores_form": scores or (ScoresForm(instance=placement) if may_score else None),
        "review_form": review or (ReviewForm(placement=placement) if manage else None),
        "end_form": end or (EndForm(placement=placement) if manage and open_ else None),
        "counts": selectors.attendance_counts(placement),
    }, status=status)


@login_required
@school_required
def placement_detail(request, pk):
    request.staff.require(Ability.READ_INTERVENTIONS)
    placement = selectors.get_placement_for(request.staff, pk)
    log_access(request, action="interventions.placement.view", pupil=placement.pupil)
    return _placement_page(request, placement)


@login_required
@school_required
@require_POST
def placement_scores(request, pk):
    request.staff.require(Ability.READ_INTERVENTIONS)
    placement = selectors.get_placement_for(request.staff, pk)
    if not _may_score(request.staff, placement):
        raise PermissionDenied("Only the SENCo or the staff who run the group record scores.")
    form = ScoresForm(request.POST, instance=placement)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_scores(placement=placement, entry_score=data["entry_score"],
                                   entry_date=data["entry_date"], exit_score=data["exit_score"],
                                   exit_date=data["exit_date"], target_progress=data["target_progress"],
                                   acting_user=request.user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Scores and progress saved.")
            return redirect(placement)
    messages.error(request, FIX_BELOW)
    placement.refresh_from_db()
    return _placement_page(request, placement, scores=form, status=400)


@login_required
@school_required
@require_POST
def placement_review(request, pk):
    request.staff.require(Ability.MANAGE_INTERVENTIONS)
    placement = selectors.get_placement_for(request.staff, pk)
    form = ReviewForm(request.POST, placement=placement)
    if form.is_valid():
        data = form.cleaned_data
        services.review_placement(placement=placement, reviewed_on=data["reviewed_on"],
                                  decision=data["review_decision"], score=data["review_score"],
                                  notes=data["review_notes"], end_placement=data["end_placement"],
                                  acting_user=request.user)
        messages.success(request, "Review saved." + (" The placement has ended." if data["end_placement"] else ""))
        return redirect(placement)
    messages.error(request, FIX_BELOW)
    return _placement_page(request, placement, review=form, status=400)


@login_required
@school_required
@require_POST
def placement_end(request, pk):
    request.staff.require(Ability.MANAGE_INTERVENTIONS)
    placement = selectors.get_placement_for(request.staff, pk)
    form = EndForm(request.POST, placement=placement)
    if form.is_valid():
        try:
            services.end_placement(placement=placement, ended_on=form.cleaned_data["ended_on"],
                                   acting_user=request.user)
        except ValidationError as exc:
            form.add_error("ended_on", exc.message_dict.get("ended_on", exc.messages))
        else:
            messages.success(request, f"{placement.pupil.display_name}'s placement has ended.")
            return redirect(placement)
    messages.error(request, FIX_BELOW)
    return _placement_page(request, placement, end=form, status=400)


# --- provision maps -------------------------------------------------------------------------------

@login_required
@school_required
def school_map(request):
    request.staff.require(Ability.READ_INTERVENTIONS)
    if not selectors.reads_all(request.staff):  # SENCo and senior leaders only
        raise PermissionDenied("The school provision map is for the SENCo and senior leaders.")
    include_ended = request.GET.get("ended") == "1"
    chosen = request.GET.get("intervention")
    if chosen not in (None, "all"):
        if not chosen.isdigit():
            raise Http404("No such intervention on the map.")
        chosen = int(chosen)
    log_access(request, action="interventions.provision_map.school")
    context = selectors.school_provision_map(request.staff, include_ended=include_ended, intervention=chosen)
    if chosen is not None and context["selected"] is None:
        raise Http404("No such intervention on the map.")
    if context["compact"]:
        for summary in context["interventions"]:
            summary["lines"] = _compact_lines(summary["rows"])
    return render(request, "interventions/maps/school.html", {"include_ended": include_ended, **context})


def _compact_lines(rows):
    """The short line per placement of the large school map, joined in Python (749 rows through
    the template engine cost ~120 ms): pupil (class) · group · dates (weeks) · sessions · costs."""
    pupil_url = reverse("interventions:pupil_map", args=[0])[:-len("0/provision/")]
    placement_url = reverse("interventions:placement", args=[0])[:-len("0/")]
    return format_html_join("", (
        '<li><a href="{}{}/provision/">{}</a>{} · <a href="{}{}/">{}</a>{} · {} – {} ({} wk) · '
        '{}/{}/{} sessions · £{} / £{} / £{}</li>'), (
        (pupil_url, r["pupil"].pk, r["pupil"].display_name,
         f" ({r['pupil'].class_group.name})" if r["pupil"].class_group else "",
         placement_url, r["placement"].pk, r["group"].name,
         mark_safe(' <span class="badge text-bg-secondary">Ended</span>') if not r["is_current"] else "",
         date_format(r["start"], "j M"), date_format(r["end"], "j M Y"), r["weeks"],
         r["sessions_attended"], r["sessions_delivered"], r["planned_sessions"],
         r["planned_cost_to_date"], r["planned_cost"], r["delivered_cost"]) for r in rows))


@login_required
@school_required
def pupil_map(request, pupil_id):
    pupil = get_pupil_for(request.staff, pupil_id)
    request.staff.require(Ability.READ_INTERVENTIONS)
    log_access(request, action="interventions.provision_map.pupil", pupil=pupil)
    return render(request, "interventions/maps/pupil.html", {
        "pupil": pupil, "manage": selectors.can_manage(request.staff),
        **selectors.pupil_provision_map(request.staff, pupil)})
