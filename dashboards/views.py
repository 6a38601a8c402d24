"""The school overview (SENCo, senior leaders) and the per-pupil analytics page (anyone who reads
incidents, for the pupils they may see), each printable and exporting each of its tables as CSV
with the same filters. Reads only (selectors.py)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts.access import Ability
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
    rows, cols, values = data["hotspot_grid"]
    outcome = t["outcome_progress"]
    return {
        "weekly": charts.line_chart(
            [(_short(r[0]), r[1]) for r in weekly], title="Incidents per week", label="This period",
            compare=[(_short(r[0]), r[3]) for r in weekly], compare_label="Previous period", show_title=False),
        "physical": charts.line_chart([(_short(r[0]), r[2]) for r in weekly], title="Physical interventions per week",
                                      show_title=False, empty_message="No physical interventions in this period."),
        "behaviours": charts.bar_chart([tuple(r) for r in t["behaviours"].rows], title="Incidents by behaviour",
                                       show_title=False),
        "antecedents": charts.bar_chart([tuple(r) for r in t["antecedents"].rows], title="Top antecedents",
                                        show_title=False),
        "hotspots": charts.heatmap(rows, cols, values, title="Incidents by weekday and period", show_title=False),
        "locations": charts.bar_chart([tuple(r) for r in t["locations"].rows], title="Incidents by place",
                                      show_title=False),
        "outcome_progress": charts.heatmap(
            [r[0] for r in outcome.rows], outcome.columns[1:-2], [r[1:-2] for r in outcome.rows],
            title="Outcomes at each rating, by area of need", show_title=False,
            empty_message="No outcomes in plans in force for these pupils."),
    }


def _pupil_charts(data) -> dict:
    t = data["tables"]
    rows, cols, values = data["when_grid"]
    over = t["over_time"].rows
    return {
        "functions": charts.bar_chart([(r[0], r[1]) for r in t["functions"].rows], title="Likely function",
                                      show_title=False),
        "when": charts.heatmap(rows, cols, values, title="Incidents by weekday and hour", show_title=False),
        "over_time": charts.line_chart([(_short(r[0]), r[2]) for r in over],
                                       title="Mean intensity per week (1-5)", show_title=False),
        "duration": charts.line_chart([(_short(r[0]), r[3] if r[3] != "–" else None) for r in over],
                                      title="Mean duration per week", unit="min", show_title=False),
        "strategies": charts.bar_chart([(r[0], r[2]) for r in t["strategies"].rows],
                                       title="Times each strategy was followed by de-escalation", show_title=False),
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
    form, filters = read_filters(request)
    return pupil, form, filters


@login_required
@school_required
def pupil(request, pupil_id):
    pupil, form, filters = _pupil(request, pupil_id)
    if filters.pupil and filters.pupil.pk != pupil.pk:  # the pupil picker moves to that pupil's page
        query = request.GET.copy()
        query.pop("pupil", None)
        return redirect(reverse("dashboards:pupil", args=[filters.pupil.pk]) + (f"?{query.urlencode()}" if query else ""))
    data = pupil_analytics(request.staff, pupil, filters)
    log_access(request, action="dashboards.pupil.view", pupil=pupil)
    query = request.GET.copy()
    query.pop("pupil", None)
    return render(request, "dashboards/pupil.html", {
        **data, "pupil": pupil, "form": form, "filters": filters, "charts": _pupil_charts(data),
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
    problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
    return HttpResponseBadRequest(f"This export's filters aren't valid ({problems}). Open the dashboard and "
                                  "choose the filters again.", content_type="text/plain")


def _csv_urls(tables, name, args, query) -> dict:
    """Each table's export, with the page's filters."""
    return {key: reverse(name, args=[*args, key]) + (f"?{query}" if query else "") for key in tables}


def _missing():
    raise Http404("No such table.")
