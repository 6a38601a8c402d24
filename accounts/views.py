from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from pupils.services import set_caseload
from sendsupport import history
from sendsupport.decorators import school_required

from . import services
from .access import Ability
from .forms import CaseloadForm, InviteForm, LocationFormSet, PeriodFormSet, RolesForm, SchoolSettingsForm, TermFormSet
from .middleware import SCHOOL_SESSION_KEY
from .models import Location, Membership, Period, Term


def _membership_for(request, membership_id) -> Membership:
    """Staff of this school only: anyone else's membership is a 404."""
    request.staff.require(Ability.MANAGE_STAFF)
    return get_object_or_404(Membership.objects.select_related("user"), pk=membership_id,
                             school=request.staff.school)


@login_required
@school_required
def staff_list(request):
    request.staff.require(Ability.MANAGE_STAFF)
    memberships = Membership.objects.filter(school=request.staff.school).select_related("user").order_by(
        "-is_active", "user__full_name")
    return render(request, "accounts/staff_list.html", {"memberships": memberships})


@login_required
@school_required
def staff_invite(request):
    request.staff.require(Ability.MANAGE_STAFF)
    form = InviteForm(request.POST or None, school=request.staff.school)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        membership = services.invite_staff(
            school=request.staff.school, email=d["email"], full_name=d["full_name"], roles=d["roles"],
            job_title=d["job_title"], acting_user=request.user, base_url=request.build_absolute_uri("/")[:-1],
        )
        messages.success(request, f"{membership.user.full_name} was invited. They'll get an email with a link.")
        return redirect("accounts:staff_detail", membership.pk)
    return render(request, "accounts/staff_invite.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@school_required
def staff_detail(request, membership_id):
    membership = _membership_for(request, membership_id)
    school = request.staff.school
    roles_form = RolesForm(initial={"roles": membership.roles, "job_title": membership.job_title,
                                    "can_edit_plans": membership.can_edit_plans})
    entries = membership.user.caseload_entries.filter(school=school)
    caseload_form = CaseloadForm(school=school, initial={
        "pupils": [e.pupil_id for e in entries if e.pupil_id],
        "class_groups": [e.class_group_id for e in entries if e.class_group_id],
    })
    if request.method == "POST" and "save_roles" in request.POST:
        roles_form = RolesForm(request.POST)
        if roles_form.is_valid():
            services.update_roles(membership=membership, roles=roles_form.cleaned_data["roles"],
                                  job_title=roles_form.cleaned_data["job_title"], acting_user=request.user,
                                  can_edit_plans=roles_form.cleaned_data["can_edit_plans"])
            messages.success(request, "Roles saved.")
            return redirect("accounts:staff_detail", membership.pk)
    if request.method == "POST" and "save_caseload" in request.POST:
        caseload_form = CaseloadForm(request.POST, school=school)
        if caseload_form.is_valid():
            set_caseload(school=school, user=membership.user, pupils=caseload_form.cleaned_data["pupils"],
                         class_groups=caseload_form.cleaned_data["class_groups"], acting_user=request.user)
            messages.success(request, "Caseload saved.")
            return redirect("accounts:staff_detail", membership.pk)
    has_2fa = membership.user.authenticator_set.exists()
    return render(request, "accounts/staff_detail.html", {
        "membership": membership, "roles_form": roles_form, "caseload_form": caseload_form, "has_2fa": has_2fa,
    }, status=400 if request.method == "POST" else 200)


@login_required
@school_required
@require_POST
def staff_deactivate(request, membership_id):
    membership = _membership_for(request, membership_id)
    if membership.user_id == request.user.pk:
        messages.error(request, "You can't remove your own access.")
    else:
        services.deactivate_staff(membership=membership, acting_user=request.user)
        messages.success(request, f"{membership.user.full_name} no longer has access. Their records are kept.")
    return redirect("accounts:staff_detail", membership.pk)


@login_required
@school_required
@require_POST
def staff_reactivate(request, membership_id):
    membership = _membership_for(request, membership_id)
    services.reactivate_staff(membership=membership, acting_user=request.user)
    messages.success(request, f"{membership.user.full_name} has access again.")
    return redirect("accounts:staff_detail", membership.pk)


@login_required
@school_required
@require_POST
def staff_reset_2fa(request, membership_id):
    membership = _membership_for(request, membership_id)
    services.reset_two_factor(user=membership.user, acting_user=request.user)
    messages.success(request, f"Two-factor authentication was reset for {membership.user.full_name}.")
    return redirect("accounts:staff_detail", membership.pk)


@login_required
def switch_school(request):
    memberships = Membership.objects.filter(user=request.user, is_active=True).select_related("school")
    if request.method == "POST":
        chosen = get_object_or_404(memberships, school_id=request.POST.get("school"))
        request.session[SCHOOL_SESSION_KEY] = chosen.school_id
        messages.success(request, f"You are now working in {chosen.school.name}.")
        return redirect("home")
    return render(request, "accounts/switch_school.html", {"memberships": memberships})


@login_required
@school_required
def school_setup(request):
    request.staff.require(Ability.MANAGE_SCHOOL_SETUP)
    school = request.staff.school
    data = request.POST or None
    settings_form = SchoolSettingsForm(data, initial={"require_2fa_for_all": school.require_2fa_for_all},
                                       prefix="settings")
    formsets = {
        "terms": TermFormSet(data, queryset=Term.objects.filter(school=school), prefix="terms"),
        "periods": PeriodFormSet(data, queryset=Period.objects.filter(school=school), prefix="periods"),
        "locations": LocationFormSet(data, queryset=Location.objects.filter(school=school), prefix="locations"),
    }
    if request.method == "POST" and settings_form.is_valid() and all(f.is_valid() for f in formsets.values()):
        with transaction.atomic(), history.action(user=request.user.pk, action="school.setup"):
            school.require_2fa_for_all = settings_form.cleaned_data["require_2fa_for_all"]
            school.save(update_fields=["require_2fa_for_all"])
            for formset in formsets.values():
                for obj in formset.save(commit=False):
                    obj.school = school
                    obj.full_clean()
                    obj.save()
        messages.success(request, "School set-up saved.")
        return redirect("accounts:school_setup")
    return render(request, "accounts/school_setup.html", {"settings_form": settings_form, **formsets},
                  status=400 if request.method == "POST" else 200)


class AcceptInviteView(auth_views.PasswordResetConfirmView):
    """The one-time link from an invitation: the person sets their own password."""

    template_name = "accounts/accept_invite.html"
    success_url = reverse_lazy("account_login")
    post_reset_login = False

    def form_valid(self, form):
        with history.action(user=self.user.pk, action="staff.accept_invite"):
            response = super().form_valid(form)
        messages.success(self.request, "Your password is set. Sign in with your email and new password.")
        return response
