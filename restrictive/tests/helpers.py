"""Shared builders for the restrictive-intervention tests: an incident where force was used, form
data for the record page, and records made through the service."""

import datetime
import time

from django.utils import timezone

from incidents.factories import IncidentFactory
from incidents.models import Injury
from restrictive import services
from restrictive.models import RestrictiveIntervention


def earlier_today(minutes=120):
    """A moment `minutes` ago, but not before today's midnight (Europe/London), to the minute."""
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return max(midnight, now - datetime.timedelta(minutes=minutes)).replace(second=0, microsecond=0)


def times():
    """A start and end today, to the minute, both already past. In the first minute after midnight
    there is no such pair (00:00 to 00:01 ends in the future): wait that minute out."""
    now = timezone.localtime()
    if now.hour == 0 and now.minute == 0:
        time.sleep(61 - now.second - now.microsecond / 1e6)
    start = earlier_today(120)
    room = (timezone.localtime() - start).total_seconds() // 60
    end = start + datetime.timedelta(minutes=max(1, min(8, int(room) - 1)))
    return start, end


def force_incident(world, pupil=None, author=None, **fields):
    return IncidentFactory(pupil=pupil or world.pupil_in, created_by=author or world.people["ta"],
                           physical_intervention=True, occurred_at=fields.pop("occurred_at", earlier_today(125)),
                           **fields)


EMPTY_INJURY = {"person": "pupil", "staff_member": "", "description": "", "first_aid": "", "first_aid_by": ""}


def record_data(incident, *, pupil=None, staff=(), witnesses=(), injuries=(), **overrides):
    start, end = times()
    data = {
        "pupil": (pupil or incident.pupil).pk, "kind": "restraint",
        "day": start.date().isoformat(), "start_time": f"{start:%H:%M}", "end_time": f"{end:%H:%M}",
        "location": incident.location_id,
        "events_before": "Asked to line up for assembly; ran at the door",
        "deescalation": "Calm voice, offered the quiet corner, gave a choice of two jobs",
        "technique": "other", "technique_other": "Single elbow, standing", "degree_of_force": "Light hold, two staff",
        "reason": "Running towards the road through the open gate", "plan_followed": "no_plan",
        "plan_not_followed_reason": "", "staff_applying": [u.pk for u in staff],
        "witness_staff": [u.pk for u in witnesses], "other_witnesses": "",
        "anyone_hurt": "yes" if injuries else "no", "pupil_view": "", "support_after": "Calm room and a drink",
    }
    rows = list(injuries) + [{}] * (3 - len(injuries))
    data.update({"injuries-TOTAL_FORMS": 3, "injuries-INITIAL_FORMS": 0, "injuries-MIN_NUM_FORMS": 0,
                 "injuries-MAX_NUM_FORMS": 3})
    for i, row in enumerate(rows):
        for key, value in {**EMPTY_INJURY, **row}.items():
            data[f"injuries-{i}-{key}"] = value
    data.update(overrides)
    return data


def url(incident, ri=None, suffix=""):
    base = f"/incidents/{incident.pk}/restrictive/"
    return f"{base}{ri.pk}/{suffix}" if ri is not None else f"{base}new/"


def make_record(world, incident=None, *, author=None, staff=None, pupil=None, started_at=None, injuries=(),
                **fields) -> RestrictiveIntervention:
    """A record made through the service (as the form would)."""
    incident = incident or force_incident(world)
    author = author or world.people["ta"]
    # times() keeps the end in the past just after midnight too (a fixed +6 minutes did not: CI at 00:06);
    # so does a start given, which earlier_today() clamps to midnight: six minutes on, or now if sooner
    start, end = times() if started_at is None else (
        started_at, min(started_at + datetime.timedelta(minutes=6), timezone.now()))
    values = {"kind": "restraint", "technique": "Single elbow", "reason": "Running at the road",
              "plan_followed": "no_plan", "deescalation": "Calm voice", "support_after": "Calm room", **fields}
    ri = RestrictiveIntervention(
        incident=incident, pupil=pupil or incident.pupil, started_at=start,
        ended_at=end, location=incident.location, anyone_hurt=bool(injuries),
        **values)
    ri = services.record_intervention(acting_user=author, intervention=ri, staff_applying=staff or [author],
                                      injuries=[Injury(**i) for i in injuries], notify_senco=False)
    return ri
