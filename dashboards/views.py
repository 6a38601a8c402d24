"""The school overview (SENCo, senior leaders) and the per-pupil analytics page (anyone who reads
incidents, for the pupils they may see), each printable and exporting each of its tables as CSV
with the same filters. Reads only (selectors.py)."""

import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import strip_tags

from accounts.access import Ability
from plans.models import Rating
from pupils.models import Pupil
from sendsupport import charts
from sendsupport.audit import log_access
from sendsupport.decorators import school_required

from .filters import read_filters
from .selectors import pupil_analytics, school_overview
from .tables import csv_response


def _short(label: str) -> str:
    """A chart label without the year ("2 Nov 2026" -> "2 Nov"): the heading and the table have it."""
    return label.rsplit(" ", 1)[0]


def _overview_charts(data) -> dict:
    t = data["tables"]
    weekly = t["weekly"].rows
    # A week with no school days (data["weeks"]) and nothing recorded is a gap in the lines, not a
    # drop to 0; "–": the period compared with has no such school days.
    gap = [w["no_school_days"] and r[1] == 0 for w, r in zip(data["weeks"], weekly)]
    rows, cols, values = data["hotspot_grid"]
    areas, ratings, shares = data["outcome_grid"]
    return {
        "weekly": charts.responsive(
            charts.line_chart, [(_short(r[0]), None if off else r[1]) for r, off in zip(weekly, gap)],
            title="Incidents per week", label="This period",
            compare=[(_short(r[0]), None if r[3] == "–" else r[3]) for r in weekly]
            if data["comparison"].available else None,
            compare_label="Previous period (same school days)", show_title=False),
        "physical": charts.responsive(charts.line_chart,
                                      [(_short(r[0]), None if off else r[2]) for r, off in zip(weekly, gap)],
                                      title="Physical interventions per week", show_title=False, columns=True,
                                      empty_message="No physical interventions in this period."),
        "behaviours": charts.responsive(charts.bar_chart, [tuple(r) for r in t["behaviours"].rows],
                                        title="Incidents by behaviour", show_title=False),
        "antecedents": charts.responsive(charts.bar_chart, [tuple(r) for r in t["antecedents"].rows],
                                         title="Top antecedents", show_title=False),
        "hotspots": charts.responsive(charts.heatmap, rows, cols, values, title="Incidents by weekday and period",
                                      show_title=False, phone={"transpose": True}),
        "locations": charts.responsive(charts.bar_chart, [tuple(r) for r in t["locations"].rows],
                                       title="Incidents by place", show_title=False),
        "outcome_progress": charts.responsive(
            charts.heatmap, areas, ratings, shares, unit="%",
            title="Share of outcomes at each rating, by area of need", show_title=False,
            empty_message="No outcomes in plans in force for these pupils."),
    }


ABC_PAIRS_CHARTED = 10


