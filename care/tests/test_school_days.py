"""The missed-dose sweep counts school days from each school's term dates (``services.is_school_day``):
nothing is flagged at weekends, in half-term or in a holiday between two terms entered; a school with
no terms counts every weekday, and so does one whose terms entered don't reach today (before the
first or after the last: next year's terms forgotten must not silence missed doses). The "due now"
page, the home page of the office and the SENCo, a weekly reminder to the office and the missed-dose
notice say when next year's terms are missing."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Term
from care import services, tasks
from care.factories import MedicineFactory
from care.models import Administration
from care.services import TermDatesGap, is_school_day, term_dates_gap, term_dates_reminders
from sendsupport.models import Notification

D = datetime.date
TERMS_MISSING = "Next year's term dates are missing"


@pytest.fixture
def noon_doses(world):
    """A noon dose for a pupil of each school, agreed and added long before any day tested."""
    long_ago = dict(consent_given_on=D(2020, 1, 1), consent_review_on=None,
                    created_at=timezone.make_aware(datetime.datetime(2020, 1, 1)))
    return {"ours": MedicineFactory(pupil=world.pupil_in, scheduled_times=[datetime.time(12)], **long_ago),
            "theirs": MedicineFactory(pupil=world.pupil_other_school, scheduled_times=[datetime.time(12)], **long_ago)}


@pytest.fixture
def autumn(world):
    return Term.objects.create(school=world.school, name="Autumn 2026", starts_on=D(2026, 9, 2),
                               ends_on=D(2026, 12, 18), half_term_starts_on=D(2026, 10, 26),
                               half_term_ends_on=D(2026, 10, 30))


@pytest.fixture
def spring(world):
    return Term.objects.create(school=world.school, name="Spring 2027", starts_on=D(2027, 1, 5),
                               ends_on=D(2027, 3, 25), half_term_starts_on=D(2027, 2, 15),
                               half_term_ends_on=D(2027, 2, 19))


def sweep(day):
    return services.flag_missed_doses(now=services.slot_at(day, datetime.time(15)))


def terms(*spans):
    return [Term(name=f"T{i}", starts_on=a, ends_on=b) for i, (a, b) in enumerate(spans)]


# --- the rule ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("day,school_day,why", [
    (D(2026, 11, 24), True, "Tuesday in term"),
    (D(2026, 11, 28), False, "Saturday in term"),
    (D(2026, 10, 28), False, "half-term"),
    (D(2026, 12, 23), False, "Christmas holiday, between two terms entered"),
    (D(2027, 1, 5), True, "first day of the next term"),
    (D(2027, 3, 31), True, "after the last term entered: next year's not entered"),
    (D(2027, 4, 3), False, "a Saturday after the last term entered"),
    (D(2026, 8, 26), True, "before the first term entered"),
])
def test_the_school_day_rule(day, school_day, why):
    entered = [Term(name="Autumn", starts_on=D(2026, 9, 2), ends_on=D(2026, 12, 18),
                    half_term_starts_on=D(2026, 10, 26), half_term_ends_on=D(2026, 10, 30)),
               Term(name="Spring", starts_on=D(2027, 1, 5), ends_on=D(2027, 3, 25))]
    assert is_school_day(day, entered) is school_day, why
    assert is_school_day(day, []) is (day.isoweekday() <= 5)  # no terms: every weekday


@pytest.mark.parametrize("day,expected", [
    (D(2026, 11, 4), None),  # well inside the year entered
    (D(2027, 2, 11), TermDatesGap("ends_soon", D(2027, 3, 25))),  # 42 days before the last term ends
    (D(2027, 2, 10), None),  # 43 days before
    (D(2027, 3, 25), TermDatesGap("ends_soon", D(2027, 3, 25))),
    (D(2027, 3, 26), TermDatesGap("after_last", D(2027, 3, 25))),
    (D(2026, 8, 20), TermDatesGap("before_first", D(2026, 9, 2))),
])
def test_what_the_term_dates_lack(day, expected):
    entered = terms((D(2026, 9, 2), D(2026, 12, 18)), (D(2027, 1, 5), D(2027, 3, 25)))
    assert term_dates_gap(day, entered) == expected
    assert term_dates_gap(day, []) == TermDatesGap("none")


# --- the sweep --------------------------------------------------------------------------------------

@pytest.mark.parametrize("day,why", [
    (D(2026, 10, 28), "half-term"),
    (D(2026, 12, 23), "Christmas holiday, between two terms entered"),
    (D(2026, 11, 28), "Saturday in term"),
])
def test_no_dose_is_flagged_missed_when_the_school_is_closed(world, noon_doses, autumn, spring, day, why):
    flagged = sweep(day)
    assert not Administration.objects.filter(medicine=noon_doses["ours"]).exists(), why
    # The other school has no term dates: its weekdays count, ours don't.
    assert [a.medicine for a in flagged] == ([noon_doses["theirs"]] if day.isoweekday() <= 5 else [])


def test_a_term_day_is_flagged(world, noon_doses, autumn):
    flagged = sweep(D(2026, 11, 24))
    assert {a.medicine for a in flagged} == {noon_doses["ours"], noon_doses["theirs"]}
    note = Notification.objects.get(school=world.school, user=world.people["senco"])
    assert "term dates" not in note.body  # nothing to say about them


def test_after_the_last_term_weekdays_are_flagged_and_the_notice_says_next_years_terms_are_missing(
        world, noon_doses, autumn, spring):
    flagged = sweep(D(2027, 4, 14))  # a Wednesday after Spring, Summer not entered
    assert {a.medicine for a in flagged} == {noon_doses["ours"], noon_doses["theirs"]}
    missed = Administration.objects.get(medicine=noon_doses["ours"])
    assert (missed.outcome, missed.scheduled_for) == ("missed", services.slot_at(D(2027, 4, 14), datetime.time(12)))
    note = Notification.objects.get(school=world.school, user=world.people["senco"])
    assert note.subject == "1 missed dose of medicine"
    assert ("Next year's term dates are missing: the last term entered ended on 25 March 2027. Until they are "
            "entered, every weekday counts as a school day") in note.body
    assert "The office enters term dates on School set-up." in note.body
    theirs = Notification.objects.get(school=world.other_school)  # no terms at all: nothing new to say
    assert "term dates" not in theirs.body
    assert sweep(D(2027, 4, 17)) == []  # a Saturday still isn't


def test_before_the_first_term_weekdays_are_flagged(world, noon_doses, autumn):
    assert {a.medicine for a in sweep(D(2026, 8, 26))} == {noon_doses["ours"], noon_doses["theirs"]}
    assert "The first term entered starts on 2 September 2026" in Notification.objects.get(
        school=world.school, user=world.people["senco"]).body


def test_without_term_dates_every_weekday_counts(world, noon_doses):
    assert {a.medicine for a in sweep(D(2026, 10, 28))} == {noon_doses["ours"], noon_doses["theirs"]}


def test_sweep_reads_term_dates_in_one_query(world, noon_doses, autumn, django_assert_max_num_queries):
    Term.objects.create(school=world.other_school, name="Autumn", starts_on=D(2026, 9, 1), ends_on=D(2026, 12, 18),
                        half_term_starts_on=D(2026, 10, 26), half_term_ends_on=D(2026, 10, 30))
    # medicines, term dates, doses already recorded: whatever the number of schools
    with django_assert_max_num_queries(3):
        assert sweep(D(2026, 10, 28)) == []


# --- the warnings -----------------------------------------------------------------------------------

def _days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def ending_soon(world):
    """Today is in the last term entered, which ends in three weeks."""
    return Term.objects.create(school=world.school, name="This term", starts_on=_days(-60), ends_on=_days(21))


def test_due_now_page_says_how_school_days_are_counted(client, world):
    client.force_login(world.people["ta"])
    assert "No term dates are set up" in client.get("/care/due/").content.decode()
    today = timezone.localdate()
    term = Term.objects.create(school=world.school, name="This term", starts_on=today - datetime.timedelta(days=20),
                               ends_on=today + datetime.timedelta(days=80))
    Term.objects.create(school=world.school, name="Next term", starts_on=today + datetime.timedelta(days=100),
                        ends_on=today + datetime.timedelta(days=180))
    html = client.get("/care/due/").content.decode()
    assert "No term dates are set up" not in html and "term dates are missing" not in html
    assert ("not a school day" in html) == (today.isoweekday() > 5)
    term.starts_on, term.ends_on = today - datetime.timedelta(days=60), today - datetime.timedelta(days=10)
    term.save()  # today is now in the holiday between the two terms
    assert "Today is not a school day in the term dates" in client.get("/care/due/").content.decode()


def test_due_now_warns_when_next_years_terms_are_missing_and_says_who_enters_them(client, world, ending_soon):
    client.force_login(world.people["ta"])
    html = client.get("/care/due/").content.decode()
    assert html.count("Next year&#x27;s term dates are missing") == 1
    assert f"the last term entered ends on {_days(21):%-d %B %Y}" in html
    assert "Ask Admin Person (office) to enter them on School set-up." in html
    assert "/staff/school-setup/" not in html  # a TA can't open it
    client.force_login(world.people["admin"])
    html = client.get("/care/due/").content.decode()
    assert 'href="/staff/school-setup/">Enter the term dates</a>' in html and "Ask Admin" not in html
    Term.objects.create(school=world.school, name="Next year", starts_on=_days(35), ends_on=_days(120))
    assert "term dates are missing" not in client.get("/care/due/").content.decode()


def test_home_page_tells_the_office_and_senco_when_a_school_giving_medicines_lacks_next_years_terms(
        client, world, ending_soon):
    for who in ("admin", "senco", "ta"):
        client.force_login(world.people[who])
        assert "Term dates" not in client.get("/").content.decode(), who  # no scheduled medicine yet
    MedicineFactory(pupil=world.pupil_out, prn=True)
    client.force_login(world.people["admin"])
    assert "Term dates" not in client.get("/").content.decode()  # as-needed only: no doses to flag
    MedicineFactory(pupil=world.pupil_out, scheduled_times=[datetime.time(12)])
    html = client.get("/").content.decode()
    assert "Next year&#x27;s term dates are missing" in html
    assert 'href="/staff/school-setup/">Enter the term dates' in html
    client.force_login(world.people["senco"])
    html = client.get("/").content.decode()
    assert "Next year&#x27;s term dates are missing" in html and "Ask Admin Person (office) to enter them" in html
    for who in ("ta", "teacher", "senior", "dsl"):  # they can neither enter terms nor manage medicines
        client.force_login(world.people[who])
        assert "term dates are missing" not in client.get("/").content.decode(), who
    client.force_login(world.people["admin"])
    Term.objects.create(school=world.school, name="Next year", starts_on=_days(35), ends_on=_days(120))
    assert "Term dates" not in client.get("/").content.decode()


def test_home_panel_costs_nothing_for_those_it_is_not_for(rf, world, ending_soon, django_assert_num_queries):
    from accounts.access import StaffContext
    from accounts.models import Membership
    from care.panels import term_dates_panel

    MedicineFactory(pupil=world.pupil_out, scheduled_times=[datetime.time(12)])

    def request_for(who):
        request = rf.get("/")
        m = Membership.objects.get(user=world.people[who], school=world.school)
        request.user = world.people[who]
        request.staff = StaffContext(user=m.user, school=world.school, membership=m, roles=frozenset(m.roles))
        return request

    for who, queries, shown in (("ta", 0, False), ("admin", 2, True), ("senco", 3, True)):
        request = request_for(who)
        with django_assert_num_queries(queries):  # scheduled medicines?, term dates, (names of the office)
            assert (term_dates_panel(request) is not None) is shown, who


def test_the_office_is_reminded_weekly_while_next_years_terms_are_missing(world, ending_soon,
                                                                          django_capture_on_commit_callbacks):
    assert term_dates_reminders() == 0  # no scheduled medicine: nothing depends on the terms here
    MedicineFactory(pupil=world.pupil_out, scheduled_times=[datetime.time(12)])
    MedicineFactory(pupil=world.pupil_other_school, scheduled_times=[datetime.time(12)])  # no terms: not this
    with django_capture_on_commit_callbacks(execute=True) as emails:
        assert term_dates_reminders() == 1
    [note] = Notification.objects.filter(subject=TERMS_MISSING)
    assert (note.user, note.school, note.url) == (world.people["admin"], world.school, "/staff/school-setup/")
    assert f"the last term entered ends on {_days(21):%-d %B %Y}" in note.body
    assert "Enter next year's terms on School set-up." in note.body and len(emails) == 1
    assert term_dates_reminders() == 0  # not again the same week
    Notification.objects.filter(pk=note.pk).update(created_at=timezone.now() - datetime.timedelta(days=7))
    assert term_dates_reminders() == 1  # a week on, still missing
    Term.objects.create(school=world.school, name="Next year", starts_on=_days(35), ends_on=_days(120))
    Notification.objects.filter(subject=TERMS_MISSING).update(created_at=timezone.now() - datetime.timedelta(days=7))
    assert term_dates_reminders() == 0  # entered: done


def test_the_reminder_runs_with_the_daily_job_and_reaches_the_senco_when_no_one_enters_terms(world):
    from accounts.models import Membership

    Term.objects.create(school=world.school, name="Last term", starts_on=_days(-90), ends_on=_days(-3))
    MedicineFactory(pupil=world.pupil_out, scheduled_times=[datetime.time(12)])
    Membership.objects.filter(user=world.people["admin"]).update(is_active=False)
    tasks.stock_and_expiry_reminder_task.delay().get()
    note = Notification.objects.get(subject=TERMS_MISSING)
    assert note.user == world.people["senco"]
    assert f"the last term entered ended on {_days(-3):%-d %B %Y}" in note.body
