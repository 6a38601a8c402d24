"""Panels for staff contributions, registered from ReviewsConfig.ready() through ``register()``:

- home: "Contributions asked of you": the person's unanswered requests; without any, a line back to
  what they submitted in the last four weeks (to read or withdraw it); one query, nothing when neither;
- pupil: for MAKE_PACKS holders, how many asked have answered, with the link to ask (one query); for
  DSL role holders, the link to the pupil's safeguarding summaries for packs (no query)."""

from django.db.models import Count, Q
from django.urls import reverse

from accounts.access import Ability
from sendsupport import panels
from sendsupport.panels import Panel

from .models_contributions import Contribution
from .selectors_contributions import home_requests_for


def home_panel(request, **kwargs):
    staff = request.staff
    if staff.school is None:
        return None
    requests, recently_submitted = home_requests_for(staff)
    if not (requests or recently_submitted):
        return None
    return Panel(template="reviews/contributions/_home_panel.html", order=20,
                 context={"requests": requests, "recently_submitted": recently_submitted})


def pupil_panel(request, pupil):
    staff = request.staff
    if staff.school is None or pupil.school_id != staff.school.pk:
        return None
    makes_packs, dsl = staff.can(Ability.MAKE_PACKS), staff.can(Ability.READ_SAFEGUARDING)
    if not (makes_packs or dsl):
        return None
    context = {"makes_packs": makes_packs, "dsl": dsl}
    if makes_packs:
        context.update(Contribution.objects.filter(pupil=pupil).aggregate(
            asked=Count("id"), answered=Count("id", filter=Q(submitted_at__isnull=False, withdrawn_at__isnull=True)),
            withdrawn=Count("id", filter=Q(withdrawn_at__isnull=False))))
        context["url"] = reverse("reviews:pupil_contributions", args=[pupil.pk])
    if dsl:
        context["summary_url"] = reverse("reviews:safeguarding_summaries", args=[pupil.pk])
    return Panel(template="reviews/contributions/_pupil_panel.html", order=80, context=context)


def register():
    if home_panel not in panels._registries.get("home", []):
        panels.register("home", home_panel)
    if pupil_panel not in panels._registries.get("pupil", []):
        panels.register("pupil", pupil_panel)
