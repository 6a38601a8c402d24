"""The incidents' evidence-pack sections on their own: the behaviour summary (hand-counted figures,
previous-period comparison, Europe/London period edges, charts) and the appendix (every incident,
corrections shown, other pupils never named), each in a fixed number of queries, rendered by WeasyPrint."""

import datetime
import zoneinfo

import pytest
from django.template.loader import render_to_string

from accounts.factories import LocationFactory, PeriodFactory, TermFactory
from incidents import services
from incidents.factories import IncidentFactory
from incidents.models import Incident, IncidentDraft, InvolvedPupil
from incidents.pack import appendix_section, behaviour_section, previous_period
from pupils.factories import PupilFactory
from sendsupport.sections import pack_sections

from .helpers import staff_of

D = datetime.date
LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC = datetime.timezone.utc
PERIOD = (D(2026, 10, 5), D(2026, 11, 1))  # four weeks, Monday to Sunday; half term is the last week
PREVIOUS = (D(2026, 9, 7), D(2026, 10, 4))


def at(day, hh, mm=0):
    return datetime.datetime.combine(day, datetime.time(hh, mm), LONDON)


@pytest.fixture
def school_day(world):
    s = world.school
    TermFactory(school=s, starts_on=D(2026, 9, 3), ends_on=D(2026, 12, 18),
                half_term_starts_on=D(2026, 10, 26), half_term_ends_on=D(2026, 10, 30))
    periods = {name: PeriodFactory(school=s, name=name, starts_at=datetime.time(*a), ends_at=datetime.time(*b))
               for name, a, b in [("P1", (9, 0), (10, 0)), ("Break", (10, 0), (10, 20)), ("P2", (10, 20), (12, 0)),
                                  ("Lunch", (12, 0), (13, 0)), ("P3", (13, 0), (15, 0))]}
    places = {name: LocationFactory(school=s, name=name) for name in ["Classroom", "Playground", "Hall"]}
    return periods, places


def log(world, school_day, when, *, period=None, place="Classroom", pupil=None, **fields):
    periods, places = school_day
    return IncidentFactory(pupil=pupil or world.pupil_in, created_by=world.people["ta"], occurred_at=when,
                           location=places[place], period=periods[period] if period else None, **fields)


@pytest.fixture
def history(world, school_day):
    """Amelia's incidents: five this period, two in the previous one (hand-counted in the tests)."""
    mk = lambda *a, **k: log(world, school_day, *a, **k)  # noqa: E731
    current = [
        mk(at(D(2026, 10, 5), 9, 30), period="P1", antecedent_picks=["Asked to start a task"], intensity=2,
           duration_minutes=5, suspected_function="escape"),
        mk(at(D(2026, 10, 6), 12, 15), period="Lunch", place="Playground",
           antecedent_picks=["Peer conflict", "Noise or crowding"], intensity=4, duration_minutes=10,
           physical_intervention=True, suspected_function="sensory"),
        mk(at(D(2026, 10, 13), 12, 30), period="Lunch", place="Playground", antecedent_picks=["Peer conflict"],
           intensity=3, duration_minutes=None),
        # Logged in the hall, corrected to the classroom: counted where it really happened.
        mk(at(D(2026, 10, 15), 10, 30), period="P2", place="Hall", antecedent_picks=[],
           antecedent="Fire alarm test", intensity=1, duration_minutes=3, suspected_function="escape"),
        mk(at(D(2026, 10, 23), 16, 30), place="Hall", antecedent_picks=[], intensity=5, duration_minutes=20,
           physical_intervention=True, suspected_function="attention"),
    ]
    services.correct_fact(staff=staff_of(world, "senco"), incident=current[3], field="location",
                          value=school_day[1]["Classroom"], reason="Typed the wrong room")
    mk(at(D(2026, 9, 14), 9, 15), period="P1", antecedent_picks=["Asked to start a task"], intensity=2,
       duration_minutes=4)
    mk(at(D(2026, 9, 30), 13, 30), period="P3", antecedent_picks=["Asked to start a task"], intensity=3,
       duration_minutes=6, physical_intervention=True)
    # Not Amelia's, and not submitted: never counted.
    mk(at(D(2026, 10, 7), 9, 30), period="P1", pupil=world.pupil_out, intensity=5, physical_intervention=True)
    IncidentDraft.objects.create(school=world.school, author=world.people["ta"], pupil=world.pupil_in,
                                 data={"intensity": "5", "behaviour": "DRAFT ONLY"})
    return world


def test_previous_period_is_the_same_length_just_before():
    assert previous_period(*PERIOD) == PREVIOUS
    assert previous_period(D(2026, 9, 1), D(2027, 7, 31)) == (D(2025, 10, 2), D(2026, 8, 31))


