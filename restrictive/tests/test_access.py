"""Who may do what: anyone who may read the incident writes the record, debriefs and the parents'
report; sign-off needs a senior leader or the SENCo (403 for others); the parents' letter is for
them and the record's author. Another school's or another caseload's incident is a 404."""

import pytest

from incidents.models import InvolvedPupil
from restrictive.models import RestrictiveIntervention

from .helpers import force_incident, make_record, url

PAGES = ["new", "detail", "debrief/", "parents/", "sign-off/", "letter.pdf"]


def _url(ri, page):
    if page == "new":
        return url(ri.incident)
    return url(ri.incident, ri, "" if page == "detail" else page)


@pytest.fixture
def records(world):
    """A record on an incident about a pupil in the teacher's class, written by the TA (whose own
    incident it is); and one on an incident the school admin logged."""
    by_ta = make_record(world, incident=force_incident(world, pupil=world.pupil_class, author=world.people["ta"]))
    by_admin = make_record(world, incident=force_incident(world, pupil=world.pupil_class,
                                                          author=world.people["admin"]),
                           author=world.people["admin"])
    return {"ta": by_ta, "teacher": by_ta, "dsl": by_ta, "senco": by_ta, "senior": by_ta, "admin": by_admin}


@pytest.mark.parametrize("persona", ["ta", "teacher", "dsl", "admin"])
def test_sign_off_is_refused_without_the_review_role(client, world, records, persona):
    ri = records[persona]
    client.force_login(world.people[persona])
    assert client.get(ri.get_absolute_url()).status_code == 200  # they may read it...
    assert client.get(_url(ri, "sign-off/")).status_code == 403  # ...but not sign it off
    assert client.post(_url(ri, "sign-off/"), {"comments": "Looks fine"}).status_code == 403
    assert not ri.reviews.exists()


@pytest.mark.parametrize("persona", ["senco", "senior"])
def test_senior_leaders_and_the_senco_sign_off(client, world, records, persona):
    ri = records[persona]
    client.force_login(world.people[persona])
    assert client.get(_url(ri, "sign-off/")).status_code == 200
    assert client.post(_url(ri, "sign-off/"), {"comments": "Reasonable"}).status_code == 302
    assert ri.reviews.get().author == world.people[persona]


@pytest.mark.parametrize("persona,status", [
    ("ta", 200),  # wrote the record
    ("teacher", 403), ("dsl", 403),  # may read it, did not write it, do not review
    ("senco", 200), ("senior", 200),
])
def test_the_parent_letter_is_for_reviewers_and_the_author(client, world, records, persona, status):
    client.force_login(world.people[persona])
    response = client.get(_url(records[persona], "letter.pdf"))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", ["other_school_senco", "other_ta"])
def test_strangers_get_404_everywhere(client, world, persona, page):
    """Another school's SENCo, and a TA whose caseload doesn't include the pupil."""
    ri = make_record(world)  # the TA's own pupil (pupil_in)
    client.force_login(world.people[persona])
    assert client.get(_url(ri, page)).status_code == 404
    assert client.post(_url(ri, page), {"comments": "x"}).status_code == 404
    assert RestrictiveIntervention.objects.count() == 1 and not ri.reviews.exists()


def test_a_record_about_an_involved_pupil_outside_the_caseload_is_not_readable(client, world):
    """The teacher reads the incident about their class's pupil, but not the record written about
    an involved pupil they don't support: 404, and the panel names no one."""
    incident = force_incident(world, pupil=world.pupil_class, author=world.people["ta"])
    InvolvedPupil.objects.create(incident=incident, pupil=world.pupil_out)
    ri = make_record(world, incident=incident, pupil=world.pupil_out)
    client.force_login(world.people["teacher"])
    for page in ["detail", "debrief/", "parents/"]:
        assert client.get(_url(ri, page)).status_code == 404
    client.force_login(world.people["ta"])  # who wrote it
    assert client.get(ri.get_absolute_url()).status_code == 200
    client.force_login(world.people["senco"])
    assert client.get(ri.get_absolute_url()).status_code == 200


def test_signing_in_is_required(client, world):
    ri = make_record(world)
    response = client.get(ri.get_absolute_url())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
