"""Reads for medication pages: one function per page, each a fixed number of queries."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import BigIntegerField, DecimalField, F, Min, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from accounts.access import ROLE_ABILITIES, Ability
from accounts.models import Membership, Role
from pupils.models import Pupil

from .models import (
    EXPIRY_WARNING_DAYS, WINDOW_AFTER, WINDOW_BEFORE, Administration, Batch, HealthcarePlan, Medicine, Outcome,
)
from .services import slot_at


def get_pupil_for(staff, pupil_id) -> Pupil:
    """A pupil this person may see: anyone else's (another caseload, another school) is a 404."""
    return get_object_or_404(Pupil.objects.visible_to(staff), pk=pupil_id)


def get_medicine_for(staff, medicine_id) -> Medicine:
    return get_object_or_404(Medicine.objects.filter(pupil__in=Pupil.objects.visible_to(staff))
                             .select_related("pupil", "school"), pk=medicine_id)


def get_administration_for(staff, administration_id) -> Administration:
    return get_object_or_404(Administration.objects.filter(pupil__in=Pupil.objects.visible_to(staff))
                             .select_related("pupil", "medicine", "batch", "recorded_by", "witness"),
                             pk=administration_id)


def open_batches():
    return Batch.objects.filter(returned_on__isnull=True).order_by("expires_on", "id")


