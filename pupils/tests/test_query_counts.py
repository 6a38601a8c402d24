"""Pupil pages run a fixed number of queries whatever the data size."""

import pytest

from pupils.factories import CaseloadEntryFactory, ContactFactory, PupilFactory


def grow(world, n):
    for _ in range(n):
        pupil = PupilFactory(school=world.school, class_group=world.class_in)
        ContactFactory(pupil=pupil)
        CaseloadEntryFactory(school=world.school, user=world.people["ta"], pupil=pupil)


@pytest.mark.parametrize("role", ["senco", "ta"])
def test_pupil_list_query_count_is_flat(client, world, django_assert_num_queries, role):
    client.force_login(world.people[role])
    # session, user, membership+school, class list for the filter, count, page of pupils (caseload
    # flag annotated), session save (savepoint, update, release). The MFA check is cached in the session.
    for extra in (2, 30):
        grow(world, extra)
        client.get("/pupils/")  # warm the session's MFA flag
        with django_assert_num_queries(9):
            response = client.get("/pupils/", {"q": ""})
        assert response.status_code == 200


def test_pupil_profile_query_count_is_flat(client, world, django_assert_num_queries):
    """Other apps add panels to this page, so the count is pinned by its growth (none), not a total.
    Each panel pins its own queries in its app's tests."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from incidents.factories import IncidentFactory

    client.force_login(world.people["senco"])
    counts = []
    for extra in (1, 20):
        for _ in range(extra):
            ContactFactory(pupil=world.pupil_in)
            IncidentFactory(pupil=world.pupil_in)
        client.get("/")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/pupils/{world.pupil_in.pk}/").status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] and counts[0] <= 30, counts
