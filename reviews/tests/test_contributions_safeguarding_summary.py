"""The DSL's safeguarding summary for a pack: written and read only by DSL role holders, never changed,
printed as its own pack section only when one covers the period (concerns never are)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.template.loader import render_to_string

from accounts.factories import MembershipFactory, UserFactory
from accounts.middleware import staff_context_for
from conftest import enrol_totp
from reviews import services_contributions as services
from reviews.models_contributions import SafeguardingSummary
from reviews.sections_contributions import safeguarding_summary_section
from sendsupport.models import AccessLog

D = datetime.date
TEXT = "Known to children's social care since March; a plan is in place and school attends meetings."


def page(pupil):
    return f"/reviews/pupils/{pupil.pk}/safeguarding-summary/"


def add(world, *, pupil=None, start=D(2025, 11, 1), end=D(2026, 10, 31), text=TEXT):
    return services.add_safeguarding_summary(staff=staff_context_for(world.people["dsl"], None),
                                             pupil=pupil or world.pupil_in, period_start=start, period_end=end,
                                             text=text)


@pytest.fixture
def other_dsl(world):
    user = UserFactory(full_name="Riverside Dsl", email="dsl@riverside.example")
    MembershipFactory(school=world.other_school, user=user, roles=["dsl"])
    enrol_totp(user)
    return user


def test_dsl_adds_a_dated_summary_and_reads_it_logged_without_the_pupil(client, world):
    client.force_login(world.people["dsl"])
    response = client.post(page(world.pupil_in), {"period_start": "2025-11-01", "period_end": "2026-10-31",
                                                  "text": TEXT})
    assert response.status_code == 302 and response["Location"] == page(world.pupil_in)
    summary = SafeguardingSummary.objects.get()
    assert (summary.period_start, summary.period_end, summary.written_by) == (D(2025, 11, 1), D(2026, 10, 31),
                                                                              world.people["dsl"])
    html = client.get(page(world.pupil_in)).content.decode()
    assert TEXT.replace("'", "&#x27;") in html and "Amelia Hughes" in html
    [log] = AccessLog.objects.filter(action="reviews.safeguarding_summary.view")
    assert log.pupil is None and log.path == page(world.pupil_in)  # the pupil's "who viewed" page can't show it
    event = SafeguardingSummary.pgh_event_model.objects.get()
    assert event.pgh_context.metadata["action"] == "reviews.safeguarding_summary.add"


@pytest.mark.parametrize("role", ["ta", "teacher", "senco", "senior", "admin"])
def test_nobody_outside_the_safeguarding_team_reads_or_adds_a_summary(client, world, role):
    add(world)
    client.force_login(world.people[role])
    assert client.get(page(world.pupil_in)).status_code == 403
    assert client.post(page(world.pupil_in), {"period_start": "2025-11-01", "period_end": "2026-10-31",
                                              "text": "x"}).status_code == 403
    assert SafeguardingSummary.objects.count() == 1
    # Not even its link on the pupil page.
    assert "Safeguarding summary for packs" not in client.get(f"/pupils/{world.pupil_in.pk}/").content.decode()
    with pytest.raises(PermissionDenied):
        services.add_safeguarding_summary(staff=staff_context_for(world.people[role], None), pupil=world.pupil_in,
                                          period_start=D(2026, 1, 1), period_end=D(2026, 2, 1), text="x")


def test_another_schools_dsl_gets_not_found(client, world, other_dsl):
    client.force_login(other_dsl)
    assert client.get(page(world.pupil_in)).status_code == 404
    assert client.get(page(world.pupil_other_school)).status_code == 200


def test_dsl_sees_the_link_on_the_pupil_page(client, world):
    client.force_login(world.people["dsl"])
    assert page(world.pupil_in) in client.get(f"/pupils/{world.pupil_in.pk}/").content.decode()


def test_bad_input_is_refused_next_to_the_field_and_kept(client, world):
    client.force_login(world.people["dsl"])
    response = client.post(page(world.pupil_in), {"period_start": "2026-10-31", "period_end": "2026-01-01",
                                                  "text": "Kept words"})
    html = response.content.decode()
    assert response.status_code == 400 and "The period ends before it starts." in html and "Kept words" in html
    response = client.post(page(world.pupil_in), {"period_start": "2026-01-01", "period_end": "2026-10-31",
                                                  "text": "  "})
    assert response.status_code == 400 and "Write the summary." in response.content.decode()
    assert not SafeguardingSummary.objects.exists()


def test_a_summary_is_never_changed_or_deleted(world):
    summary = add(world)
    with pytest.raises(DatabaseError), transaction.atomic():
        SafeguardingSummary.objects.filter(pk=summary.pk).update(text="Rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        SafeguardingSummary.objects.filter(pk=summary.pk).delete()


def test_section_only_when_a_summary_covers_the_period(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert safeguarding_summary_section(world.pupil_in, D(2025, 11, 1), D(2026, 10, 31)) is None
    add(world, start=D(2025, 11, 1), end=D(2026, 10, 31))
    add(world, start=D(2026, 9, 1), end=D(2026, 10, 31),
        text="Correction: the plan ended in September. Oliver Khan's family was not involved.")
    add(world, start=D(2023, 9, 1), end=D(2024, 7, 20), text="An old summary for an earlier review.")
    add(world, pupil=world.pupil_out, text="ISLA'S SUMMARY")
    assert safeguarding_summary_section(world.pupil_in, D(2024, 9, 1), D(2025, 8, 31)) is None
    with django_assert_num_queries(2):  # the summaries with their authors; other pupils' names
        template, context = safeguarding_summary_section(world.pupil_in, D(2025, 11, 1), D(2026, 10, 31))
    assert [s.text[:10] for s in context["summaries"]] == ["Known to c", "Correction"]  # oldest first
    html = render_to_string(template, {**context, "section_id": "safeguarding_summary",
                                       "section_title": "Safeguarding summary (from the DSL)"})
    assert 'id="safeguarding_summary"' in html and "Correction: the plan ended" in html
    assert context["summaries"][1].text.endswith("Another pupil's family was not involved.")
    assert "ISLA" not in html and "Oliver" not in html and "earlier review" not in html and "<script" not in html


def test_the_pupil_history_page_does_not_reveal_a_summary(client, world):
    add(world)
    client.force_login(world.people["senco"])
    history = client.get(f"/pupils/{world.pupil_in.pk}/history/").content.decode()
    assert "Caseload entry created" in history  # the page lists other things
    assert "afeguarding summary" not in history and "social care" not in history
