"""manage.py seed_demo: idempotent, predictable logins, valid data, size option honoured."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from accounts.factories import DEMO_PASSWORD
from accounts.models import Location, Membership, Period, School, Term, TrainingRecord, User
from pupils.models import CaseloadEntry, ClassGroup, Contact, KeyAdult, Pupil
from pupils.upn import validate_upn
from sendsupport.demo import DEMO_SCHOOLS, LOGIN_PREFIX, TRUST_ADMIN_EMAIL, TWO_SCHOOLS_EMAIL

pytestmark = pytest.mark.django_db
ROLES = ["ta", "teacher", "senco", "dsl", "senior", "admin"]
MODELS = [School, User, Membership, Term, Period, Location, TrainingRecord, ClassGroup, Pupil, Contact,
          CaseloadEntry, KeyAdult]


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", "--pupils", "30", *args, stdout=out)
    return out.getvalue()


def counts():
    return {m.__name__: m.objects.count() for m in MODELS}


def test_seeding_twice_changes_nothing_the_second_time():
    first_output = seed()
    first = counts()
    assert first["School"] == 2 and first["Pupil"] == 60
    second_output = seed()
    assert counts() == first
    assert "already present" in second_output
    assert "ta@oakfield.demo" in first_output and "ta@oakfield.demo" in second_output


def test_every_role_has_its_predictable_login_in_each_school():
    seed()
    for spec in DEMO_SCHOOLS[:2]:
        school = School.objects.get(urn=spec.urn)
        for role in ROLES:
            email = f"{LOGIN_PREFIX[role]}@{spec.slug}.demo"
            user = User.objects.get(email=email)
            assert role in Membership.objects.get(school=school, user=user).roles, email
            assert user.check_password(DEMO_PASSWORD), email
    # One head holds senior leader and DSL; one person works in both schools with different roles.
    assert set(Membership.objects.get(user__email="head@oakfield.demo").roles) == {"senior", "dsl"}
    both = {m.school.urn: m.roles for m in Membership.objects.filter(user__email=TWO_SCHOOLS_EMAIL)}
    assert both == {"900001": ["senco"], "900002": ["teacher"]}
    admin = User.objects.get(email=TRUST_ADMIN_EMAIL)
    assert admin.is_superuser and admin.check_password(DEMO_PASSWORD)


def test_a_demo_login_signs_in_through_the_login_page(client):
    seed()
    response = client.post("/accounts/login/", {"login": "senco@riverside.demo", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(User.objects.get(email="senco@riverside.demo").pk)


def test_every_upn_is_valid_and_unique():
    seed()
    upns = list(Pupil.objects.values_list("upn", flat=True))
    for upn in upns:
        validate_upn(upn)
    assert len(set(upns)) == len(upns)


def test_pupil_data_is_consistent():
    seed()
    assert not Pupil.objects.filter(primary_need="NSA").exclude(sen_status="K").exists()
    assert not Pupil.objects.filter(secondary_need="NSA").exists()
    assert not Pupil.objects.exclude(sen_status="N").filter(primary_need="").exists()
    assert not Pupil.objects.filter(sen_status="N").exclude(primary_need="").exists()
    for pupil in Pupil.objects.select_related("class_group"):
        assert pupil.year_group == pupil.class_group.year_group
        # English school years: born September to August; Reception in 2026-27 born 2021-22.
        born = pupil.date_of_birth
        start_year = born.year if born.month >= 9 else born.year - 1
        assert start_year == 2021 - pupil.year_group, (pupil, born)
    assert Contact.objects.filter(pupil__isnull=False).values("pupil").distinct().count() == Pupil.objects.count()


def test_teaching_assistants_have_caseloads_and_teachers_a_class():
    seed()
    for membership in Membership.objects.filter(roles__contains=["ta"]):
        n = CaseloadEntry.objects.filter(school=membership.school, user=membership.user, pupil__isnull=False).count()
        assert 5 <= n <= 10, membership
    for membership in Membership.objects.filter(roles__contains=["teacher"]).exclude(user__email=TWO_SCHOOLS_EMAIL):
        assert CaseloadEntry.objects.filter(
            school=membership.school, user=membership.user, class_group__isnull=False
        ).count() == 1, membership


def test_size_and_school_options_are_honoured():
    seed("--schools", "1")
    school = School.objects.get()
    assert school.urn == "900001"
    assert Pupil.objects.filter(school=school).count() == 30
    assert not User.objects.filter(email=TWO_SCHOOLS_EMAIL).exists()


def test_writes_carry_the_demo_history_context():
    """Even rows written by services that name their own action (set_caseload) end up under the
    seed's single context: nested pghistory contexts share one row."""
    from pghistory.models import Context

    from accounts.models import MembershipEvent
    from pupils.models import CaseloadEntryEvent, PupilEvent

    seed()
    for event_model in (MembershipEvent, PupilEvent, CaseloadEntryEvent):
        contexts = set(event_model.objects.values_list("pgh_context_id", flat=True))
        assert len(contexts) == 1 and None not in contexts, event_model
    assert Context.objects.get(id=contexts.pop()).metadata == {"action": "demo.seed"}


def test_same_seed_gives_the_same_data():
    def snapshot():
        return list(Pupil.objects.order_by("upn").values_list(
            "upn", "legal_first_name", "legal_last_name", "date_of_birth", "sen_status", "primary_need"))

    runs = []
    for _ in range(2):
        with transaction.atomic():
            seed()
            runs.append(snapshot())
            transaction.set_rollback(True)
    assert runs[0] == runs[1] and runs[0]


def test_logins_only_prints_without_seeding():
    out = StringIO()
    call_command("seed_demo", "--logins-only", stdout=out)
    assert not School.objects.exists()
    assert "No demo data yet" in out.getvalue()
    seed()
    out = StringIO()
    call_command("seed_demo", "--logins-only", stdout=out)
    text = out.getvalue()
    for email in ("ta@oakfield.demo", "senco@riverside.demo", "head@oakfield.demo", TRUST_ADMIN_EMAIL):
        assert email in text
    assert DEMO_PASSWORD in text and "demo mode" in text