def test_both_sections_are_registered_in_the_pack_order():
    sections = {s.key: s for s in pack_sections()}
    assert (sections["behaviour"].order, sections["behaviour"].build) == (30, behaviour_section)
    assert sections["incident_appendix"].order == 95
    assert sections["incident_appendix"].title == "Appendix: every incident in the period"


def test_behaviour_figures_compared_with_the_previous_period(history, django_assert_num_queries):
    # incidents of both periods (1), the school's periods (1), terms (1)
    with django_assert_num_queries(3):
        template, ctx = behaviour_section(history.pupil_in, *PERIOD)
    assert template == "incidents/pack/behaviour.html"
    assert (ctx["previous_start"], ctx["previous_end"]) == PREVIOUS
    assert {k: ctx["now"][k] for k in ("incidents", "physical", "mean_intensity", "minutes", "no_duration")} == {
        "incidents": 5, "physical": 2, "mean_intensity": 3.0, "minutes": 38, "no_duration": 1}
    assert {k: ctx["before"][k] for k in ("incidents", "physical", "mean_intensity", "minutes")} == {
        "incidents": 2, "physical": 1, "mean_intensity": 2.5, "minutes": 10}
    assert [r["change"] for r in ctx["comparison"]] == ["+3", "+1", "+0.5", "+28"]

    assert [(m["month"], m["incidents"], m["physical"], m["minutes"]) for m in ctx["months"]] == [
        (D(2026, 10, 1), 5, 2, 38), (D(2026, 11, 1), 0, 0, 0)]
    assert ctx["busiest"] == [{"when": "Tue, Lunch", "count": 2}, {"when": "Mon, P1", "count": 1},
                              {"when": "Thu, P2", "count": 1}, {"when": "Fri, Outside lessons", "count": 1}]
    assert ctx["places"] == [{"label": "Classroom", "count": 2}, {"label": "Playground", "count": 2},
                             {"label": "Hall", "count": 1}]  # the corrected place counts
    assert [(a["label"], a["count"], a["percent"]) for a in ctx["antecedents"]] == [
        ("Peer conflict", 2, 40), ("Asked to start a task", 1, 20), ("Noise or crowding", 1, 20),
        ("Not recorded", 1, 20), ("Other (described in words)", 1, 20)]
    assert [(f["label"], f["count"]) for f in ctx["functions"]] == [
        ("Escape or avoidance", 2), ("Attention", 1), ("Not recorded", 1), ("Sensory", 1)]


def test_weekly_trend_has_a_gap_for_half_term_and_the_previous_period_beside_it(history):
    _, ctx = behaviour_section(history.pupil_in, *PERIOD)
    desc = str(ctx["trend_chart"])
    assert ("This period: 5 Oct: 2, 12 Oct: 2, 19 Oct: 1, 26 Oct: school closed. "
            "The same weeks of the previous period: 5 Oct: 0, 12 Oct: 1, 19 Oct: 0, 26 Oct: 1.") in desc
    assert ctx["has_closed_weeks"]
    assert desc.count("<polyline") == 2  # this period (one stretch, then the gap) and the previous one
    hot = str(ctx["hotspot_chart"])
    assert "Tue, Lunch: 2" in hot and "Fri, Outside lessons: 1" in hot and "Sat" not in hot


def test_weeks_outside_the_terms_set_up_count_as_zero_not_as_closed(world, school_day):
    """Only the autumn term is set up: the summer before it is unknown, not a holiday."""
    log(world, school_day, at(D(2026, 8, 12), 10, 0))
    _, ctx = behaviour_section(world.pupil_in, D(2026, 8, 3), D(2026, 9, 13))
    desc = str(ctx["trend_chart"])
    assert "This period: 3 Aug: 0, 10 Aug: 1, 17 Aug: 0, 24 Aug: 0, 31 Aug: 0, 7 Sep: 0." in desc
    assert "school closed" not in desc and not ctx["has_closed_weeks"]


def test_behaviour_renders_with_charts_and_without_drafts_or_other_pupils(history):
    template, ctx = behaviour_section(history.pupil_in, *PERIOD)
    html = render_to_string(template, ctx)
    assert html.count("<svg") == 4 and 'role="img"' in html and "<script" not in html
    assert "Amelia Hughes" in html and "Isla" not in html and "DRAFT ONLY" not in html
    assert "5 October 2026 to 1 November 2026" in html and "7 September 2026 to 4 October 2026" in html
    assert "Gaps are weeks with no school days" in html
    assert "leave out incidents with no duration recorded:\n    1 in this period, 0 in the previous period" in html


