"""The interventions home page (the SENCo's overview; a TA's or teacher's own groups and
programmes) and the school's intervention catalogue (SENCo and senior leaders)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from accounts.access import Ability
from sendsupport.decorators import school_required

from .. import selectors_placements as selectors
from .. import services_placements as services
from ..forms_placements import InterventionForm

FIX_BELOW = "Some details need correcting: see the messages next to the fields. Nothing was saved."


def optional_url(name: str) -> str | None:
    """A link to a page another part of the app may not have yet."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@login_required
@school_required
def home(request):
    request.staff.require(Ability.READ_INTERVENTIONS)
    overview = selectors.reads_all(request.staff)  # SENCo, senior leaders
    return render(request, "interventions/catalogue/home.html", {
        "manage": selectors.can_manage(request.staff), "overview": overview,
        "impact_url": optional_url("interventions:impact") if overview else None,
        "sessions_url": optional_url("interventions:today"),
        **selectors.home_page(request.staff),
    })


@login_required
@school_required
def catalogue_list(request):
    request.staff.require(Ability.MANAGE_INTERVENTIONS)
    return render(request, "interventions/catalogue/list.html",
                  {"interventions": list(selectors.catalogue(request.staff.school))})


def _edit(request, intervention):
    request.staff.require(Ability.MANAGE_INTERVENTIONS)
    form = InterventionForm(request.POST or None, instance=intervention, school=request.staff.school)
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.save_intervention(form=form, school=request.staff.school, acting_user=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"“{saved.name}” saved in the catalogue.")
                return redirect("interventions:catalogue")
        messages.error(request, FIX_BELOW)
    return render(request, "interventions/catalogue/form.html", {"form": form, "intervention": intervention},
                  status=400 if request.method == "POST" else 200)


@login_required
@school_required
def catalogue_create(request):
    from ..models import Intervention

    return _edit(request, Intervention(school=request.staff.school))


@login_required
@school_required
def catalogue_edit(request, pk):
    request.staff.require(Ability.MANAGE_INTERVENTIONS)
    return _edit(request, selectors.get_intervention(request.staff.school, pk))
