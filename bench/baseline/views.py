from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt

from .models import BareIncident, BareLocation, BarePeriod, BarePupil


def pupil_list(request, school_id):
    pupils = (
        BarePupil.objects.filter(school_id=school_id, archived_at__isnull=True)
        .select_related("class_group")
        .order_by("legal_last_name", "legal_first_name", "id")[:50]
    )
    return render(request, "baseline/list.html", {"pupils": pupils})


def pupil_detail(request, pupil_id):  # only a link target for the list's rows
    return HttpResponse(str(pupil_id))


def incident_list(request, school_id):
    """The newest 50 incidents of a school, the same columns as the app's list: 1 query."""
    incidents = (
        BareIncident.objects.filter(school_id=school_id)
        .select_related("pupil", "location", "created_by")
        .order_by("-occurred_at", "-id")[:50]
    )
    return render(request, "baseline/incidents.html", {"incidents": incidents})


def incident_detail(request, incident_id):  # only a link and redirect target
    return HttpResponse(str(incident_id))


class BareIncidentForm(forms.ModelForm):
    """Ten fields, as the bare POST of /work/shared/research/perf-baselines.md."""

    class Meta:
        model = BareIncident
        fields = ["pupil", "occurred_at", "location", "period", "intensity", "duration_minutes", "antecedent",
                  "behaviour", "consequence", "physical_intervention"]

    def __init__(self, *args, school_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = BarePupil.objects.filter(school_id=school_id)
        self.fields["location"].queryset = BareLocation.objects.filter(school_id=school_id)
        self.fields["period"].queryset = BarePeriod.objects.filter(school_id=school_id)


@csrf_exempt
def incident_new(request, school_id, user_id):
    """Insert one incident from a form POST and redirect (302), as a plain ModelForm does it: each
    foreign key (pupil, location, the period when given) is looked up by its choice field and checked
    again by the model's validation, then the INSERT: 5-7 queries. No login, no session, no CSRF check."""
    form = BareIncidentForm(request.POST or None, school_id=school_id)
    if request.method == "POST" and form.is_valid():
        incident = form.save(commit=False)
        incident.school_id, incident.created_by_id = school_id, user_id
        incident.save()
        return redirect("bare_incident", incident.pk)
    return HttpResponse(str(form.errors), status=400)