def _pupil_charts(data, filters) -> dict:
    t = data["tables"]
    rows, cols, values = data["when_grid"]
    # Every week of the range on the time axis, so a quiet week is a gap (or a zero), not skipped.
    monday = filters.start - datetime.timedelta(days=filters.start.weekday())
    weeks = [monday + datetime.timedelta(weeks=k) for k in range((filters.end - monday).days // 7 + 1)]
    weekly = data["weekly"]  # week -> (incidents, mean intensity, mean duration, physical)

    def per_week(pick):
        return [(f"{w:%-d %b}", pick(weekly[w]) if w in weekly else None) for w in weeks]

    progress = t["progress"]
    return {
        "abc": charts.responsive(
            charts.bar_chart, [(f"{a} → {b}", n) for a, b, n in t["abc"].rows[:ABC_PAIRS_CHARTED]],
            title=f"The {ABC_PAIRS_CHARTED} most frequent antecedent → behaviour pairs", show_title=False,
            label_above=True),
        "functions": charts.responsive(charts.bar_chart, [(r[0], r[1]) for r in t["functions"].rows],
                                       title="Likely function", show_title=False),
        "when": charts.responsive(charts.heatmap, rows, cols, values, title="Incidents by weekday and hour",
                                  show_title=False, phone={"transpose": True}),
        "over_time": charts.responsive(charts.line_chart, per_week(lambda w: round(float(w[1]), 1)),
                                       title="Mean intensity per week (1-5)", show_title=False),
        "duration": charts.responsive(
            charts.line_chart, per_week(lambda w: round(float(w[2]), 1) if w[2] is not None else None),
            title="Mean duration per week", unit="min", show_title=False),
        "physical": charts.responsive(charts.line_chart, [(label, v or 0) for label, v in per_week(lambda w: w[3])],
                                      title="Physical interventions per week", show_title=False, columns=True),
        "strategies": charts.responsive(
            charts.part_bar_chart, [(r[0], r[2], r[1]) for r in t["strategies"].rows],
            title="Strategies: times used, and how many of those incidents de-escalated",
            part_label="De-escalated", whole_label="Used", show_title=False),
        "progress": charts.responsive(
            charts.ratings_over_time, getattr(progress, "series", []), Rating.labels, start=filters.start,
            end=filters.end, title="Each outcome's ratings over the period", show_title=False),
    }


def _overview(request):
    staff = request.staff
    staff.require(Ability.VIEW_SCHOOL_DASHBOARD)
    form, filters = read_filters(request)
    same_range = f"?preset={filters.preset}&start={filters.start:%Y-%m-%d}&end={filters.end:%Y-%m-%d}"
    return form, filters, school_overview(staff, filters, pupil_link_query=same_range)


@login_required
@school_required
def overview(request):
    form, filters, data = _overview(request)
    log_access(request, action="dashboards.overview.view")
    from .alerts import current_alerts

    return render(request, "dashboards/overview.html", {
        **data, "form": form, "filters": filters, "charts": _overview_charts(data),
        "pattern_alerts": current_alerts(request.staff),
        "csv": _csv_urls(data["tables"], "dashboards:overview_csv", [], request.GET.urlencode()),
    })


@login_required
@school_required
def overview_csv(request, key):
    form, filters, data = _overview(request)
    if form.errors:
        return _bad_filters(form)
    table = data["tables"].get(key) or _missing()
    log_access(request, action=f"dashboards.overview.export.{key}")
    return csv_response(table, f"{key}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv")


def _pupil(request, pupil_id):
    staff = request.staff
    staff.require(Ability.READ_INCIDENTS)
    pupil = get_object_or_404(Pupil.objects.visible_to(staff).select_related("class_group"), pk=pupil_id)
    form, filters = read_filters(request, one_pupil=True)  # only the dates apply to one pupil
    return pupil, form, filters


@login_required
@school_required
def pupil(request, pupil_id):
    pupil, form, filters = _pupil(request, pupil_id)
    if filters.pupil and filters.pupil.pk != pupil.pk:  # the pupil picker moves to that pupil's page
        query = request.GET.copy()
        query.pop("pupil", None)
        return redirect(reverse("dashboards:pupil", args=[filters.pupil.pk]) + (f"?{query.urlencode()}" if query else ""))
    filters.pupil = None  # this pupil's own page: the summary names the dates only
    data = pupil_analytics(request.staff, pupil, filters)
    log_access(request, action="dashboards.pupil.view", pupil=pupil)
    query = request.GET.copy()
    query.pop("pupil", None)
    return render(request, "dashboards/pupil.html", {
        **data, "pupil": pupil, "form": form, "filters": filters, "charts": _pupil_charts(data, filters),
        "csv": _csv_urls(data["tables"], "dashboards:pupil_csv", [pupil.pk], query.urlencode()),
    })


@login_required
@school_required
def pupil_csv(request, pupil_id, key):
    pupil, form, filters = _pupil(request, pupil_id)
    if form.errors:
        return _bad_filters(form)
    table = pupil_analytics(request.staff, pupil, filters)["tables"].get(key) or _missing()
    log_access(request, action=f"dashboards.pupil.export.{key}", pupil=pupil)
    return csv_response(table, f"pupil-{pupil.pk}-{key}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv")


def _bad_filters(form):
    """A page shows filter errors beside the fields; an export would quietly widen to the defaults."""
    problems = "; ".join(f"{name}: {strip_tags(' '.join(errors))}" for name, errors in form.errors.items())
    return HttpResponseBadRequest(f"This export's filters aren't valid ({problems}). Open the dashboard and "
                                  "choose the filters again.", content_type="text/plain")


def _csv_urls(tables, name, args, query) -> dict:
    """Each table's export, with the page's filters."""
    return {key: reverse(name, args=[*args, key]) + (f"?{query}" if query else "") for key in tables}


def _missing():
    raise Http404("No such table.")
