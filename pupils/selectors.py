"""Reads for pupil pages: each page's queries live here, in a fixed number whatever the data size."""

from django.apps import apps
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.access import Ability
from accounts.models import User
from sendsupport.models import AccessLog

from .models import CaseloadEntry, Pupil

PAGE_SIZE = 50


def get_pupil_for(staff, pupil_id) -> Pupil:
    """A pupil this person may see, or 404: pupils of other schools or caseloads don't exist for them."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Pupil.objects.visible_to(staff).select_related("class_group", "school"), pk=pupil_id)


def pupil_list(staff, filters: dict) -> QuerySet[Pupil]:
    qs = Pupil.objects.visible_to(staff).select_related("class_group")
    if not filters.get("archived"):
        qs = qs.current()
    if q := (filters.get("q") or "").strip():
        terms = Q()
        for word in q.split():
            terms &= (
                Q(legal_first_name__icontains=word) | Q(legal_last_name__icontains=word)
                | Q(preferred_name__icontains=word) | Q(upn__iexact=word)
            )
        qs = qs.filter(terms)
    if filters.get("class_group"):
        qs = qs.filter(class_group=filters["class_group"])
    if filters.get("year_group") is not None:
        qs = qs.filter(year_group=filters["year_group"])
    sen_detail = staff.can(Ability.READ_SEN_DETAIL)  # no filtering or counting by need without it
    if sen_detail and filters.get("need"):
        qs = qs.filter(Q(primary_need=filters["need"]) | Q(secondary_need=filters["need"]))
    if sen_detail and filters.get("sen_status"):
        qs = qs.filter(sen_status=filters["sen_status"])
    in_caseload = CaseloadEntry.objects.filter(user=staff.user, school=staff.school).filter(
        Q(pupil=OuterRef("pk")) | Q(class_group=OuterRef("class_group"))
    )
    return qs.annotate(in_my_caseload=Exists(in_caseload)).order_by("legal_last_name", "legal_first_name", "id")


def my_pupils(staff) -> QuerySet[Pupil]:
    """The person's own caseload, for their home page."""
    return (
        Pupil.objects.in_school(staff)
        .current()
        .in_caseload_of(staff)
        .select_related("class_group")
        .order_by("legal_last_name", "legal_first_name", "id")
    )


def _unreadable_apps(staff) -> list:
    """Apps whose records this person may not read (an app's `history_ability`): their rows stay
    off the pupil's history and "who viewed" pages, which would otherwise show what they hold."""
    return [c for c in apps.get_app_configs()
            if getattr(c, "history_ability", None) and not staff.can(c.history_ability)]


def pupil_history(pupil: Pupil, staff) -> list[dict]:
    """Every change to the pupil and to records that refer to it that this person may read,
    newest first, with who made it."""
    import pghistory.models

    hidden = [m._meta.label for c in _unreadable_apps(staff) for m in c.get_models()]
    events = list(
        pghistory.models.Events.objects.references(pupil).exclude(pgh_obj_model__in=hidden)
        .order_by("-pgh_created_at")[:500]
    )
    user_ids = {(e.pgh_context or {}).get("user") for e in events}
    names = dict(User.objects.filter(pk__in=[u for u in user_ids if u]).values_list("pk", "full_name"))
    out = []
    for e in events:
        meta = e.pgh_context or {}
        model = apps.get_model(e.pgh_obj_model)
        changes = [
            (_field_label(model, name), before, after)
            for name, (before, after) in (e.pgh_diff or {}).items()
            if name not in BOOKKEEPING_FIELDS
        ]
        if e.pgh_label == "update" and not changes:
            continue  # only bookkeeping changed
        out.append({
            "at": e.pgh_created_at,
            "what": f"{model._meta.verbose_name.capitalize()} {EVENT_VERBS.get(e.pgh_label, e.pgh_label)}",
            "who": names.get(meta.get("user"), "System or database"),
            "action": meta.get("action") or "",
            "changes": changes,
        })
    return out


def pupil_viewers(pupil: Pupil, staff):
    """Who opened this pupil's records, newest first: not the opening of records this person may
    not read (their access-log actions start with the app's label)."""
    views = AccessLog.objects.filter(pupil=pupil)
    for config in _unreadable_apps(staff):
        views = views.exclude(action__startswith=f"{config.label}.")
    return views.select_related("user")[:500]


EVENT_VERBS = {"insert": "created", "update": "changed", "delete": "removed"}
BOOKKEEPING_FIELDS = {"updated_at", "created_at", "id"}


def _field_label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name).capitalize()
    except Exception:  # a field since removed from the model: show its column name
        return name
