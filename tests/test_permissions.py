"""Every URL pattern of ours, as every role, against pupils in and out of the caseload and in
another school. A new URL fails `test_every_url_pattern_is_in_the_matrix` until it is added here."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from pupils.models import Pupil

ROLES = ["ta", "teacher", "senco", "dsl", "senior", "admin"]
WHOLE_SCHOOL = {"senco", "dsl", "senior", "admin"}
CAN = {
    "read_sen": {"ta", "teacher", "senco", "dsl", "senior"},
    "edit": {"senco", "admin"},
    "history": {"senco", "dsl", "senior"},
    "manage_staff": {"admin"},
    "safeguarding": {"dsl"},
    "manage_medicines": {"senco", "admin"},
    "manage_interventions": {"senco"},
}

# url name -> (method, kind of object, ability needed or None, status on success)
MATRIX = {
    "home": ("get", None, None, 200),
    "pupils:list": ("get", None, None, 200),
    "pupils:create": ("get", None, "edit", 200),
    "pupils:detail": ("get", "pupil", None, 200),
    "pupils:one_page": ("get", "pupil", "read_sen", 200),
    "pupils:photo": ("get", "pupil", None, 404),  # no photo on file: 404 for everyone
    "pupils:edit": ("get", "pupil", "edit", 200),
    "pupils:archive": ("post", "pupil", "edit", 302),
    "pupils:history": ("get", "pupil", "history", 200),
    "pupils:viewers": ("get", "pupil", "history", 200),
    "accounts:staff_list": ("get", None, "manage_staff", 200),
    "accounts:staff_invite": ("get", None, "manage_staff", 200),
    "accounts:school_setup": ("get", None, "manage_staff", 200),
    "accounts:switch_school": ("get", None, None, 200),
    "step_in_find": ("get", None, None, 200),  # name and class only: any staff may look anyone up
    "accounts:staff_detail": ("get", "membership", "manage_staff", 200),
    "accounts:staff_deactivate": ("post", "membership", "manage_staff", 302),
    "accounts:staff_reactivate": ("post", "membership", "manage_staff", 302),
    "accounts:staff_reset_2fa": ("post", "membership", "manage_staff", 302),
    "safeguarding:raise": ("get", None, None, 200),
    "safeguarding:mine": ("get", None, None, 200),
    "safeguarding:list": ("get", None, "safeguarding", 200),
    "care:medicine_renew": ("get", "medicine", "manage_medicines", 200),
    "interventions:group_end": ("get", "group", "manage_interventions", 200),
    "interventions:programme_end": ("get", "programme", "manage_interventions", 200),
}
# Not walked here, with the reason: anonymous token link (tests/test_staff_lifecycle.py), health probe.
EXEMPT = {"accounts:accept_invite", "health", "notification_open"}  # last: own rows only, tested below
# Concern pages take concern ids and refuse non-DSL staff before any lookup (403 even for a
# pupil out of scope): walked in safeguarding/tests/test_concerns.py.
EXEMPT |= {"safeguarding:detail", "safeguarding:record", "safeguarding:received", "safeguarding:chronology"}
# Medication pages before the renewal page: tested in care/tests, most per role in test_views.py
# (not yet every role on stock_check, batch_return, plan_sign_off, medicine_new/edit, receive).
EXEMPT |= {f"care:{name}" for name in (
    "due", "give", "dose", "witness", "parent_told", "exceptions", "stock", "stock_check", "batch_return", "pupil",
    "plan", "plan_edit", "plan_sign_off", "medicine_new", "medicine_edit", "receive")}
# Interventions pages before the end-a-group and end-a-programme pages: walked per role in
# interventions/tests (test_placements, test_sessions, test_programmes, test_maps, test_impact).
EXEMPT |= {f"interventions:{name}" for name in (
    "home", "catalogue", "catalogue_create", "catalogue_edit", "groups", "group_create", "group", "group_edit",
    "placement_add", "placement", "placement_scores", "placement_review", "placement_end", "school_map",
    "pupil_map", "programmes", "programme_create", "programme", "programme_edit", "delivery_add",
    "programme_report", "today", "session_history", "session_record", "impact")}
OUR_NAMESPACES = {"pupils", "accounts", "safeguarding", "care", "interventions"}


def our_url_names():
    names = set()

    def walk(patterns, ns=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in OUR_NAMESPACES:
                    walk(p.url_patterns, p.namespace)
            elif isinstance(p, URLPattern) and p.name:
                names.add(f"{ns}:{p.name}" if ns else p.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_url_pattern_is_in_the_matrix():
    assert our_url_names() - EXEMPT == set(MATRIX), "add new URLs to MATRIX with their expected access"


def pupil_targets(world, role):
    """(pupil, in scope?) for the role: caseload, out of caseload, other school."""
    in_scope = {
        "ta": {world.pupil_in},
        "teacher": {world.pupil_class},
    }.get(role, {world.pupil_in, world.pupil_class, world.pupil_out})
    pupils = [world.pupil_in, world.pupil_class, world.pupil_out, world.pupil_other_school]
    return [(p, p in in_scope) for p in pupils]


def expected(role, ability, in_scope, ok_status):
    if not in_scope:
        return 404
    if ability and role not in CAN[ability]:
        return 403
    return ok_status


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access_matrix(client, world, role, name):
    from django.urls import reverse

    method, kind, ability, ok = MATRIX[name]
    client.force_login(world.people[role])
    if kind is None:
        cases = [((), True)]
    elif kind == "pupil":
        cases = [((p.pk,), scope) for p, scope in pupil_targets(world, role)]
    elif kind == "medicine":
        from care.factories import MedicineFactory

        # medication pages check the ability before the lookup: without it, a 403 whoever the pupil
        cases = [((MedicineFactory(pupil=p).pk,), scope or role not in CAN[ability])
                 for p, scope in pupil_targets(world, role)]
    elif kind == "group":
        from interventions.tests.test_placements import make_group, place

        # the ability first (403 for all but the SENCo), then the school: another school's group is a 404
        ours = make_group(world)
        place(world, ours, world.pupil_in)
        theirs = make_group(world, school=world.other_school, staff=())
        cases = [((ours.pk,), True), ((theirs.pk,), role not in CAN[ability])]
    elif kind == "programme":
        from interventions.tests.test_programmes import make_programme

        cases = [((make_programme(world, pupil=p).pk,), scope or role not in CAN[ability])
                 for p, scope in pupil_targets(world, role)]
    else:
        own = world.school.memberships.get(user=world.people["other_ta"])
        other = world.other_school.memberships.get()
        # without the ability it's a 403 before the lookup; with it, another school's staff are a 404
        cases = [((own.pk,), True), ((other.pk,), role not in CAN["manage_staff"])]
    # refusals first, so a success message from an allowed POST can't be mistaken for a leak
    for args, in_scope in sorted(cases, key=lambda c: c[1]):
        response = getattr(client, method)(reverse(name, args=args))
        want = expected(role, ability, in_scope, ok)
        assert response.status_code == want, f"{role} {method.upper()} {name}{args}: {response.status_code} != {want}"
        if want in (403, 404):
            assert b"Amelia" not in response.content and b"Noah" not in response.content


def test_school_staff_cannot_use_the_django_admin(client, world):
    client.force_login(world.people["admin"])
    response = client.get("/trust-admin/")
    assert response.status_code == 302 and "/trust-admin/login/" in response["Location"]


@pytest.mark.parametrize(
    "role,visible",
    [("ta", {"Hughes"}), ("teacher", {"Khan"}), ("senco", {"Hughes", "Khan", "Morgan"}),
     ("admin", {"Hughes", "Khan", "Morgan"})],
)
def test_pupil_list_search_and_count_show_only_what_the_role_may_see(client, world, role, visible):
    client.force_login(world.people[role])
    all_names = {"Hughes", "Khan", "Morgan", "Evans"}
    page = client.get("/pupils/").content.decode()
    assert {n for n in all_names if n in page} == visible
    assert f"{len(visible)} pupil" in page
    for name in all_names - visible:
        found = client.get("/pupils/", {"q": name}).content.decode()
        assert "0 pupils" in found and name not in found.split("results")[-1]
    # search by UPN leaks nothing either
    found = client.get("/pupils/", {"q": world.pupil_other_school.upn}).content.decode()
    assert "0 pupils" in found


def test_ta_home_shows_my_pupils_first(client, world):
    client.force_login(world.people["ta"])
    page = client.get("/").content.decode()
    assert "My pupils" in page and "Amelia Hughes" in page
    assert "Isla" not in page and "Oliver" not in page


def test_admin_sees_basics_but_not_sen_detail(client, world):
    client.force_login(world.people["admin"])
    page = client.get(f"/pupils/{world.pupil_in.pk}/").content.decode()
    assert "Parents and carers" in page and "Peanuts" in page  # contacts and medical alerts
    assert "What helps" not in page and world.pupil_in.what_helps not in page
    assert world.pupil_in.known_triggers not in page


def test_person_in_two_schools_sees_one_school_at_a_time(client, world):
    from accounts.factories import MembershipFactory

    senco = world.people["senco"]
    MembershipFactory(school=world.other_school, user=senco, roles=["ta"])
    client.force_login(senco)
    assert client.get(f"/pupils/{world.pupil_other_school.pk}/").status_code == 404
    client.post("/staff/switch-school/", {"school": world.other_school.pk})
    # now a TA at the other school with no caseload: the other school's pupils are out of scope too
    assert client.get(f"/pupils/{world.pupil_other_school.pk}/").status_code == 404
    assert client.get(f"/pupils/{world.pupil_in.pk}/").status_code == 404
    assert "Riverside Academy" in client.get("/").content.decode()


def test_visible_to_is_empty_without_a_school(world):
    from accounts.access import NO_ACCESS

    assert not Pupil.objects.visible_to(NO_ACCESS).exists()


def test_nobody_opens_another_persons_notification(client, world):
    from sendsupport.models import Notification

    note = Notification.objects.create(user=world.people["senco"], school=world.school, subject="Private")
    client.force_login(world.people["ta"])
    assert client.post(f"/inbox/{note.pk}/open/").status_code == 404
    client.force_login(world.people["senco"])
    assert client.post(f"/inbox/{note.pk}/open/").status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None
