"""Pattern alerts pages: the open alerts with the rules behind them, and one alert's figures.
For VIEW_SCHOOL_DASHBOARD holders (SENCo, senior leaders); another school's alert is a 404.
Reads only: the alerts are computed nightly (dashboards.alerts)."""

import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.db.models.functions import TruncWeek
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from accounts.access import Ability
from incidents.models import Incident
from sendsupport.audit import log_access
from sendsupport.decorators import school_required

from .alerts import RULES, alerts_for, current_alerts
from .models import AlertKind

CLEARED_SHOWN_FOR = datetime.timedelta(weeks=8)


@login_required
@school_required
def alert_list(request):
    staff = request.staff
    staff.require(Ability.VIEW_SCHOOL_DASHBOARD)
    log_access(request, action="dashboards.alerts.view")
    today = timezone.localdate()
    cleared = (alerts_for(staff, open_only=False)
               .filter(cleared_on__gte=today - CLEARED_SHOWN_FOR).order_by("-cleared_on", "id"))
    return render(request, "dashboards/alerts/list.html", {
        "pattern_alerts": current_alerts(staff), "alerts_page": True, "cleared": cleared, "rules": RULES,
        "today": today})


@login_required
@school_required
def alert_detail(request, alert_id: int):
    staff = request.staff
    staff.require(Ability.VIEW_SCHOOL_DASHBOARD)
    alert = get_object_or_404(alerts_for(staff, open_only=False), pk=alert_id)
    log_access(request, action="dashboards.alert.view", pupil=alert.pupil if alert.pupil_visible else None)
    weeks = _weekly_counts(alert)
    return render(request, "dashboards/alerts/detail.html", {
        "alert": alert, "weeks": weeks, "chart_width": 10 * len(weeks), "rules": RULES})


def _weekly_counts(alert) -> list[dict]:
    """Incidents a week for the alert's pupil, place or period across its baseline and recent
    windows (one aggregate query), with every week shown, empty ones too."""
    start = alert.baseline_from or alert.recent_from
    qs = Incident.objects.filter(school=alert.school_id, local_date__gte=start, local_date__lte=alert.recent_to)
    if alert.kind == AlertKind.REPEATED_FORCE:
        qs = qs.filter(pupil=alert.pupil_id, physical_intervention=True)
    elif alert.pupil_id:
        qs = qs.filter(pupil=alert.pupil_id)
    elif alert.location_id:
        qs = qs.filter(location=alert.location_id)
    else:
        qs = qs.filter(period=alert.period_id)
    by_week = dict(qs.annotate(week=TruncWeek("local_date")).values("week").annotate(n=Count("id"))
                   .values_list("week", "n"))
    weeks, monday = [], start - datetime.timedelta(days=start.weekday())
    top = max(by_week.values(), default=0) or 1
    while monday <= alert.recent_to:
        n, height = by_week.get(monday, 0), round(100 * by_week.get(monday, 0) / top)
        # Drawn as an inline SVG bar (CSP allows no inline styles): 10 units a week, 100 high.
        weeks.append({"monday": monday, "count": n, "recent": monday + datetime.timedelta(days=6) >= alert.recent_from,
                      "x": 10 * len(weeks) + 1, "y": 105 - height, "height": height})
        monday += datetime.timedelta(days=7)
    return weeks
