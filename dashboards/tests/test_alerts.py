"""Pattern alerts: the statistical rule on generated data (a steady but noisy pupil is not flagged,
a real rise is, too few incidents never are), new hotspots, repeated physical intervention,
idempotent nightly runs, the Monday digest to the school's SENCos only, and the alerts pages'
permissions and query counts."""

import datetime
import math
import random
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from accounts.access import ROLE_ABILITIES, Ability, StaffContext
from accounts.factories import LocationFactory, PeriodFactory, SchoolFactory, TermFactory
from accounts.models import Role
from dashboards import alerts
from dashboards.alerts import (
    binomial_upper_tail, compute_school_alerts, current_alerts, is_rise, school_days_before, send_weekly_digest,
)
from dashboards.models import AlertDigest, AlertKind, PatternAlert
from dashboards.tasks import compute_pattern_alerts_task, weekly_digest_task
from incidents.models import Incident, IncidentDraft
from pupils.factories import PupilFactory
from sendsupport.models import AccessLog, Notification

LONDON = ZoneInfo("Europe/London")
TODAY = datetime.date(2026, 7, 1)  # a Wednesday in the summer term
D = datetime.timedelta


# --- Generated data ---------------------------------------------------------------------------

def poisson(rng, lam):
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def noisy_days(rng, rate, days, shape=1.0):
    """Daily counts with good and bad days: Poisson with a gamma-distributed daily rate (mean
    `rate`; shape 1 is very up-and-down), the overdispersion real behaviour logs show."""
    return [poisson(rng, rate * rng.gammavariate(shape, 1 / shape)) for _ in range(days)]


def rule_flags(rng, before_rate, recent_rate, shape=1.0):
    baseline, recent = noisy_days(rng, before_rate, 60, shape), noisy_days(rng, recent_rate, 20, shape)
    squares = sum(n * n for n in baseline)
    return is_rise(AlertKind.PUPIL_RISE, sum(recent), 20, sum(baseline), 60, squares)[0]


@pytest.fixture
def school_year(world):
    """Spring and summer terms with half-terms, a place and a period: the school days the rule counts."""
    TermFactory(school=world.school, name="Spring 2026", starts_on=datetime.date(2026, 1, 5),
                ends_on=datetime.date(2026, 3, 27), half_term_starts_on=datetime.date(2026, 2, 16),
                half_term_ends_on=datetime.date(2026, 2, 20))
    TermFactory(school=world.school, name="Summer 2026", starts_on=datetime.date(2026, 4, 13),
                ends_on=datetime.date(2026, 7, 22), half_term_starts_on=datetime.date(2026, 5, 25),
                half_term_ends_on=datetime.date(2026, 5, 29))
    days = school_days_before(TODAY, list(world.school.terms.all()))
    return {
        "recent": days[:20][::-1], "baseline": days[20:80][::-1],
        "classroom": LocationFactory(school=world.school, name="Classroom"),
        "lesson": PeriodFactory(school=world.school, name="Lesson 1", starts_at=datetime.time(9),
                                ends_at=datetime.time(10)),
    }


def log(world, pupil, per_day, days, *, location, period=None, force=False, hour=9):
    """Submitted incidents, `per_day[i]` on `days[i]` (bulk-written; the trigger fills local time)."""
    rows = []
    for n, day in zip(per_day, days):
        for i in range(n):
            at = datetime.datetime.combine(day, datetime.time(hour, i % 60), LONDON)
            rows.append(Incident(school=pupil.school, pupil=pupil, occurred_at=at, created_by=world.people["ta"],
                                 location=location, period=period, intensity=2, physical_intervention=force))
    Incident.objects.bulk_create(rows)


def kinds(school, kind):
    return {(a.pupil_id or a.location_id or a.period_id)
            for a in PatternAlert.objects.filter(school=school, kind=kind, cleared_on__isnull=True)}


# --- The rule ---------------------------------------------------------------------------------

