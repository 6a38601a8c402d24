"""Date presets from the school's term dates."""

import datetime
from html import unescape

import pytest

from django.utils import timezone

from accounts.factories import MembershipFactory, TermFactory, UserFactory
from accounts.models import Term
from conftest import enrol_totp
from dashboards.filters import academic_year_start, preset_range

D = datetime.date


@pytest.fixture
def terms():
    return [
        Term(name="Summer 2026", starts_on=D(2026, 4, 20), ends_on=D(2026, 7, 22),
             half_term_starts_on=D(2026, 5, 25), half_term_ends_on=D(2026, 5, 29)),
        Term(name="Autumn 2026", starts_on=D(2026, 9, 2), ends_on=D(2026, 12, 18),
             half_term_starts_on=D(2026, 10, 26), half_term_ends_on=D(2026, 10, 30)),
    ]


@pytest.mark.parametrize("preset, today, expected", [
    ("this_term", D(2026, 11, 24), (D(2026, 9, 2), D(2026, 11, 24))),
    ("this_half_term", D(2026, 11, 24), (D(2026, 10, 31), D(2026, 11, 24))),
    ("this_half_term", D(2026, 10, 5), (D(2026, 9, 2), D(2026, 10, 5))),
    ("this_half_term", D(2026, 10, 27), (D(2026, 9, 2), D(2026, 10, 25))),  # in the break: the half just ended
    ("last_term", D(2026, 11, 24), (D(2026, 4, 20), D(2026, 7, 22))),
    ("academic_year", D(2026, 11, 24), (D(2026, 9, 1), D(2026, 11, 24))),
    ("academic_year", D(2026, 6, 1), (D(2025, 9, 1), D(2026, 6, 1))),
    ("this_term", D(2026, 8, 10), (D(2026, 4, 20), D(2026, 7, 22))),  # summer holiday: the term just ended
    ("last_term", D(2026, 5, 1), None),  # no term before the first one stored
])
def test_presets_follow_the_schools_terms(terms, preset, today, expected):
    assert preset_range(preset, terms, today) == expected


def test_no_terms_means_no_term_preset():
    assert preset_range("this_term", [], D(2026, 11, 24)) is None
    assert academic_year_start(D(2026, 8, 31)) == D(2025, 9, 1)


def test_the_page_falls_back_to_twelve_weeks_without_term_dates_and_says_so(client, world):
    client.force_login(world.people["senco"])
    response = client.get("/dashboards/?preset=last_term")
    filters = response.context["filters"]
    assert filters.days == 84 and filters.preset == "custom"
    assert [unescape(e) for e in response.context["form"].errors["preset"]] == [
        "The school's term dates aren't entered yet. Ask whoever manages school set-up to enter them. "
        "The figures below are for the last 12 weeks."]


def _senco_who_also_sets_up_the_school(world):
    user = UserFactory(full_name="Senco Admin", email="senco-admin@oakfield.example")
    MembershipFactory(school=world.school, user=user, roles=["senco", "admin"])
    enrol_totp(user)
    return user


def test_last_term_without_its_dates_says_where_to_enter_them(client, world):
    """The demo's case: only this term is entered. "Last term" shows this term's figures and says
    why, next to the field, with a link to school set-up for those who may enter term dates."""
    today = timezone.localdate()
    TermFactory(school=world.school, name="This term", starts_on=today - datetime.timedelta(days=30),
                ends_on=today + datetime.timedelta(days=30))
    client.force_login(world.people["senco"])
    response = client.get("/dashboards/?preset=last_term")
    assert response.status_code == 200
    assert response.context["filters"].preset == "this_term"
    assert [unescape(e) for e in response.context["form"].errors["preset"]] == [
        "Last term's dates aren't entered yet. Ask whoever manages school set-up to enter them. "
        "The figures below are for this term."]
    html = response.content.decode()
    assert 'id="id_preset-error">Last term&#x27;s dates aren&#x27;t entered yet.' in html
    client.force_login(_senco_who_also_sets_up_the_school(world))
    html = client.get("/dashboards/?preset=last_term").content.decode()
    assert ('entered yet. Enter them in <a href="/staff/school-setup/">school set-up</a>. The figures below are '
            "for this term.</div>") in html
    # An export with that link is refused, in plain words.
    response = client.get("/dashboards/export/weekly.csv?preset=last_term")
    assert response.status_code == 400 and b"<a" not in response.content


def test_an_export_with_filters_that_do_not_hold_is_refused_not_widened(client, world):
    """Another school's pupil in an export's link must not fall back to the whole school's figures."""
    client.force_login(world.people["senco"])
    response = client.get(f"/dashboards/export/locations.csv?pupil={world.pupil_other_school.pk}")
    assert response.status_code == 400 and b"filters aren't valid" in response.content
    pupil_page = f"/dashboards/pupils/{world.pupil_in.pk}/export/over_time.csv?pupil={world.pupil_other_school.pk}"
    assert client.get(pupil_page).status_code == 400
    assert client.get("/dashboards/export/locations.csv").status_code == 200
