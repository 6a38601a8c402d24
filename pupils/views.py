from django.contrib import messages
from django.core.exceptions import PermissionDenied as PermissionDeniedError
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import Ability
from sendsupport import panels
from sendsupport.audit import log_access
from sendsupport.decorators import school_required

from . import selectors, services
from .forms import ContactFormSet, PupilFilterForm, PupilForm
from .models import Pupil


@login_required
@school_required
def pupil_list(request):
    staff = request.staff
    sen_detail = staff.can(Ability.READ_SEN_DETAIL)
    form = PupilFilterForm(request.GET or None, school=staff.school, sen_detail=sen_detail)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(selectors.pupil_list(staff, filters), selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "pupils/_list_results.html" if request.htmx else "pupils/list.html"
    return render(request, template, {"form": form, "page": page, "query": query.urlencode(), "sen_detail": sen_detail})


@login_required
@school_required
def pupil_detail(request, pupil_id):
    pupil = selectors.get_pupil_for(request.staff, pupil_id)
    log_access(request, action="pupil.profile.view", pupil=pupil)
    return render(request, "pupils/detail.html", {
        "pupil": pupil, "contacts": pupil.contacts.all(), "key_adults": pupil.key_adults.all(),
        "panels": panels.panels_for("pupil", request, pupil=pupil),
    })


@login_required
@school_required
def pupil_one_page(request, pupil_id):
    pupil = selectors.get_pupil_for(request.staff, pupil_id)
    request.staff.require(Ability.READ_SEN_DETAIL)
    log_access(request, action="pupil.one_page_profile.view", pupil=pupil)
    return render(request, "pupils/one_page.html", {"pupil": pupil, "key_adults": pupil.key_adults.all()})


@login_required
@school_required
def pupil_photo(request, pupil_id):
    pupil = selectors.get_pupil_for(request.staff, pupil_id)
    if not pupil.show_photo:
        raise Http404
    response = FileResponse(pupil.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


def _edit(request, pupil, *, action):
    staff = request.staff
    saved_name = pupil.display_name if pupil.pk else ""  # the form changes the object as it validates
    allowed = services.editable_fields(staff)
    form = PupilForm(request.POST or None, request.FILES or None, instance=pupil, school=staff.school,
                     allowed_fields=allowed)
    contacts = ContactFormSet(request.POST or None, instance=pupil, prefix="contacts")
    if request.method == "POST" and form.is_valid() and contacts.is_valid():
        saved = services.save_pupil(form=form, contacts_formset=contacts, acting_user=request.user, action=action)
        messages.success(request, f"{saved.display_name}'s profile was saved.")
        return redirect(saved)
    if request.method == "POST":
        messages.error(request, "Some details need correcting: see the messages next to the fields.")
    return render(request, "pupils/edit.html", {"form": form, "contacts": contacts, "pupil": pupil,
                                                "saved_name": saved_name},
                  status=400 if request.method == "POST" else 200)


@login_required
@school_required
def pupil_create(request):
    if not (request.staff.can(Ability.EDIT_PUPIL_BASICS) or request.staff.can(Ability.EDIT_SEN_DETAIL)):
        raise PermissionDeniedError
    return _edit(request, Pupil(school=request.staff.school), action="pupil.create")


@login_required
@school_required
def pupil_edit(request, pupil_id):
    pupil = selectors.get_pupil_for(request.staff, pupil_id)
    if not services.editable_fields(request.staff):
        raise PermissionDeniedError
    if pupil.is_archived:
        messages.error(request, "This pupil is archived: their record is read-only.")
        return redirect(pupil)
    return _edit(request, pupil, action="pupil.update")


@login_required
@school_required
@require_POST
def pupil_archive(request, pupil_id):
    pupil = selectors.get_pupil_for(request.staff, pupil_id)
    request.staff.require(Ability.ARCHIVE_PUPIL)
    services.archive_pupil(pupil=pupil, acting_user=request.user)
    messages.success(request, f"{pupil.display_name} was archived. Their records are kept, read-only.")
    return redirect(pupil)


@login_required
@school_required
def pupil_history(request, pupil_id):
    pupil = selectors.get_pupil_for(request.staff, pupil_id)
    request.staff.require(Ability.READ_HISTORY)
    log_access(request, action="pupil.history.view", pupil=pupil)
    return render(request, "pupils/history.html", {"pupil": pupil, "events": selectors.pupil_history(pupil, request.staff)})


@login_required
@school_required
def pupil_viewers(request, pupil_id):
    pupil = selectors.get_pupil_for(request.staff, pupil_id)
    request.staff.require(Ability.READ_HISTORY)
    log_access(request, action="pupil.viewers.view", pupil=pupil)
    return render(request, "pupils/viewers.html",
                  {"pupil": pupil, "views": selectors.pupil_viewers(pupil, request.staff)})



