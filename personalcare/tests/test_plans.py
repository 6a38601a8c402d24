"""The SENCo writes care plans: a draft, signed off with parental consent and named staff; a change
after sign-off is a new version (named staff copied, consent asked for again). Reviews falling due
are listed for the SENCo."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from personalcare import services
from personalcare.models import CarePlan
from plans.models import VersionStatus

from .conftest import staff_of

TODAY = timezone.localdate


def plan_data(world, **over):
    return {
        "needs": "Toileting: not yet dry; uses pull-ups.", "how_care_is_given": "Prompt every 2 hours.",
        "communication": "Makaton sign for toilet.", "named_staff": [world.people["ta"].pk],
        "review_date": (TODAY() + datetime.timedelta(days=90)).isoformat(),
        "consent_given_by": "Dad", "consent_given_on": (TODAY() - datetime.timedelta(days=1)).isoformat(),
    } | over


def test_senco_writes_a_draft_then_signs_it_off(client, world):
    client.force_login(world.people["senco"])
    response = client.post(reverse("personalcare:plan_new", args=[world.pupil_in.pk]), plan_data(world))
    plan = CarePlan.objects.get()
    assert response.status_code == 302 and response.url == plan.get_absolute_url()
    assert plan.is_draft and list(plan.named_staff.all()) == [world.people["ta"]]
    # Named staff don't see a draft: they work from the plan in force.
    client.force_login(world.people["ta"])
    assert client.get(reverse("personalcare:pupil", args=[world.pupil_in.pk])).status_code == 404
    client.force_login(world.people["senco"])
    client.post(reverse("personalcare:plan_sign_off", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.is_in_force and plan.signed_off_by == world.people["senco"]
    client.force_login(world.people["ta"])
    assert client.get(reverse("personalcare:pupil", args=[world.pupil_in.pk])).status_code == 200


def test_bad_input_is_shown_next_to_the_field_and_kept(client, world):
    client.force_login(world.people["senco"])
    response = client.post(reverse("personalcare:plan_new", args=[world.pupil_in.pk]),
                           plan_data(world, communication="", review_date="2020-01-01", needs="Kept text"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "Say how the pupil communicates during care." in body and "This date has passed" in body
    assert "Kept text" in body and not CarePlan.objects.exists()


def test_sign_off_needs_consent_and_named_staff(world):
    senco = staff_of(world.people["senco"], world.school)
    from personalcare.factories import CarePlanFactory

    draft = CarePlanFactory(pupil=world.pupil_in, created_by=world.people["senco"], consent_given_by="")
    with pytest.raises(ValidationError) as exc:
        services.sign_off_plan(staff=senco, plan=draft)
    assert any("consent" in m for m in exc.value.messages)
    assert any("Name at least one" in m for m in exc.value.messages)
    draft.refresh_from_db()
    assert draft.is_draft


def test_a_plan_needing_a_second_adult_names_at_least_two_staff(client, world):
    from personalcare.factories import CarePlanFactory
    from personalcare.models import CarePlanStaff

    senco = staff_of(world.people["senco"], world.school)
    draft = CarePlanFactory(pupil=world.pupil_in, created_by=world.people["senco"], second_adult_required=True)
    CarePlanStaff.objects.create(plan=draft, user=world.people["ta"])
    message = "This plan needs a second adult: name at least two members of staff who give this care."
    with pytest.raises(ValidationError) as exc:
        services.sign_off_plan(staff=senco, plan=draft)
    assert exc.value.messages == [message]
    client.force_login(world.people["senco"])
    assert escape(message) in client.get(draft.get_absolute_url()).content.decode()  # before the SENCo signs
    CarePlanStaff.objects.create(plan=draft, user=world.people["teacher"])
    assert services.sign_off_plan(staff=senco, plan=draft).is_in_force


def test_a_change_after_sign_off_is_a_new_version(client, care):
    senco = staff_of(care.people["senco"], care.school)
    draft = services.amend_plan(staff=senco, plan=care.plan)
    assert services.amend_plan(staff=senco, plan=care.plan) == draft  # a second click, no second draft
    assert (draft.version, draft.lineage, draft.is_draft) == (2, care.plan.lineage, True)
    assert set(draft.named_staff.all()) == set(care.plan.named_staff.all())
    assert draft.consent_given_by == "" and draft.consent_given_on is None  # consent to this version
    assert draft.needs == care.plan.needs
    client.force_login(care.people["senco"])
    assert client.get(reverse("personalcare:plan_edit", args=[care.plan.pk])).status_code == 302  # in force
    response = client.post(reverse("personalcare:plan_edit", args=[draft.pk]),
                           plan_data(care, needs="Now dry in the day.", named_staff=[care.people["ta"].pk]))
    assert response.status_code == 302
    client.post(reverse("personalcare:plan_sign_off", args=[draft.pk]))
    care.plan.refresh_from_db()
    draft.refresh_from_db()
    assert care.plan.status == VersionStatus.SUPERSEDED and draft.is_in_force and draft.needs == "Now dry in the day."


def test_only_the_senco_writes_plans(care):
    for who in ("dsl", "ta", "senior"):
        with pytest.raises(PermissionDenied):
            services.amend_plan(staff=staff_of(care.people[who], care.school), plan=care.plan)


@pytest.mark.parametrize("who, status", [("dsl", 403), ("ta", 404), ("senior", 404), ("other_school_senco", 404)])
def test_others_cannot_start_a_plan(client, world, who, status):
    client.force_login(world.people[who])
    response = client.post(reverse("personalcare:plan_new", args=[world.pupil_in.pk]), plan_data(world))
    assert response.status_code == status
    assert not CarePlan.objects.exists()


def test_reviews_falling_due_are_listed_for_the_senco(client, care):
    CarePlan.objects.filter(pk=care.plan.pk).update(review_date=TODAY() + datetime.timedelta(days=10))
    CarePlan.objects.filter(pk=care.plan_isla.pk).update(review_date=TODAY() - datetime.timedelta(days=3))
    client.force_login(care.people["senco"])
    home = client.get("/").content.decode()
    assert "care-reviews-heading" in home and "Overdue" in home
    assert care.pupil_in.display_name in home and care.pupil_out.display_name in home
    listing = client.get(reverse("personalcare:list")).content.decode()
    assert "Review overdue" in listing and "Review due soon" in listing


def test_plan_page_flags_named_staff_without_moving_and_handling_training(client, care):
    from accounts.models import TrainingRecord

    CarePlan.objects.filter(pk=care.plan_isla.pk).update(moving_and_handling="Ceiling hoist; two adults.")
    TrainingRecord.objects.create(school=care.school, user=care.people["ta"], course="moving_handling",
                                  completed_on=TODAY() - datetime.timedelta(days=100),
                                  expires_on=TODAY() + datetime.timedelta(days=200))
    TrainingRecord.objects.create(school=care.other_school, user=care.people["other_ta"], course="moving_handling",
                                  completed_on=TODAY() - datetime.timedelta(days=100))  # another school's register
    client.force_login(care.people["senco"])
    body = client.get(care.plan_isla.get_absolute_url()).content.decode()
    assert "Moving and handling, valid until" in body
    assert body.count("No moving and handling training recorded") == 1  # the other TA
