"""A school admin invites staff, assigns roles and caseloads, and deactivates leavers."""

import re

from django.core import mail

from accounts.models import Membership, User
from pupils.models import CaseloadEntry


def invite(client, world, email="new.ta@oakfield.example", roles=("ta",)):
    client.force_login(world.people["admin"])
    return client.post("/staff/invite/", {"full_name": "Priya Shah", "email": email, "job_title": "TA",
                                          "roles": list(roles)})


def test_admin_invites_staff_who_set_their_own_password_with_a_one_time_link(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, world)
    assert response.status_code == 302
    user = User.objects.get(email="new.ta@oakfield.example")
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user, school=world.school).roles == ["ta"]
    [message] = mail.outbox
    link = re.search(r"http://testserver(/staff/invite/\S+)", message.body).group(1)
    client.logout()
    page = client.get(link, follow=True)
    assert b"Set your password" in page.content
    set_url = page.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": "Blue-kettle-29x", "new_password2": "Blue-kettle-29x"})
    assert response.status_code == 302
    assert client.post("/accounts/login/", {"login": user.email, "password": "Blue-kettle-29x"}).status_code == 302
    client.logout()
    # the link works once
    assert b"expired or was already used" in client.get(link, follow=True).content


def test_invite_with_bad_input_keeps_what_was_typed(client, world):
    client.force_login(world.people["admin"])
    response = client.post("/staff/invite/", {"full_name": "Priya Shah", "email": "not-an-email", "roles": []})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Priya Shah" in page and "not-an-email" in page
    assert "Enter a valid email address" in page and "This field is required" in page
    assert not User.objects.filter(full_name="Priya Shah").exists()


def test_inviting_someone_already_at_the_school_is_refused(client, world):
    response = invite(client, world, email=world.people["ta"].email)
    assert response.status_code == 400 and b"already has access" in response.content


def test_admin_sets_roles_and_caseload(client, world):
    client.force_login(world.people["admin"])
    membership = world.school.memberships.get(user=world.people["other_ta"])
    client.post(f"/staff/{membership.pk}/", {"save_roles": "1", "roles": ["ta", "teacher"], "job_title": "HLTA"})
    membership.refresh_from_db()
    assert membership.roles == ["ta", "teacher"] and membership.job_title == "HLTA"
    client.post(f"/staff/{membership.pk}/", {"save_caseload": "1", "pupils": [world.pupil_out.pk],
                                             "class_groups": [world.class_in.pk]})
    entries = CaseloadEntry.objects.filter(user=world.people["other_ta"])
    assert {(e.pupil_id, e.class_group_id) for e in entries} == {(world.pupil_out.pk, None), (None, world.class_in.pk)}
    # the other TA now sees those pupils, and nobody else's
    client.force_login(world.people["other_ta"])
    assert client.get(f"/pupils/{world.pupil_out.pk}/").status_code == 200
    assert client.get(f"/pupils/{world.pupil_class.pk}/").status_code == 200
    assert client.get(f"/pupils/{world.pupil_in.pk}/").status_code == 404


def test_caseload_refuses_another_schools_pupil(client, world):
    client.force_login(world.people["admin"])
    membership = world.school.memberships.get(user=world.people["other_ta"])
    response = client.post(f"/staff/{membership.pk}/", {"save_caseload": "1",
                                                        "pupils": [world.pupil_other_school.pk]})
    assert response.status_code == 400
    assert not CaseloadEntry.objects.filter(user=world.people["other_ta"]).exists()


def test_deactivated_leaver_loses_access_at_once_and_records_stay_theirs(client, world):
    from django.test import Client

    ta = world.people["ta"]
    ta_client = Client()
    ta_client.force_login(ta)
    assert ta_client.get("/pupils/").status_code == 200
    client.force_login(world.people["admin"])
    membership = world.school.memberships.get(user=ta)
    client.post(f"/staff/{membership.pk}/deactivate/")
    # their open session is over, and they can't sign in again
    assert ta_client.get("/pupils/").status_code == 302
    response = Client().post("/accounts/login/", {"login": ta.email, "password": "demo-pass-2026"})
    assert response.status_code == 302 and response["Location"] == "/accounts/inactive/"
    ta.refresh_from_db()
    assert not ta.is_active and User.objects.filter(pk=ta.pk).exists()
    assert CaseloadEntry.objects.filter(user=ta).exists()  # nothing of theirs is deleted


def test_admin_cannot_deactivate_themselves(client, world):
    client.force_login(world.people["admin"])
    own = world.school.memberships.get(user=world.people["admin"])
    client.post(f"/staff/{own.pk}/deactivate/")
    own.refresh_from_db()
    assert own.is_active


def test_two_factor_reset_is_recorded(client, world):
    from allauth.mfa.models import Authenticator
    from django.apps import apps

    senco = world.people["senco"]
    client.force_login(world.people["admin"])
    membership = world.school.memberships.get(user=senco)
    client.post(f"/staff/{membership.pk}/reset-2fa/")
    assert not Authenticator.objects.filter(user=senco).exists()
    events = apps.get_model("accounts", "UserEvent").objects.filter(pgh_obj_id=senco.pk, pgh_label="update")
    reset = events.exclude(two_factor_reset_at=None).get()
    assert reset.pgh_context.metadata["user"] == world.people["admin"].pk
    assert reset.pgh_context.metadata["action"] == "staff.reset_2fa"


def test_school_setup_keeps_terms_periods_and_locations(client, world):
    client.force_login(world.people["admin"])
    data = {
        "settings-require_2fa_for_all": "on",
        "terms-TOTAL_FORMS": 1, "terms-INITIAL_FORMS": 0,
        "terms-0-name": "Spring 2027", "terms-0-starts_on": "2027-01-05", "terms-0-ends_on": "2027-03-26",
        "periods-TOTAL_FORMS": 1, "periods-INITIAL_FORMS": 0,
        "periods-0-name": "Lesson 1", "periods-0-starts_at": "09:00", "periods-0-ends_at": "10:00",
        "locations-TOTAL_FORMS": 1, "locations-INITIAL_FORMS": 0,
        "locations-0-name": "Sensory room", "locations-0-is_active": "on",
    }
    assert client.post("/staff/school-setup/", data).status_code == 302
    world.school.refresh_from_db()
    assert world.school.require_2fa_for_all
    assert world.school.terms.get().name == "Spring 2027"
    assert world.school.locations.get().name == "Sensory room"
    # a period that ends before it starts is refused, next to the field, and nothing is saved
    data.update({"periods-0-name": "Lesson 2", "periods-0-starts_at": "11:00", "periods-0-ends_at": "10:00",
                 "locations-0-name": "Library"})
    response = client.post("/staff/school-setup/", data)
    assert response.status_code == 400 and b"Lesson 2" in response.content
    assert not world.school.locations.filter(name="Library").exists()


def test_trust_admin_creates_a_school_with_its_first_admin(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("create_school", "Hillside Primary", urn="123456", admin_email="office@hillside.example", stdout=out)
    membership = Membership.objects.get(user__email="office@hillside.example")
    assert membership.school.name == "Hillside Primary" and membership.roles == ["admin"]
    assert "/staff/invite/" in out.getvalue()