def _hm(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%H:%M")


@dataclass
class DueDose:
    """One scheduled dose today. Times come as "HH:MM" strings: formatting them here is a fraction
    of what template date filters cost over a hundred rows (bench/results_med.md)."""

    medicine: Medicine
    slot: datetime.datetime
    state: str  # "open", "upcoming", "closed", "recorded"
    record: Administration | None = None
    time: str = ""
    opens: str = ""
    closes: str = ""
    recorded_at: str = ""


@dataclass
class PrnRow:
    medicine: Medicine
    last: Administration | None
    in_24h: int
    next_at: datetime.datetime | None  # None: may be given now (rules permitting)


@dataclass
class DueNow:
    now: datetime.datetime
    slots: list = field(default_factory=list)  # [(time, [DueDose])], by time
    prn: list = field(default_factory=list)
    due_count: int = 0


def due_now(staff, now: datetime.datetime | None = None) -> DueNow:
    """Today's scheduled doses (grouped by time) and as-needed medicines of the pupils this person
    may see. Three queries whatever the number of pupils: medicines with pupils, their open batches,
    their doses of the last 24 hours."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    medicines = list(
        Medicine.objects.filter(pupil__in=Pupil.objects.visible_to(staff).current(), stopped_on__isnull=True,
                                self_administers=False)
        .select_related("pupil")
        .prefetch_related(Prefetch("batches", to_attr="open_batches", queryset=open_batches().only(
            "medicine_id", "expires_on", "quantity_in_stock")))
        .order_by("pupil__legal_last_name", "pupil__legal_first_name", "name", "id"))
    since = min(now - datetime.timedelta(hours=24), slot_at(today, datetime.time(0, 0)))
    recent = defaultdict(list)
    if medicines:
        for a in (Administration.objects.filter(medicine__in=[m.pk for m in medicines], at__gte=since)
                  .select_related("recorded_by")
                  .only("medicine_id", "outcome", "scheduled_for", "at", "recorded_by__full_name")
                  .order_by("at", "id")):
            recent[a.medicine_id].append(a)
    result = DueNow(now=now)
    give_url = reverse("care:give", args=[0])  # one reverse, not one per row
    by_time = defaultdict(list)
    for m in medicines:
        m.give_url = give_url.replace("/0/", f"/{m.pk}/", 1)
        m.consent_issue = m.consent_problem(today)
        m.in_stock = any(b.quantity_in_stock >= m.dose_amount and b.expires_on >= today for b in m.open_batches)
        if m.as_needed:
            doses = [a for a in recent[m.pk] if a.outcome in (Outcome.GIVEN, Outcome.AT_HOME)
                     and a.at > now - datetime.timedelta(hours=24)]
            last = doses[-1] if doses else None
            candidates = []
            if last and m.prn_min_gap_minutes:
                candidates.append(last.at + datetime.timedelta(minutes=m.prn_min_gap_minutes))
            if m.prn_max_doses_24h and len(doses) >= m.prn_max_doses_24h:
                candidates.append(doses[len(doses) - m.prn_max_doses_24h].at + datetime.timedelta(hours=24))
            next_at = max(candidates) if candidates and max(candidates) > now else None
            result.prn.append(PrnRow(medicine=m, last=last, in_24h=len(doses), next_at=next_at))
            continue
        recorded = {a.scheduled_for: a for a in recent[m.pk] if a.scheduled_for}
        for t in m.scheduled_times:
            slot = slot_at(today, t)
            record = recorded.get(slot)
            if record:
                state = "recorded"
            elif now < slot - WINDOW_BEFORE:
                state = "upcoming"
            elif now <= slot + WINDOW_AFTER:
                state = "open"
                result.due_count += 1
            else:
                state = "closed"
            by_time[t].append(DueDose(medicine=m, slot=slot, state=state, record=record, time=t.strftime("%H:%M"),
                                      opens=_hm(slot - WINDOW_BEFORE), closes=_hm(slot + WINDOW_AFTER),
                                      recorded_at=_hm(record.at) if record else ""))
    result.slots = [(t.strftime("%H:%M"), doses) for t, doses in sorted(by_time.items())]
    return result


def stock_warnings(*, school, today: datetime.date | None = None, pupils=None) -> list[dict]:
    """Medicines in use whose stock (open, in-date batches) is at or below their warning level, or
    whose soonest-expiring batch with stock expires within 30 days (or has expired). One query."""
    today = today or timezone.localdate()
    usable = Q(batches__returned_on__isnull=True, batches__expires_on__gte=today)
    qs = Medicine.objects.filter(school=school, stopped_on__isnull=True, pupil__archived_at__isnull=True)
    if pupils is not None:
        qs = qs.filter(pupil__in=pupils)
    qs = (qs.annotate(
        stock=Coalesce(Sum("batches__quantity_in_stock", filter=usable), Value(0), output_field=DecimalField()),
        soonest_expiry=Min("batches__expires_on", filter=Q(batches__returned_on__isnull=True,
                                                          batches__quantity_in_stock__gt=0)))
          .filter(Q(stock__lte=F("low_stock_at"))
                  | Q(soonest_expiry__lte=today + datetime.timedelta(days=EXPIRY_WARNING_DAYS)))
          .select_related("pupil").order_by("soonest_expiry", "pupil__legal_last_name", "id"))
    rows = []
    for m in qs:
        if m.stock <= m.low_stock_at:
            rows.append({"pupil": m.pupil, "medicine": m, "kind": "low_stock", "when": None,
                         "what": f"{m.stock.normalize():f} {m.unit} left (warn at {m.low_stock_at.normalize():f})"})
        if m.soonest_expiry and m.soonest_expiry <= today + datetime.timedelta(days=EXPIRY_WARNING_DAYS):
            expired = m.soonest_expiry < today
            rows.append({"pupil": m.pupil, "medicine": m, "kind": "expiring", "when": m.soonest_expiry,
                         "what": (f"a batch expired on {m.soonest_expiry:%-d %b %Y}: return it" if expired
                                  else f"a batch expires on {m.soonest_expiry:%-d %b %Y}")})
    return rows


def to_tell_parents(staff):
    """Refused, not-given and missed doses of the pupils this person may see that parents haven't
    been told of yet (one query)."""
    return list(Administration.objects.filter(
        pupil__in=Pupil.objects.visible_to(staff), outcome__in=[Outcome.REFUSED, Outcome.NOT_GIVEN, Outcome.MISSED],
        parent_told__isnull=True).select_related("pupil", "medicine", "recorded_by").order_by("-at", "-id")[:200])


def witness_needed(user, school):
    """Controlled-drug doses naming this person as witness that they haven't confirmed."""
    return list(Administration.objects.filter(school=school, witness=user, confirmation__isnull=True)
                .select_related("pupil", "medicine", "recorded_by").order_by("-at"))


def pupil_medication(pupil, *, today: datetime.date | None = None) -> dict:
    """A pupil's healthcare plans, medicines with their batches and previous agreements, and recent
    doses with their addenda (seven queries)."""
    today = today or timezone.localdate()
    plans = list(HealthcarePlan.objects.filter(pupil=pupil).order_by("-version"))
    medicines = list(Medicine.objects.filter(pupil=pupil)
                     .prefetch_related(Prefetch("batches", queryset=Batch.objects.order_by("expires_on", "id"))))
    doses = list(Administration.objects.filter(pupil=pupil)
                 .select_related("medicine", "recorded_by", "witness", "confirmation", "parent_told")
                 .prefetch_related("addenda__author").order_by("-at", "-id")[:50])
    for m in medicines:
        m.consent_issue = m.consent_problem(today)
    add_previous_agreements(medicines)
    return {"plans": plans, "in_force": next((p for p in plans if p.is_in_force), None),
            "draft": next((p for p in plans if p.is_draft), None), "medicines": medicines, "doses": doses}


@dataclass
class Agreement:
    """A parent's written agreement a medicine had before its current one, from its history."""

    signed_by: str
    dated: datetime.date | None
    review_on: datetime.date | None
    recorded_at: datetime.datetime
    replaced_at: datetime.datetime | None = None
    replaced_by: str = ""  # who recorded the agreement that replaced it ('' when unknown, e.g. the demo)
    renewed: bool = False  # replaced on the renewal page (else changed on the medicine's edit page)


AGREEMENT_FIELDS = ("consent_from", "consent_given_on", "consent_review_on")


def add_previous_agreements(medicines) -> None:
    """Set ``m.previous_agreements`` on each medicine, newest first (one query). The medicine's
    history (a trigger writes a row on every change, and the app can't alter those rows) is the
    record of its agreements: no second copy to keep in step, and an agreement changed on the edit
    page is kept as surely as a renewed one. Changes to other fields repeat the same agreement and
    are folded away."""
    if not medicines:
        return
    acting = Subquery(get_user_model().objects.filter(pk=OuterRef("acting_user_id")).values("full_name")[:1])
    events = (Medicine.pgh_event_model.objects.filter(pgh_obj_id__in=[m.pk for m in medicines])
              .annotate(acting_user_id=Cast(KeyTextTransform("user", "pgh_context__metadata"), BigIntegerField()))
              .annotate(who=acting, action=KeyTextTransform("action", "pgh_context__metadata"))
              .order_by("pgh_obj_id", "pgh_created_at", "pgh_id")
              .values_list("pgh_obj_id", "pgh_created_at", *AGREEMENT_FIELDS, "who", "action"))
    runs = defaultdict(list)  # medicine id -> [(agreement fields, Agreement)], oldest first
    for medicine_id, at, signed_by, dated, review_on, who, action in events:
        key = (signed_by, dated, review_on)
        runs_of = runs[medicine_id]
        if runs_of and runs_of[-1][0] == key:
            continue
        if runs_of:
            previous = runs_of[-1][1]
            previous.replaced_at, previous.replaced_by = at, who or ""
            previous.renewed = action == "care.renew_consent"
        runs_of.append((key, Agreement(signed_by=signed_by, dated=dated, review_on=review_on, recorded_at=at)))
    for m in medicines:
        runs_of = runs.get(m.pk, [])
        if runs_of and runs_of[-1][0] == tuple(getattr(m, f) for f in AGREEMENT_FIELDS):
            runs_of = runs_of[:-1]  # the current agreement
        m.previous_agreements = [a for _, a in reversed(runs_of) if a.dated]


ROLE_WORDS = {Role.SENCO: "SENCo", Role.SCHOOL_ADMIN: "office"}  # words a TA knows; job titles run long


def ask_to_renew(school) -> str:
    """Who a member of staff who can't renew a parent's agreement should ask: the people who manage
    medicines, by name and role (one query)."""
    return _ask(school, Ability.MANAGE_MEDICINES, "to renew it")


def ask_to_enter_terms(school) -> str:
    """Who enters the school's term dates, for someone who can't (one query)."""
    return _ask(school, Ability.MANAGE_SCHOOL_SETUP, "to enter them on School set-up")


def _ask(school, ability, to_do: str) -> str:
    roles = [r for r, abilities in ROLE_ABILITIES.items() if ability in abilities]

    def job(held):
        role = next(r for r in roles if r in held)
        return ROLE_WORDS.get(role, Role(role).label)

    people = [f"{m.user.full_name} ({job(m.roles)})"
              for m in Membership.objects.filter(school=school, is_active=True, user__is_active=True,
                                                 roles__overlap=roles)
              .select_related("user").order_by("user__full_name")[:4]]
    if not people:
        return f"Ask the school office {to_do}."
    if len(people) > 3:
        people = people[:3] + ["the school office"]
    names = people[0] if len(people) == 1 else f"{', '.join(people[:-1])} or {people[-1]}"
    return f"Ask {names} {to_do}."