def test_query_count_is_fixed_whatever_the_number_of_incidents(history, school_day, django_assert_num_queries):
    for k in range(40):
        log(history, school_day, at(D(2026, 10, 5) + datetime.timedelta(days=k % 19), 9 + k % 6), period="P1",
            intensity=1 + k % 5, antecedent_picks=[f"Pick {k % 11}"])
    with django_assert_num_queries(3):
        _, ctx = behaviour_section(history.pupil_in, *PERIOD)
    assert ctx["now"]["incidents"] == 45
    assert ctx["antecedents_total"] == 16 and ctx["antecedents_shown"] == 8
    with django_assert_num_queries(4):
        _, ctx = appendix_section(history.pupil_in, *PERIOD)
    assert len(ctx["incidents"]) == 45


def test_period_edges_are_london_dates_across_the_clock_change(world, school_day):
    """Clocks went back on Sunday 25 October 2026. The period is 5 October to 1 November."""
    inside = [
        datetime.datetime(2026, 10, 4, 23, 30, tzinfo=UTC),  # 00:30 BST on Monday 5 October: first minute-ish
        datetime.datetime(2026, 11, 1, 23, 30, tzinfo=UTC),  # 23:30 GMT on Sunday 1 November: last day
    ]
    before = [datetime.datetime(2026, 10, 4, 22, 30, tzinfo=UTC)]  # 23:30 BST on Sunday 4 October
    outside = [datetime.datetime(2026, 9, 6, 22, 30, tzinfo=UTC),  # 23:30 BST 6 Sept: before the previous period
               datetime.datetime(2026, 11, 2, 0, 10, tzinfo=UTC)]  # 00:10 GMT 2 November
    for when in inside + before + outside:
        log(world, school_day, when)
    _, ctx = behaviour_section(world.pupil_in, *PERIOD)
    assert (ctx["now"]["incidents"], ctx["before"]["incidents"]) == (2, 1)
    _, ctx = appendix_section(world.pupil_in, *PERIOD)
    assert [r["when"] for r in ctx["incidents"]] == inside
    assert ctx["incidents"][0]["when"].strftime("%d %H:%M") == "05 00:30"