def test_binomial_tail_matches_exact_values():
    assert binomial_upper_tail(8, 10, 0.5) == pytest.approx(56 / 1024)
    assert binomial_upper_tail(0, 10, 0.3) == 1.0 and binomial_upper_tail(11, 10, 0.3) == 0.0
    assert binomial_upper_tail(5, 5, 0.25) == pytest.approx(0.25 ** 5)
    assert 0 < binomial_upper_tail(900, 3000, 0.25) < 1e-6  # large counts neither underflow nor overflow


@pytest.mark.parametrize("rate", [0.3, 1.0, 3.0])
def test_steady_noisy_pupils_are_rarely_flagged(rate):
    """No real change, very up-and-down days: false alarms stay near the 1% the test aims for
    (a plain Poisson test gives 5-8% here, which is why counts are divided by the dispersion)."""
    flagged = sum(rule_flags(random.Random(seed), rate, rate) for seed in range(400))
    assert flagged <= 12  # 3%


@pytest.mark.parametrize("rate", [0.3, 1.0, 3.0])
def test_a_tripled_rate_is_usually_flagged(rate):
    flagged = sum(rule_flags(random.Random(seed), rate, 3 * rate, shape=2.0) for seed in range(400))
    assert flagged >= (240 if rate < 0.5 else 340)  # the rarer the incidents, the less a test can see


def test_too_few_incidents_are_never_flagged():
    # From nothing to 4 in four weeks: p is tiny, but 4 is under the floor of 5.
    assert is_rise(AlertKind.PUPIL_RISE, 4, 20, 0, 60, 0)[0] is False
    assert is_rise(AlertKind.PUPIL_RISE, 5, 20, 0, 60, 0)[0] is True
    # A clear rise with too little history to compare with is not tested.
    assert is_rise(AlertKind.PUPIL_RISE, 20, 20, 1, 19, 1)[:2] == (False, None)
    # Significant but small (1.4x on big counts): under the 1.5x rate ratio.
    assert is_rise(AlertKind.PLACE_HOTSPOT, 1400, 20, 3000, 60, 3000 * 50)[0] is False


def test_school_days_leave_out_holidays_and_half_terms(world, school_year):
    recent, baseline = school_year["recent"], school_year["baseline"]
    assert (recent[0], recent[-1]) == (datetime.date(2026, 6, 3), datetime.date(2026, 6, 30))
    everything = set(recent + baseline)
    assert len(everything) == 80 and all(d.isoweekday() <= 5 for d in everything)
    assert not everything & {datetime.date(2026, 5, 27), datetime.date(2026, 4, 8), datetime.date(2026, 2, 18)}
    assert baseline[0] == datetime.date(2026, 2, 11)  # 60 school days back: over Easter and half-terms
    # After the last term entered (the summer holiday, autumn not entered yet): every weekday counts.
    assert school_days_before(datetime.date(2026, 7, 29), list(world.school.terms.all()))[:5] == [
        datetime.date(2026, 7, 28), datetime.date(2026, 7, 27), datetime.date(2026, 7, 24),
        datetime.date(2026, 7, 23), datetime.date(2026, 7, 22)]
    # No terms entered: every weekday counts.
    assert school_days_before(datetime.date(2026, 7, 1), [])[:3] == [
        datetime.date(2026, 6, 30), datetime.date(2026, 6, 29), datetime.date(2026, 6, 26)]


# --- Computing alerts on generated data ----------------------------------------------------------

def test_a_real_rise_is_flagged_and_a_steady_noisy_pupil_is_not(world, school_year):
    rng = random.Random(7)
    room, recent, baseline = school_year["classroom"], school_year["recent"], school_year["baseline"]
    steady, rising, newcomer = world.pupil_in, world.pupil_class, world.pupil_out
    log(world, steady, noisy_days(rng, 1.0, 60) + noisy_days(rng, 1.0, 20), baseline + recent, location=room)
    log(world, rising, noisy_days(rng, 0.3, 60, 2.0) + noisy_days(rng, 1.2, 20, 2.0), baseline + recent,
        location=room)
    log(world, newcomer, [1] * 4, recent[-4:], location=room)  # 4 recent incidents, none before: too few
    log(world, newcomer, [1], baseline[:1], location=room)  # the school's records start with the baseline
    # Drafts are never incidents: a pile of them changes nothing.
    IncidentDraft.objects.bulk_create([IncidentDraft(school=world.school, author=world.people["ta"], pupil=newcomer,
                                                     data={"behaviour": "draft"}) for _ in range(30)])
    assert compute_school_alerts(school=world.school, today=TODAY)["new"] >= 1
    assert kinds(world.school, AlertKind.PUPIL_RISE) == {rising.pk}
    alert = PatternAlert.objects.get(kind=AlertKind.PUPIL_RISE)
    assert alert.recent_count == Incident.objects.filter(pupil=rising, local_date__gte=recent[0]).count()
    assert (alert.recent_days, alert.baseline_days, alert.recent_from) == (20, 60, recent[0])
    assert alert.p_value < 0.01 and alert.recent_rate >= 1.5 * alert.baseline_rate


