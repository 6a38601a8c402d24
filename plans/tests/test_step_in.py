"""Before you step in: the caseload's pupils at once; others by giving a reason (break-glass)."""

import datetime

import pytest

from plans.models import BehaviourSupportPlan, PositiveHandlingPlan, VersionStatus
from sendsupport.models import AccessLog, Notification


def in_force_bsp(pupil, author, **fields):
    return BehaviourSupportPlan.objects.create(
        pupil=pupil, created_by=author, status=VersionStatus.IN_FORCE, behaviours_of_concern="Running from class",
        early_warning_signs="Rocking, hands over ears", triggers="Fire alarm tests",
        deescalation_strategies="Offer the quiet corner\nUse few words", reactive_strategies="Clear the room",
        review_date=datetime.date(2027, 3, 1), **fields)


def test_ta_opens_step_in_for_their_pupil(client, world):
    in_force_bsp(world.pupil_in, world.people["senco"])
    PositiveHandlingPlan.objects.create(pupil=world.pupil_in, created_by=world.people["senco"],
                                        status=VersionStatus.IN_FORCE, approved_techniques="Single elbow guide",
                                        prohibited_techniques="No floor holds: epilepsy",
                                        training_scheme="team_teach", review_date=datetime.date(2027, 3, 1))
    client.force_login(world.people["ta"])
    page = client.get(f"/pupils/{world.pupil_in.pk}/step-in/").content.decode()
    for text in ["Epilepsy", "Peanuts", "Rocking, hands over ears", "Offer the quiet corner", "Clear the room",
                 "Single elbow guide", "No floor holds", world.pupil_in.what_helps]:
        assert text in page
    assert AccessLog.objects.filter(pupil=world.pupil_in, action="pupil.step_in.view").count() == 1


def test_a_draft_or_superseded_plan_is_not_shown(client, world):
    in_force_bsp(world.pupil_in, world.people["senco"], version=1)
    BehaviourSupportPlan.objects.filter(pupil=world.pupil_in).update(status=VersionStatus.SUPERSEDED)
    client.force_login(world.people["ta"])
    page = client.get(f"/pupils/{world.pupil_in.pk}/step-in/").content.decode()
    assert "Offer the quiet corner" not in page and "No behaviour support plan in force" in page


def test_outside_the_caseload_a_reason_is_needed_and_the_senco_is_told(client, world, django_capture_on_commit_callbacks):
    in_force_bsp(world.pupil_out, world.people["senco"])
    client.force_login(world.people["ta"])
    url = f"/pupils/{world.pupil_out.pk}/step-in/"
    page = client.get(url).content.decode()
    assert "isn't on your caseload" in page and "Offer the quiet corner" not in page
    assert world.pupil_out.what_helps not in page  # only name, class and photo before the reason
    refused = client.post(url, {"reason": " "})
    assert refused.status_code == 400 and "Say briefly why" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        shown = client.post(url, {"reason": "Covering 4B this afternoon"})
    assert shown.status_code == 200 and "Offer the quiet corner" in shown.content.decode()
    log = AccessLog.objects.get(pupil=world.pupil_out, action="pupil.step_in.break_glass")
    assert log.user == world.people["ta"] and log.reason == "Covering 4B this afternoon"
    told = Notification.objects.get(user=world.people["senco"])
    assert "Covering 4B" in told.body and world.pupil_out.display_name in told.subject
    assert not Notification.objects.filter(user=world.people["dsl"]).exists()
    # the next visit needs a reason again
    assert "isn't on your caseload" in client.get(url).content.decode()


def test_office_staff_also_need_a_reason(client, world):
    client.force_login(world.people["admin"])
    assert "isn't on your caseload" in client.get(f"/pupils/{world.pupil_in.pk}/step-in/").content.decode()


@pytest.mark.parametrize("role", ["ta", "senco", "admin"])
def test_another_schools_pupil_does_not_exist(client, world, role):
    client.force_login(world.people[role])
    assert client.get(f"/pupils/{world.pupil_other_school.pk}/step-in/").status_code == 404
    assert client.post(f"/pupils/{world.pupil_other_school.pk}/step-in/", {"reason": "x" * 20}).status_code == 404


def test_finding_any_pupil_shows_only_name_and_class(client, world):
    client.force_login(world.people["ta"])
    page = client.get("/step-in/", {"q": "Morgan"}).content.decode()
    assert "Isla Morgan" in page and "4B" in page and world.pupil_out.upn not in page
    other = client.get("/step-in/", {"q": "Evans"}).content.decode()
    assert "No pupil matches" in other and f"/pupils/{world.pupil_other_school.pk}/" not in other


def test_step_in_runs_a_fixed_number_of_queries(client, world, django_assert_num_queries):
    client.force_login(world.people["ta"])
    for n in (1, 5):
        for v in range(n):
            BehaviourSupportPlan.objects.create(pupil=world.pupil_in, created_by=world.people["senco"],
                                                status=VersionStatus.SUPERSEDED, behaviours_of_concern="x",
                                                review_date=datetime.date(2027, 1, 1))
        client.get("/")
        # session, user, membership, pupil, caseload check, access log, BSP in force, PHP in force,
        # session save (savepoint, update, release)
        with django_assert_num_queries(11):
            assert client.get(f"/pupils/{world.pupil_in.pk}/step-in/").status_code == 200
