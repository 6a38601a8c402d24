"""Every incidents URL as every role, with incidents about pupils in and out of the person's
caseload and in another school. Out of scope is a 404, a missing ability a 403. A new incidents
URL fails `test_every_incidents_url_is_covered` until it is added to EXPECT."""

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from incidents.factories import IncidentFactory
from incidents.models import IncidentDraft

ROLES = ["ta", "teacher", "senco", "dsl", "senior", "admin"]
READERS = {"ta", "teacher", "senco", "dsl", "senior"}
REVIEWERS = {"senco", "senior"}

# url name -> (method, kind of object, roles allowed (None: everyone), status on success)
EXPECT = {
    "incidents:list": ("get", None, READERS, 200),
    "incidents:new": ("get", None, None, 200),
    "incidents:full": ("get", None, None, 200),
    "incidents:mine": ("get", None, None, 200),
    "incidents:pupil_search": ("get", None, None, 200),
    "incidents:strategy_picks": ("get", None, None, 200),
    "incidents:autosave": ("post", None, None, 200),
    "incidents:export": ("get", None, REVIEWERS, 200),
    "incidents:discard_draft": ("post", "draft", None, 302),
    "incidents:pupil_timeline": ("get", "pupil", READERS, 200),
    "incidents:detail": ("get", "incident", None, 200),
    "incidents:addendum": ("post", "incident", None, 302),
    "incidents:correct": ("get", "incident", REVIEWERS, 200),
    "incidents:review": ("post", "incident", REVIEWERS, 302),
}


def incidents_url_names():
    names = set()

    def walk(patterns, ns=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or ns)
            elif isinstance(p, URLPattern) and ns == "incidents":
                names.add(f"incidents:{p.name}")

    walk(get_resolver().url_patterns)
    return names


def test_every_incidents_url_is_covered():
    assert incidents_url_names() == set(EXPECT)


def in_scope(world, role):
    """The pupils whose incidents the role may read (none for office staff: not their business)."""
    return {"ta": {world.pupil_in}, "teacher": {world.pupil_class}, "admin": set()}.get(
        role, {world.pupil_in, world.pupil_class, world.pupil_out})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(EXPECT))
def test_incidents_access(client, world, role, name):
    method, kind, allowed, ok = EXPECT[name]
    user = world.people[role]
    client.force_login(user)
    data = {"text": "Later information", "kind": "note", "draft_key": str(uuid.uuid4())}
    if kind is None:
        cases = [((), True)]
    elif kind == "draft":
        mine = IncidentDraft.objects.create(school=world.school, author=user)
        theirs = IncidentDraft.objects.create(school=world.school, author=world.people["other_ta"])
        cases = [((mine.key,), True), ((theirs.key,), False)]
    else:
        pupils = [world.pupil_in, world.pupil_class, world.pupil_out, world.pupil_other_school]
        scope = in_scope(world, role)
        visible_pupils = scope if kind == "incident" else (
            {"ta": {world.pupil_in}, "teacher": {world.pupil_class}}.get(
                role, {world.pupil_in, world.pupil_class, world.pupil_out}))
        cases = []
        for pupil in pupils:
            if kind == "incident":
                incident = IncidentFactory(pupil=pupil, created_by=world.people["other_ta"])
                cases.append(((incident.pk,), pupil in visible_pupils))
            else:
                cases.append(((pupil.pk,), pupil in visible_pupils))
    for args, visible in sorted(cases, key=lambda c: c[1]):
        response = getattr(client, method)(reverse(name, args=args), data if method == "post" else None)
        want = ok if visible and (allowed is None or role in allowed) else (404 if not visible else 403)
        assert response.status_code == want, f"{role} {name}{args}: {response.status_code} != {want}"
        if want in (403, 404):
            assert b"Isla" not in response.content and b"Noah" not in response.content


@pytest.mark.parametrize("role", ROLES)
def test_lists_counts_and_export_show_only_what_the_role_may_read(client, world, role):
    from incidents.tests.helpers import places

    where = places(world)
    for pupil in (world.pupil_in, world.pupil_class, world.pupil_out, world.pupil_other_school):
        extra = {"location": where["hall"]} if pupil.school == world.school else {}
        IncidentFactory(pupil=pupil, created_by=world.people["other_ta"], **extra)
    client.force_login(world.people[role])
    scope = in_scope(world, role)
    listing = client.get("/incidents/")
    if role in READERS:
        shown = {i.pupil for i in listing.context["page"]["rows"]}
        assert shown == scope
        assert b"Noah" not in listing.content
    else:
        assert listing.status_code == 403
    home = client.get("/").content.decode()
    assert ("to review" in home) == (role in REVIEWERS)
    export = client.get("/incidents/export.csv")
    if role in REVIEWERS:
        body = b"".join(export.streaming_content).decode()
        assert body.count("\n") == 1 + len(scope) and "Noah" not in body
    else:
        assert export.status_code == 403


def test_a_ta_sees_their_own_logs_about_any_pupil_and_nothing_else_about_them(client, world):
    from incidents.tests.helpers import places

    where = places(world)
    ta = world.people["ta"]
    own = IncidentFactory(pupil=world.pupil_out, created_by=ta, location=where["hall"])
    IncidentFactory(pupil=world.pupil_out, created_by=world.people["senco"], location=where["hall"])
    client.force_login(ta)
    rows = client.get("/incidents/").context["page"]["rows"]
    assert rows == [own]
    assert client.get(f"/incidents/pupil/{world.pupil_out.pk}/").status_code == 404
    mine = client.get("/incidents/mine/").content.decode()
    assert own.get_absolute_url() in mine


def test_other_pupils_are_another_pupil_to_those_who_may_not_see_them(client, world):
    from incidents.models import InvolvedPupil

    incident = IncidentFactory(pupil=world.pupil_in, created_by=world.people["other_ta"])
    InvolvedPupil.objects.create(incident=incident, pupil=world.pupil_out, part="Pushed first")
    client.force_login(world.people["ta"])
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "Another pupil: Pushed first" in page and "Isla" not in page
    client.force_login(world.people["senco"])
    assert "Isla Morgan: Pushed first" in client.get(incident.get_absolute_url()).content.decode()