def test_the_same_steady_pupil_is_not_flagged_over_many_generated_schools(world, school_year):
    """The nightly computation itself (SQL counts, dispersion, test) on 20 independently noisy
    pupils with no change: none flagged."""
    rng = random.Random(11)
    room, days = school_year["classroom"], school_year["baseline"] + school_year["recent"]
    for _ in range(20):
        log(world, PupilFactory(school=world.school), noisy_days(rng, 0.8, 80), days, location=room)
    compute_school_alerts(school=world.school, today=TODAY)
    assert kinds(world.school, AlertKind.PUPIL_RISE) == set()


def test_a_new_hotspot_place_and_period_are_flagged(world, school_year):
    rng = random.Random(3)
    recent, baseline, room, lesson = (school_year[k] for k in ("recent", "baseline", "classroom", "lesson"))
    corridor = LocationFactory(school=world.school, name="Top corridor")
    lunch = PeriodFactory(school=world.school, name="Lunch", starts_at=datetime.time(12), ends_at=datetime.time(13))
    pupils = [PupilFactory(school=world.school) for _ in range(6)]
    for pupil in pupils:  # steady: classroom, lesson 1, all along
        log(world, pupil, noisy_days(rng, 0.3, 80, 2.0), baseline + recent, location=room, period=lesson)
    for pupil in pupils[:3]:  # new: the corridor at lunch, only lately
        log(world, pupil, noisy_days(rng, 0.25, 20, 2.0), recent, location=corridor, period=lunch, hour=12)
    compute_school_alerts(school=world.school, today=TODAY)
    assert kinds(world.school, AlertKind.PLACE_HOTSPOT) == {corridor.pk}
    assert kinds(world.school, AlertKind.PERIOD_HOTSPOT) == {lunch.pk}
    assert PatternAlert.objects.get(kind=AlertKind.PLACE_HOTSPOT).baseline_count == 0


def test_three_physical_interventions_in_four_school_weeks_are_flagged(world, school_year):
    recent, baseline, room = school_year["recent"], school_year["baseline"], school_year["classroom"]
    log(world, world.pupil_in, [1, 1, 1], recent[:3], location=room, force=True)
    log(world, world.pupil_class, [1, 1], recent[:2], location=room, force=True)  # 2: under the rule
    log(world, world.pupil_class, [1, 1, 1], baseline[-3:], location=room, force=True)  # before the window
    log(world, world.pupil_class, [1] * 3, recent[5:8], location=room)  # no force used
    compute_school_alerts(school=world.school, today=TODAY)
    assert kinds(world.school, AlertKind.REPEATED_FORCE) == {world.pupil_in.pk}
    assert PatternAlert.objects.get(kind=AlertKind.REPEATED_FORCE).recent_count == 3


def test_archived_pupils_and_other_schools_are_left_out(world, school_year):
    room, recent = school_year["classroom"], school_year["recent"]
    log(world, world.pupil_out, [1, 1, 1], recent[:3], location=room, force=True)
    world.pupil_out.archived_at = timezone.now()
    world.pupil_out.save(update_fields=["archived_at"])
    elsewhere = LocationFactory(school=world.other_school)
    log(world, world.pupil_other_school, [1, 1, 1], recent[:3], location=elsewhere, force=True)
    compute_school_alerts(school=world.school, today=TODAY)
    assert not PatternAlert.objects.exists()
    compute_school_alerts(school=world.other_school, today=TODAY)
    assert list(PatternAlert.objects.values_list("school", "pupil")) == [(world.other_school.pk,
                                                                          world.pupil_other_school.pk)]


