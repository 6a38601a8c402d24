from django.http import HttpResponse
from django.shortcuts import render

from .models import BarePupil


def pupil_list(request, school_id):
    pupils = (
        BarePupil.objects.filter(school_id=school_id, archived_at__isnull=True)
        .select_related("class_group")
        .order_by("legal_last_name", "legal_first_name", "id")[:50]
    )
    return render(request, "baseline/list.html", {"pupils": pupils})


def pupil_detail(request, pupil_id):  # only a link target for the list's rows
    return HttpResponse(str(pupil_id))
