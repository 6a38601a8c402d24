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


QUICK_PICKS_CACHE = "incidents:quick-picks:{}"


def quick_picks(school) -> dict[str, list[str]]:
    """The common options for each ABC field: the school's own list where it has one (Django
    admin), else the defaults. Every quick log needs them, and they change rarely: kept in the
    cache and dropped when a pick is saved or deleted (forget_quick_picks). One query at most."""
    from django.core.cache import cache

    from .models import DEFAULT_PICKS, QuickPick

    key = QUICK_PICKS_CACHE.format(school.pk)
    own = cache.get(key)
    if own is None:
        own = {}
        for kind, label in QuickPick.objects.filter(school=school, is_active=True).values_list("kind", "label"):
            own.setdefault(kind, []).append(label)
        cache.set(key, own, timeout=3600)
    return {kind: list(own.get(kind) or labels) for kind, labels in DEFAULT_PICKS.items()}


def forget_quick_picks(school_id) -> None:
    """Now, and again once the change commits: a reader in between would cache the old list again."""
    from django.core.cache import cache
    from django.db import transaction

    key = QUICK_PICKS_CACHE.format(school_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def plan_strategies(pupil, staff) -> list[str]:
    """Strategies from the pupil's behaviour support plan in force, in the plan's order, for people
    who may read that plan. Outside one's caseload a pupil shows only name and class (DECISIONS.md),
    so their plan's strategies are not offered. Called on every quick log: two small queries at most."""
    from accounts.access import Ability
    from plans.models import BehaviourSupportPlan, VersionStatus

    if not staff.can(Ability.READ_PLANS) or not staff.sees_pupil(pupil):
        return []
    plan = BehaviourSupportPlan.objects.filter(pupil=pupil, status=VersionStatus.IN_FORCE).first()
    return plan.strategies() if plan else []


PAGE_SIZE = 50


def _cursor(value: str | None):
    """`after` is "<occurred_at ISO>~<id>" of the last row shown: keyset pagination, so a page of a
    500,000-row table costs the same as the first and nothing counts the whole table."""
    import datetime

    if not value or "~" not in value:
        return None
    when, _, pk = value.rpartition("~")
    when = when.replace(" ", "+")  # an unencoded "+00:00" arrives as a space
    try:
        return datetime.datetime.fromisoformat(when), int(pk)
    except ValueError:
        return None


def keyset_page(qs, after: str | None, size: int = PAGE_SIZE) -> dict:
    """One page, newest first. ``qs`` may be a list of querysets (e.g. a pupil's own incidents and
    those they were involved in): each is read by its own index and the pages are merged, which is
    far cheaper than one OR that no index can serve."""
    from django.db.models import Q

    cursor = _cursor(after)
    rows = {}
    for part in qs if isinstance(qs, (list, tuple)) else [qs]:
        if cursor:
            when, pk = cursor
            # The first filter lets the (occurred_at, id) index start at the cursor.
            part = part.filter(occurred_at__lte=when).filter(Q(occurred_at__lt=when) | Q(pk__lt=pk))
        for row in part.order_by("-occurred_at", "-id")[: size + 1]:
            rows[row.pk] = row
    rows = sorted(rows.values(), key=lambda r: (r.occurred_at, r.pk), reverse=True)[: size + 1]
    more = len(rows) > size
    rows = rows[:size]
    next_after = f"{rows[-1].occurred_at.isoformat()}~{rows[-1].pk}" if more else None
    return {"rows": rows, "next_after": next_after, "is_first": cursor is None}


# What a row of the incident list shows (incidents/_list_table.html): loading only these makes the
# 50 rows cheaper to build; the CSV export still loads whole incidents.
LIST_COLUMNS = ("occurred_at", "pupil", "location", "created_by", "behaviour_picks", "behaviour", "intensity",
                "duration_minutes", "physical_intervention", "corrected", "reviewed_at",
                "pupil__legal_first_name", "pupil__legal_last_name", "pupil__preferred_name",
                "location__name", "created_by__full_name")


def filtered_incidents(staff, filters: dict):
    """The incidents this person may read, narrowed by the list's filters."""
    import datetime

    from django.db.models import Q

    from django.utils import timezone

    qs = Incident.objects.visible_to(staff)
    pupil = (filters.get("pupil") or "").strip()
    if pupil.isdigit():
        qs = qs.filter(pupil=int(pupil))
    elif pupil:
        for word in pupil.split()[:3]:
            qs = qs.filter(Q(pupil__legal_first_name__istartswith=word) | Q(pupil__legal_last_name__istartswith=word)
                           | Q(pupil__preferred_name__istartswith=word))
    tz = timezone.get_current_timezone()
    if filters.get("date_from"):
        qs = qs.filter(occurred_at__gte=datetime.datetime.combine(filters["date_from"], datetime.time.min, tz))
    if filters.get("date_to"):
        end = filters["date_to"] + datetime.timedelta(days=1)
        qs = qs.filter(occurred_at__lt=datetime.datetime.combine(end, datetime.time.min, tz))
    if filters.get("behaviour"):
        qs = qs.filter(behaviour_picks__contains=[filters["behaviour"]])
    if filters.get("location"):
        qs = qs.filter(location=filters["location"])
    if filters.get("intensity"):
        qs = qs.filter(intensity__gte=filters["intensity"])
    if filters.get("physical") in ("yes", "no"):
        qs = qs.filter(physical_intervention=filters["physical"] == "yes")
    status = filters.get("status")
    if status == "to_review":
        qs = qs.filter(reviewed_at__isnull=True)
    elif status == "reviewed":
        qs = qs.filter(reviewed_at__isnull=False)
    elif status == "corrected":
        qs = qs.filter(corrected=True)
    return qs.select_related("pupil", "location", "created_by")


def pupil_incidents(pupil) -> list:
    """Incidents about the pupil, and those they were involved in (the behaviour timeline): two
    querysets for keyset_page, each served by its own index."""
    from .models import InvolvedPupil

    related = ("pupil", "location", "created_by", "period")
    own = Incident.objects.filter(school=pupil.school_id, pupil=pupil).select_related(*related)
    involved = Incident.objects.filter(
        school=pupil.school_id, pk__in=InvolvedPupil.objects.filter(pupil=pupil).values("incident_id"),
    ).select_related(*related)
    return [own, involved]


def mark_openable(staff, pupil, rows) -> None:
    """On a pupil's timeline, an incident about another pupil they were involved in may be one this
    person can't open (that pupil isn't theirs): `openable` says so, and the row shows no detail
    of the other pupil's behaviour. At most one query, only for those rows."""
    from accounts.access import Ability

    unsure = [i.pk for i in rows if i.pupil_id != pupil.pk and i.created_by_id != staff.user.pk]
    seen_all = staff.can(Ability.SEE_ALL_PUPILS)
    readable = set(Incident.objects.visible_to(staff).filter(pk__in=unsure).values_list("pk", flat=True)) \
        if unsure and not seen_all else set()
    for i in rows:
        i.openable = seen_all or i.pk not in unsure or i.pk in readable


def my_recent(staff, limit: int = 30) -> list[Incident]:
    return list(Incident.objects.filter(school=staff.school, created_by=staff.user)
                .select_related("pupil", "location").order_by("-recorded_at")[:limit])


def my_drafts(staff):
    from .models import IncidentDraft

    return (IncidentDraft.objects.filter(school=staff.school, author=staff.user, submitted_as__isnull=True,
                                         discarded_at__isnull=True)
            .select_related("pupil").order_by("-updated_at"))


def stale_drafts(staff):
    """Drafts left alone longer than INCIDENT_DRAFT_STALE_MINUTES: listed for their author."""
    import datetime

    from django.conf import settings
    from django.utils import timezone

    minutes = getattr(settings, "INCIDENT_DRAFT_STALE_MINUTES", 30)
    return my_drafts(staff).filter(updated_at__lt=timezone.now() - datetime.timedelta(minutes=minutes))


def incident_parts(incident: Incident, staff) -> dict:
    """The full report's parts for the detail page. Pupils the reader may not see are "another pupil"."""
    from pupils.models import Pupil

    involved = list(incident.involved_pupils.select_related("pupil"))
    visible = set(Pupil.objects.visible_to(staff).filter(pk__in=[p.pupil_id for p in involved])
                  .values_list("pk", flat=True)) if involved else set()
    for part in involved:
        part.shown_name = part.pupil.display_name if part.pupil_id in visible else "Another pupil"
    staff_rows = list(incident.involved_staff.select_related("user"))
    return {
        "involved": involved,
        "staff_involved": [s.user for s in staff_rows if s.role == "involved"],
        "witnesses": [s.user for s in staff_rows if s.role == "witness"],
        "injuries": list(incident.injuries.select_related("staff_member")),
        "addenda": list(incident.addenda.select_related("author")),
    }