def test_reruns_update_the_same_alert_and_a_gone_pattern_is_cleared(world, school_year):
    recent, room = school_year["recent"], school_year["classroom"]
    log(world, world.pupil_in, [1, 1, 1], recent[-3:], location=room, force=True)
    first = compute_school_alerts(school=world.school, today=TODAY)
    alert = PatternAlert.objects.get()
    assert first == {"new": 1, "updated": 0, "cleared": 0}
    # The same day again: nothing new, the same row.
    assert compute_school_alerts(school=world.school, today=TODAY) == {"new": 0, "updated": 1, "cleared": 0}
    assert PatternAlert.objects.get().pk == alert.pk
    # A week later it still holds, with one more: the same alert, updated.
    log(world, world.pupil_in, [1], [TODAY + D(days=1)], location=room, force=True)
    compute_school_alerts(school=world.school, today=TODAY + D(days=7))
    alert.refresh_from_db()
    assert PatternAlert.objects.count() == 1
    assert (alert.first_seen_on, alert.last_seen_on, alert.recent_count) == (TODAY, TODAY + D(days=7), 4)
    # Five weeks on (the summer holiday: weekdays count once the terms entered end) the incidents
    # have left the window: cleared, kept.
    compute_school_alerts(school=world.school, today=TODAY + D(days=35))
    alert.refresh_from_db()
    assert alert.cleared_on == TODAY + D(days=35) and alert.last_seen_on == TODAY + D(days=7)
    # It comes back: a new episode, the old one stays as it was.
    day = TODAY + D(days=36)
    log(world, world.pupil_in, [3], [day], location=room, force=True)
    compute_school_alerts(school=world.school, today=day + D(days=1))
    assert PatternAlert.objects.count() == 2
    assert PatternAlert.objects.get(cleared_on__isnull=True).first_seen_on == day + D(days=1)
    assert alert.events.count() >= 3  # every change is in the history


def test_computing_takes_the_same_queries_whatever_the_data(world, school_year, django_assert_num_queries):
    recent, room = school_year["recent"], school_year["classroom"]
    log(world, world.pupil_in, [1, 1, 1], recent[:3], location=room, force=True)
    # savepoint, lock school, terms, first incident, archived pupils, counts, open alerts, insert, release
    with django_assert_num_queries(9):
        compute_school_alerts(school=world.school, today=TODAY)
    rng = random.Random(5)
    for _ in range(5):
        log(world, PupilFactory(school=world.school), noisy_days(rng, 1, 20), recent, location=room, force=True)
    PatternAlert.objects.update(cleared_on=TODAY)
    with django_assert_num_queries(9):
        compute_school_alerts(school=world.school, today=TODAY)
    assert PatternAlert.objects.filter(cleared_on__isnull=True).count() >= 5


def test_the_nightly_task_covers_every_school(world, school_year):
    log(world, world.pupil_in, [1, 1, 1], school_year["recent"][-3:], location=school_year["classroom"], force=True)
    elsewhere = LocationFactory(school=world.other_school)
    yesterday = timezone.localdate() - D(days=1)  # the school's day (Europe/London), not the machine's
    log(world, world.pupil_other_school, [3], [yesterday], location=elsewhere, force=True)
    SchoolFactory(name="A school with no incidents yet")
    assert compute_pattern_alerts_task.delay().get() == {"new": 1, "updated": 0, "cleared": 0, "failed": 0}
    assert set(PatternAlert.objects.values_list("school", flat=True)) == {world.other_school.pk}
    compute_pattern_alerts_task.delay()  # twice in a night: still one
    assert PatternAlert.objects.count() == 1


def test_one_schools_failure_does_not_stop_the_others(world, school_year, monkeypatch):
    log(world, world.pupil_other_school, [3], [timezone.localdate() - D(days=1)],
        location=LocationFactory(school=world.other_school), force=True)
    real = alerts.compute_school_alerts

    def broken_for_ours(*, school, today):
        if school == world.school:
            raise RuntimeError("boom")
        return real(school=school, today=today)

    monkeypatch.setattr(alerts, "compute_school_alerts", broken_for_ours)
    assert compute_pattern_alerts_task.delay().get()["failed"] == 1
    assert PatternAlert.objects.filter(school=world.other_school).count() == 1


