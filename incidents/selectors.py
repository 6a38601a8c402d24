"""Reads for incident pages, each in a fixed number of queries whatever the data size."""

from django.shortcuts import get_object_or_404

from .models import Incident


def get_incident_for(staff, incident_id) -> Incident:
    """An incident this person may read, or 404 (another school's, another caseload's)."""
    return get_object_or_404(
        Incident.objects.visible_to(staff).select_related("pupil", "pupil__class_group", "location", "period",
                                                          "created_by", "reviewed_by"),
        pk=incident_id,
    )