def test_sections_have_nothing_to_say_without_incidents(world, school_day, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert behaviour_section(world.pupil_in, *PERIOD) is None
    with django_assert_num_queries(1):
        assert appendix_section(world.pupil_in, *PERIOD) is None


def test_behaviour_with_none_this_period_but_some_before_says_so(world, school_day):
    log(world, school_day, at(D(2026, 9, 14), 9, 15))
    template, ctx = behaviour_section(world.pupil_in, *PERIOD)
    html = render_to_string(template, ctx)
    assert "No incidents were recorded in this period." in html and "<svg" not in html
    assert ctx["comparison"][0]["change"] == "−1" and ctx["comparison"][2]["change"] == "–"


@pytest.fixture
def with_others(history, school_day):
    """Amelia's incident with Isla and Oliver involved, named by staff in the free text."""
    incident = log(history, school_day, at(D(2026, 10, 20), 12, 10), period="Lunch", place="Playground",
                   antecedent_picks=["Peer conflict"], antecedent="Isla took the ball Amelia was using",
                   behaviour="Amelia pushed isla morgan and shouted at Oliver Khan",
                   consequence="Mrs Patel separated Amelia and Oliver", activity="Football with Isla",
                   intensity=3, duration_minutes=4)
    InvolvedPupil.objects.create(incident=incident, pupil=history.pupil_out, part="Isla was pushed")
    InvolvedPupil.objects.create(incident=incident, pupil=history.pupil_class, part="")
    # Isla's own incident the same week, naming Amelia: not in Amelia's appendix at all.
    log(history, school_day, at(D(2026, 10, 21), 9, 0), pupil=history.pupil_out, behaviour="Isla cried")
    return history


def test_appendix_lists_every_incident_and_never_names_another_pupil(with_others, django_assert_num_queries):
    # incidents with place, period and author (1), involved pupils (1), corrections (1), the school's
    # other pupils' names (1)
    with django_assert_num_queries(4):
        template, ctx = appendix_section(with_others.pupil_in, *PERIOD)
    assert template == "incidents/pack/appendix.html"
    rows = ctx["incidents"]
    assert [r["reference"] for r in rows] == [i.reference for i in Incident.objects.filter(
        pupil=with_others.pupil_in, local_date__range=PERIOD).order_by("occurred_at")]
    assert len(rows) == 6
    row = next(r for r in rows if r["activity"])
    assert row["abc"][0] == {"picks": ["Peer conflict"], "text": "Another pupil took the ball Amelia was using"}
    assert row["abc"][1]["text"] == "Amelia pushed another pupil and shouted at another pupil"
    assert row["abc"][2]["text"] == "Mrs Patel separated Amelia and another pupil"
    assert row["activity"] == "Football with another pupil"
    assert row["others"] == ["Another pupil was pushed", ""]

    html = render_to_string(template, ctx)
    for name in ("Isla", "isla", "Morgan", "Oliver", "Khan", "Isla cried"):
        assert name not in html
    assert "Also involved: another pupil (Another pupil was pushed); another pupil" in html
    assert "Amelia Hughes" in html and "<script" not in html


def test_appendix_shows_corrected_values_marked_with_what_was_first_recorded(history):
    _, ctx = appendix_section(history.pupil_in, *PERIOD)
    [row] = [r for r in ctx["incidents"] if r["corrected"]]
    assert row["place"] == "Classroom" and row["corrected_fields"] == {"location"}
    [c] = row["corrections"]
    assert (c["field"], c["was"], c["now"], c["reason"], c["by"]) == (
        "Where", "Hall", "Classroom", "Typed the wrong room", "Senco Person")
    html = render_to_string("incidents/pack/appendix.html", ctx)
    assert "first recorded as\n              “Hall”, now “Classroom”" in html
    assert html.count("(corrected)") == 1 and ctx["corrected_count"] == 1


def test_an_incident_moved_to_this_pupil_by_correction_does_not_name_who_it_was_first_against(
        history, school_day):
    incident = log(history, school_day, at(D(2026, 10, 8), 11, 0), pupil=history.pupil_out)
    services.correct_fact(staff=staff_of(history, "senco"), incident=incident, field="pupil",
                          value=history.pupil_in, reason="Wrong child picked")
    _, ctx = appendix_section(history.pupil_in, *PERIOD)
    [row] = [r for r in ctx["incidents"] if r["reference"] == incident.reference]
    assert row["corrections"][0]["was"] == "another pupil"
    assert row["corrections"][0]["now"] == "Amelia Hughes"
    html = render_to_string("incidents/pack/appendix.html", ctx)
    assert "Isla" not in html and "Morgan" not in html


def test_a_shared_first_name_does_not_hide_the_pupil_herself(history, school_day):
    twin = PupilFactory(school=history.school, legal_first_name="Amelia", legal_last_name="Stone")
    incident = log(history, school_day, at(D(2026, 10, 9), 11, 0),
                   behaviour="Amelia Stone and Amelia argued over the iPad")
    InvolvedPupil.objects.create(incident=incident, pupil=twin)
    _, ctx = appendix_section(history.pupil_in, *PERIOD)
    [row] = [r for r in ctx["incidents"] if r["reference"] == incident.reference]
    assert row["abc"][1]["text"] == "Another pupil and Amelia argued over the iPad"


def test_a_pupil_named_but_not_recorded_as_involved_is_not_named_either(with_others, school_day):
    """Staff name classmates who aren't recorded as involved in this incident, by first or preferred
    name: the school's pass replaces them (Isla and Oliver are involved in another incident, Freya
    and May in none), but not an adult after a title, a month used as a date, or her own name."""
    PupilFactory(school=with_others.school, legal_first_name="Freya", legal_last_name="Lewis", preferred_name="Fifi")
    PupilFactory(school=with_others.school, legal_first_name="May", legal_last_name="Shah")
    incident = log(with_others, school_day, at(D(2026, 10, 9), 11, 0), antecedent="Freya took her pencil in May",
                   behaviour="Amelia threw it at Fifi. Oliver laughed", consequence="Mrs Freya moved May away",
                   activity="Writing with Isla Morgan and Miss Isla")
    template, ctx = appendix_section(with_others.pupil_in, *PERIOD)
    [row] = [r for r in ctx["incidents"] if r["reference"] == incident.reference]
    assert [part["text"] for part in row["abc"]] == [
        "Another pupil took her pencil in May", "Amelia threw it at another pupil. Another pupil laughed",
        "Mrs Freya moved another pupil away"]
    assert row["activity"] == "Writing with another pupil and Miss Isla" and row["others"] == []
    html = render_to_string(template, ctx).replace("Miss Isla", "").replace("Mrs Freya", "")
    for name in ("Fifi", "Freya", "Oliver", "Isla", "Morgan", "Lewis", "Shah"):
        assert name not in html, name


def test_each_section_renders_in_weasyprint(with_others):
    from weasyprint import HTML

    for build in (behaviour_section, appendix_section):
        template, ctx = build(with_others.pupil_in, *PERIOD)
        html = f"<html lang='en-GB'><body>{render_to_string(template, ctx)}</body></html>"
        document = HTML(string=html).render()
        assert len(document.pages) >= 1
        assert document.write_pdf().startswith(b"%PDF")