# --- The weekly digest ------------------------------------------------------------------------

@pytest.fixture
def open_alerts(world, school_year):
    log(world, world.pupil_in, [1, 1, 1], school_year["recent"][-3:], location=school_year["classroom"], force=True)
    compute_school_alerts(school=world.school, today=TODAY)
    return PatternAlert.objects.all()


def test_digest_goes_to_the_schools_sencos_only(world, open_alerts, django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://send.example-trust.org.uk"
    monday = datetime.date(2026, 7, 6)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_weekly_digest(school=world.school, today=monday) is True
    assert list(Notification.objects.values_list("user", flat=True)) == [world.people["senco"].pk]
    [email] = mail.outbox
    assert email.to == [world.people["senco"].email]
    assert "1 pattern alert open" in email.body and "Repeated physical intervention: 1" in email.body
    # The link works from a mail client: the site's whole address (in the app, the inbox keeps the path).
    assert email.body.endswith("\n\nhttps://send.example-trust.org.uk/dashboards/alerts/")
    assert Notification.objects.get().url == "/dashboards/alerts/"
    assert "Amelia" not in email.body and "Hughes" not in email.body  # email names no pupil
    # Rerun (a redelivered task, or later that week): nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert send_weekly_digest(school=world.school, today=monday + D(days=2)) is False
    assert len(mail.outbox) == 1 and AlertDigest.objects.get().week_of == monday


def test_digest_task_skips_schools_with_nothing_open(world, open_alerts, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert weekly_digest_task.delay().get() == 1  # ours; the other school has no alert
    assert [m.to for m in mail.outbox] == [[world.people["senco"].email]]
    assert not Notification.objects.filter(user=world.people["other_school_senco"]).exists()
    assert not Notification.objects.filter(user__in=[world.people[r] for r in ("ta", "teacher", "senior")]).exists()


# --- Reading: current_alerts and the pages ------------------------------------------------------

def staff_of(world, role, school=None):
    from accounts.models import Membership

    school = school or world.school
    membership = Membership.objects.get(user=world.people[role], school=school)
    return StaffContext(user=world.people[role], school=school, membership=membership,
                        roles=frozenset(membership.roles))


def test_current_alerts_only_for_dashboard_holders(world, open_alerts, django_assert_num_queries):
    senco = staff_of(world, "senco")
    with django_assert_num_queries(1):
        [alert] = current_alerts(senco)
    assert alert.pupil_visible and alert.pupil == world.pupil_in
    for role in ("ta", "teacher", "dsl", "admin"):
        staff = staff_of(world, role)
        with django_assert_num_queries(0):
            assert current_alerts(staff) == []
    assert current_alerts(staff_of(world, "other_school_senco", world.other_school)) == []


def test_pupils_are_linked_only_for_people_who_may_see_them(client, world, open_alerts, monkeypatch):
    # Were a teacher given the dashboard, the TA's pupil (not in their class) is not named or linked.
    monkeypatch.setitem(ROLE_ABILITIES, Role.TEACHER, ROLE_ABILITIES[Role.TEACHER] | {Ability.VIEW_SCHOOL_DASHBOARD})
    [alert] = current_alerts(staff_of(world, "teacher"))
    assert alert.pupil_visible is False
    client.force_login(world.people["teacher"])
    html = client.get("/dashboards/alerts/").content.decode()
    assert "A pupil you do not support" in html and "Amelia" not in html
    assert world.pupil_in.get_absolute_url() not in html


@pytest.mark.parametrize("who, status", [
    ("senco", 200), ("senior", 200), ("ta", 403), ("teacher", 403), ("dsl", 403), ("admin", 403),
    ("other_ta", 403),
])
def test_alert_pages_permissions(client, world, open_alerts, who, status):
    client.force_login(world.people[who])
    alert = open_alerts.get()
    assert client.get("/dashboards/alerts/").status_code == status
    assert client.get(f"/dashboards/alerts/{alert.pk}/").status_code == status


def test_another_schools_alert_is_not_found(client, world, open_alerts):
    client.force_login(world.people["other_school_senco"])
    response = client.get("/dashboards/alerts/")
    assert response.status_code == 200 and "Amelia" not in response.content.decode()
    assert response.context["pattern_alerts"] == []
    assert client.get(f"/dashboards/alerts/{open_alerts.get().pk}/").status_code == 404


def test_alerts_page_shows_the_rule_and_the_figures(client, world, open_alerts):
    client.force_login(world.people["senco"])
    html = client.get("/dashboards/alerts/").content.decode()
    assert "Amelia Hughes" in html and "3 incidents with physical intervention" in html
    assert "conditional binomial" in html and "p &lt; 0.01" in html  # the rule is printed
    alert = open_alerts.get()
    response = client.get(f"/dashboards/alerts/{alert.pk}/")
    html = response.content.decode()
    assert "Repeated physical intervention" in html and "<svg" in html
    assert sum(w["count"] for w in response.context["weeks"]) == 3
    assert AccessLog.objects.filter(action="dashboards.alert.view", pupil=world.pupil_in).exists()
    assert AccessLog.objects.filter(action="dashboards.alerts.view").exists()


def test_alerts_page_query_count_is_flat(client, world, school_year, django_assert_num_queries):
    client.force_login(world.people["senco"])
    room, recent = school_year["classroom"], school_year["recent"]
    log(world, world.pupil_in, [1, 1, 1], recent[-3:], location=room, force=True)
    compute_school_alerts(school=world.school, today=TODAY)
    client.get("/dashboards/alerts/")
    # session, user, membership, pghistory context with the access log, open alerts, cleared alerts,
    # saving the session (savepoint, update, release)
    with django_assert_num_queries(9):
        assert client.get("/dashboards/alerts/").status_code == 200
    for _ in range(4):
        log(world, PupilFactory(school=world.school), [1, 1, 1], recent[-3:], location=room, force=True)
    compute_school_alerts(school=world.school, today=TODAY)
    with django_assert_num_queries(9):
        assert len(client.get("/dashboards/alerts/").context["pattern_alerts"]) == 5


def test_rules_constants_are_what_the_page_prints():
    text = " ".join(t for _, t in alerts.RULES)
    assert f"p < {alerts.P_THRESHOLD}" in text and f"{alerts.FORCE_THRESHOLD} or more" in text


def test_the_overview_shows_the_first_eight_and_links_to_the_rest(world, school_year):
    from django.template.loader import render_to_string

    recent, room = school_year["recent"], school_year["classroom"]
    for _ in range(10):
        log(world, PupilFactory(school=world.school), [1, 1, 1], recent[-3:], location=room, force=True)
    compute_school_alerts(school=world.school, today=TODAY)
    shown = current_alerts(staff_of(world, "senco"))
    assert len(shown) == 10
    html = render_to_string("dashboards/alerts/_list.html", {"pattern_alerts": shown})
    assert html.count('class="btn btn-outline-secondary btn-sm alert-open"') == 8 and "2 more" in html
    html = render_to_string("dashboards/alerts/_list.html", {"pattern_alerts": shown, "alerts_page": True})
    assert html.count('class="btn btn-outline-secondary btn-sm alert-open"') == 10 and "more," not in html


def test_alert_figures_page_query_count_is_flat(client, world, school_year, django_assert_num_queries):
    client.force_login(world.people["senco"])
    room, recent = school_year["classroom"], school_year["recent"]
    log(world, world.pupil_in, [1, 1, 1], recent[-3:], location=room, force=True)
    compute_school_alerts(school=world.school, today=TODAY)
    url = PatternAlert.objects.get().get_absolute_url()
    client.get(url)
    # session, user, membership, pghistory context with the access log, the alert, its weeks,
    # saving the session (savepoint, update, release)
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200
    log(world, world.pupil_in, [2] * 17, recent[:17], location=room, force=True)
    with django_assert_num_queries(9):
        assert sum(w["count"] for w in client.get(url).context["weeks"]) == 37
