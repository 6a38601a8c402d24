"""Behaviour support plans and positive-handling plans (with risk assessments and trained staff):
drafted and signed off by the SENCo, amended as new versions, read by the staff who support the
pupil. Data is built through the views and services a person would use."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import timezone

from accounts.factories import MembershipFactory, TrainingRecordFactory, UserFactory
from accounts.middleware import staff_context_for
from plans import services
from plans.forms_behaviour import PositiveHandlingPlanForm, RiskFormSet
from plans.models import BehaviourSupportPlan, PHPTrainedStaff, PositiveHandlingPlan, Risk, VersionStatus
from plans.panels_behaviour import behaviour_plans_panel
from plans.selectors_behaviour import active_staff
from plans.services_behaviour import save_handling_plan
from sendsupport.models import AccessLog


def today():
    """Read when used, not at import: a run that spans midnight would otherwise date things yesterday."""
    return timezone.localdate()


def review_on():
    return today() + datetime.timedelta(days=120)


def agreed():
    return today() - datetime.timedelta(days=60)


def agreed_again():
    return today() - datetime.timedelta(days=5)


# --- helpers ------------------------------------------------------------------------------------

def bsp_data(**overrides):
    data = {
        "behaviours_of_concern": "Throws chairs when asked to write",
        "setting_events": "Poor sleep",
        "triggers": "Writing tasks\nThe fire alarm",
        "early_warning_signs": "Rocking, hands over ears",
        "likely_function": "escape",
        "function_notes": "Most incidents start with a writing task",
        "proactive_strategies": "Visual timetable\n- Movement break every 20 minutes",
        "deescalation_strategies": "Offer the quiet corner\n• Use few words\n\n",
        "reactive_strategies": "Clear the room\nCall the SENCo",
        "post_incident_support": "Calm time, then a chat with a drawing",
        "review_date": review_on().isoformat(),
        "parents_agreed_on": "",
        "parents_agreement_notes": "",
    }
    data.update(overrides)
    return data


RISK = {"hazard": "Hits out when held", "who_is_at_risk": "Staff", "likelihood": "4", "severity": "3",
        "control_measures": "Two trained staff; friendly hold only", "residual_likelihood": "2",
        "residual_severity": "3", "owner": "SENCo"}


def php_data(risks=(), staff=(), existing=(), **overrides):
    """Form data for the handling plan page: ``existing`` are saved Risk rows (kept unless a dict
    in ``risks`` replaces one, matched by position); ``risks`` are new rows."""
    data = {
        "training_scheme": "team_teach",
        "approved_techniques": "Friendly hold\nSingle elbow",
        "prohibited_techniques": "No floor holds: epilepsy",
        "stage_anxiety": "Paces: offer a walk",
        "stage_escalation": "Shouts: clear the space",
        "stage_crisis": "Hits out: friendly hold, two staff",
        "recovery": "Quiet room with a drink",
        "review_date": review_on().isoformat(),
        "parents_agreed_on": "",
        "trained_staff": [u.pk for u in staff],
    }
    rows = []
    for r in existing:
        rows.append({"id": r.pk, "hazard": r.hazard, "who_is_at_risk": r.who_is_at_risk, "likelihood": r.likelihood,
                     "severity": r.severity, "control_measures": r.control_measures,
                     "residual_likelihood": r.residual_likelihood or "", "residual_severity": r.residual_severity or "",
                     "owner": r.owner})
    rows += [dict(r) for r in risks]
    rows.append({})  # the empty "Add a risk" row the page always shows
    data.update({"risks-TOTAL_FORMS": len(rows), "risks-INITIAL_FORMS": len(existing),
                 "risks-MIN_NUM_FORMS": 0, "risks-MAX_NUM_FORMS": 1000})
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"risks-{i}-{key}"] = value
    data.update(overrides)
    return data


def base(pupil):
    return f"/pupils/{pupil.pk}"


def make_bsp(pupil, author, status=VersionStatus.IN_FORCE, deescalation="Offer the quiet corner", **fields):
    return BehaviourSupportPlan.objects.create(
        pupil=pupil, created_by=author, status=status, behaviours_of_concern="Runs from class",
        deescalation_strategies=deescalation, review_date=review_on(),
        in_force_from=datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC) if status == VersionStatus.IN_FORCE else None,
        **fields)


def make_php(pupil, author, status=VersionStatus.IN_FORCE, **fields):
    return PositiveHandlingPlan.objects.create(
        pupil=pupil, created_by=author, status=status, approved_techniques="Friendly hold",
        training_scheme="team_teach", review_date=review_on(), **fields)


def page_text(response):
    return response.content.decode()


# --- behaviour support plan ---------------------------------------------------------------------

def test_senco_drafts_signs_off_and_amends_a_behaviour_plan(client, world):
    senco, pupil = world.people["senco"], world.pupil_in
    client.force_login(senco)
    created = client.post(f"{base(pupil)}/behaviour/new/", bsp_data())
    v1 = BehaviourSupportPlan.objects.get(pupil=pupil)
    assert created.status_code == 302 and created["Location"] == v1.get_absolute_url()
    assert v1.is_draft and v1.version == 1 and v1.created_by == senco

    page = page_text(client.get(v1.get_absolute_url()))
    assert "Draft: not in force yet" in page and "Don't work from it yet" in page
    assert "<li>Movement break every 20 minutes</li>" in page and "<li>Use few words</li>" in page
    assert AccessLog.objects.filter(user=senco, pupil=pupil, action="plan.bsp.view").count() == 1

    # Sign-off is refused until the parents' agreement is recorded: said next to the button.
    refused = client.post(f"{base(pupil)}/behaviour/{v1.pk}/sign-off/")
    assert refused.status_code == 400
    assert "Record the parents&#x27; agreement before signing off." in page_text(refused)
    v1.refresh_from_db()
    assert v1.is_draft

    client.post(f"{base(pupil)}/behaviour/{v1.pk}/edit/",
                bsp_data(parents_agreed_on=agreed().isoformat(), parents_agreement_notes="Meeting with mum"))
    signed = client.post(f"{base(pupil)}/behaviour/{v1.pk}/sign-off/", follow=True)
    v1.refresh_from_db()
    assert v1.is_in_force and v1.signed_off_by == senco and v1.in_force_from
    assert "is now in force" in page_text(signed) and "In force since" in page_text(signed)

    # Amend: a draft v2 copied from v1; v1 stays in force meanwhile.
    amended = client.post(f"{base(pupil)}/behaviour/{v1.pk}/amend/")
    v2 = BehaviourSupportPlan.objects.get(pupil=pupil, version=2)
    assert amended["Location"] == f"{base(pupil)}/behaviour/{v2.pk}/edit/"
    assert v2.is_draft and v2.lineage == v1.lineage and v2.triggers == v1.triggers
    assert client.post(f"{base(pupil)}/behaviour/{v1.pk}/amend/")["Location"].endswith(f"/{v2.pk}/edit/")
    assert BehaviourSupportPlan.objects.filter(pupil=pupil).count() == 2  # a second click is not a second draft
    # The agreement is not copied: this version needs the parents' agreement too.
    assert v2.parents_agreed_on is None
    assert "Version 2: enter the date the parents agreed" in page_text(client.get(f"{base(pupil)}/behaviour/{v2.pk}/edit/"))
    client.post(f"{base(pupil)}/behaviour/{v2.pk}/edit/",
                bsp_data(parents_agreed_on=agreed_again().isoformat(), triggers="Writing tasks\nSupply teachers"))
    draft_page = page_text(client.get(v2.get_absolute_url()))
    assert "Staff follow" in draft_page and "version 1, in force since" in draft_page

    client.post(f"{base(pupil)}/behaviour/{v2.pk}/sign-off/")
    v1.refresh_from_db(), v2.refresh_from_db()
    assert v2.is_in_force and v1.status == VersionStatus.SUPERSEDED and v1.superseded_at

    # v1 is still readable, clearly not the one in force, and read-only.
    old = page_text(client.get(v1.get_absolute_url()))
    assert "Superseded on" in old and "The fire alarm" in old and "version 2, in force since" in old
    assert "Amend (new version)" not in old and "Sign off" not in old
    refused_edit = client.get(f"{base(pupil)}/behaviour/{v1.pk}/edit/", follow=True)
    assert "can&#x27;t be changed" in page_text(refused_edit)
    client.post(f"{base(pupil)}/behaviour/{v1.pk}/edit/", bsp_data(triggers="Changed"))
    v1.refresh_from_db()
    assert v1.triggers == "Writing tasks\nThe fire alarm"
    assert client.post(f"{base(pupil)}/behaviour/{v1.pk}/sign-off/").status_code == 302
    v1.refresh_from_db()
    assert v1.status == VersionStatus.SUPERSEDED
    # All versions are listed on each version's page.
    current = page_text(client.get(v2.get_absolute_url()))
    assert v1.get_absolute_url() in current and "Version 1" in current and "Version 2" in current


def test_strategies_give_the_quick_pick_list_in_the_plans_order(world):
    plan = make_bsp(world.pupil_in, world.people["senco"], proactive_strategies="Visual timetable\n- Now/next board",
                    deescalation="Offer the quiet corner\n\n• Use few words\nVisual timetable",
                    reactive_strategies="Clear the room")
    assert plan.strategies() == ["Visual timetable", "Now/next board", "Offer the quiet corner", "Use few words",
                                 "Clear the room"]


def test_a_new_plan_while_one_is_in_force_goes_to_amend_or_the_draft(client, world):
    senco, pupil = world.people["senco"], world.pupil_in
    v1 = make_bsp(pupil, senco)
    client.force_login(senco)
    to_amend = client.get(f"{base(pupil)}/behaviour/new/", follow=True)
    assert to_amend.redirect_chain[-1][0] == v1.get_absolute_url()
    assert "Amend (new version)" in page_text(to_amend) and "has a behaviour support plan in force" in page_text(to_amend)
    client.post(f"{base(pupil)}/behaviour/new/", bsp_data())  # a second lineage is not started
    assert BehaviourSupportPlan.objects.filter(pupil=pupil).count() == 1
    client.post(f"{base(pupil)}/behaviour/{v1.pk}/amend/")
    v2 = BehaviourSupportPlan.objects.get(pupil=pupil, version=2)
    assert client.get(f"{base(pupil)}/behaviour/new/")["Location"] == f"{base(pupil)}/behaviour/{v2.pk}/edit/"


def test_a_bsp_with_mistakes_is_not_saved_and_says_what_to_fix(client, world):
    client.force_login(world.people["senco"])
    response = client.post(f"{base(world.pupil_in)}/behaviour/new/",
                           bsp_data(behaviours_of_concern="", review_date="", parents_agreement_notes="By phone"))
    page = page_text(response)
    assert response.status_code == 400 and not BehaviourSupportPlan.objects.exists()
    assert "Nothing was saved" in page and "Enter the date the parents agreed." in page
    assert 'id="id_behaviours_of_concern" aria-invalid="true"' in page or "is-invalid" in page
    # everything typed is kept
    assert "Rocking, hands over ears" in page and 'value="By phone"' in page and "Offer the quiet corner" in page


@pytest.mark.parametrize("kind", ["behaviour", "handling"])
def test_a_review_date_already_past_or_an_agreement_still_to_come_is_refused(client, world, kind):
    client.force_login(world.people["senco"])
    data = (bsp_data if kind == "behaviour" else php_data)(
        review_date=(today() - datetime.timedelta(days=1)).isoformat(),
        parents_agreed_on=(today() + datetime.timedelta(days=1)).isoformat())
    response = client.post(f"{base(world.pupil_in)}/{kind}/new/", data)
    assert response.status_code == 400
    assert "This date has passed" in page_text(response) and "This date is in the future" in page_text(response)
    assert not BehaviourSupportPlan.objects.exists() and not PositiveHandlingPlan.objects.exists()


# --- positive-handling plan ---------------------------------------------------------------------

def test_senco_builds_a_handling_plan_with_risks_and_staff_then_amends_it(client, world):
    senco, ta, pupil = world.people["senco"], world.people["ta"], world.pupil_in
    client.force_login(senco)
    second_risk = {**RISK, "hazard": "Runs into the road", "who_is_at_risk": "The pupil", "likelihood": "2",
                   "severity": "5", "residual_likelihood": "1", "residual_severity": "5"}
    created = client.post(f"{base(pupil)}/handling/new/", php_data(risks=[RISK, second_risk], staff=[senco, ta]))
    v1 = PositiveHandlingPlan.objects.get(pupil=pupil)
    assert created.status_code == 302 and created["Location"] == v1.get_absolute_url()
    assert [r.hazard for r in v1.risks.all()] == ["Hits out when held", "Runs into the road"]
    assert set(v1.trained_staff.all()) == {senco, ta} and v1.created_by == senco and v1.is_draft

    refused = client.post(f"{base(pupil)}/handling/{v1.pk}/sign-off/")
    assert refused.status_code == 400 and "Record that the parents were consulted" in page_text(refused)
    client.post(f"{base(pupil)}/handling/{v1.pk}/edit/",
                php_data(existing=v1.risks.all(), staff=[senco, ta], parents_agreed_on=agreed().isoformat()))
    client.post(f"{base(pupil)}/handling/{v1.pk}/sign-off/")
    v1.refresh_from_db()
    assert v1.is_in_force and v1.risks.count() == 2  # the edit kept the rows (no duplicates)

    page = page_text(client.get(v1.get_absolute_url()))
    assert "High</span> 12" in page and "Medium</span> 10" not in page and "High</span> 10" in page
    assert "Medium</span> 6" in page  # residual 2 x 3
    assert 'role="region" aria-label="Risk assessment table"' in page and 'tabindex="0"' in page
    assert "<li>Single elbow</li>" in page and "No floor holds: epilepsy" in page
    assert AccessLog.objects.filter(pupil=pupil, action="plan.php.view").exists()

    # Amend: risks and trained staff are copied into the v2 draft; v1 keeps its own.
    amended = client.post(f"{base(pupil)}/handling/{v1.pk}/amend/")
    v2 = PositiveHandlingPlan.objects.get(pupil=pupil, version=2)
    assert amended["Location"] == f"{base(pupil)}/handling/{v2.pk}/edit/"
    assert v2.risks.count() == 2 and set(v2.trained_staff.all()) == {senco, ta}
    assert set(v2.risks.values_list("pk", flat=True)).isdisjoint(v1.risks.values_list("pk", flat=True))
    third = {**RISK, "hazard": "Bites when frightened"}
    saved = client.post(f"{base(pupil)}/handling/{v2.pk}/edit/",
                        php_data(existing=v2.risks.all(), risks=[third], staff=[senco],
                                 parents_agreed_on=agreed_again().isoformat()))
    assert saved.status_code == 302, page_text(saved)
    client.post(f"{base(pupil)}/handling/{v2.pk}/sign-off/")
    v1.refresh_from_db(), v2.refresh_from_db()
    assert v2.is_in_force and v1.status == VersionStatus.SUPERSEDED
    assert v2.risks.count() == 3 and v1.risks.count() == 2
    assert set(v2.trained_staff.all()) == {senco} and set(v1.trained_staff.all()) == {senco, ta}
    old = page_text(client.get(v1.get_absolute_url()))
    assert "Superseded on" in old and "Bites when frightened" not in old and "Hits out when held" in old
    assert client.get(f"{base(pupil)}/handling/{v1.pk}/edit/")["Location"] == v1.get_absolute_url()


def test_save_and_add_another_risk_comes_back_to_the_form(client, world):
    client.force_login(world.people["senco"])
    response = client.post(f"{base(world.pupil_in)}/handling/new/", php_data(risks=[RISK], add_risk="1"))
    plan = PositiveHandlingPlan.objects.get()
    assert response["Location"] == f"{base(world.pupil_in)}/handling/{plan.pk}/edit/#new-risk"
    page = page_text(client.get(response["Location"]))
    assert "Hits out when held" in page and 'id="new-risk"' in page


def test_someone_who_has_left_is_shown_as_such(client, world):
    senco, ta, pupil = world.people["senco"], world.people["ta"], world.pupil_in
    plan = make_php(pupil, senco, status=VersionStatus.DRAFT)
    PHPTrainedStaff.objects.create(plan=plan, user=ta)
    ta.memberships.update(is_active=False)
    client.force_login(senco)
    assert "Left the school</span>" in page_text(client.get(plan.get_absolute_url()))
    form = page_text(client.get(f"{base(pupil)}/handling/{plan.pk}/edit/"))
    assert "No longer at the school, so removed from the plan when you save: Ta Person." in form


def test_a_posted_stranger_is_not_named_as_having_left(client, world):
    senco, pupil = world.people["senco"], world.pupil_in
    stranger = world.people["other_school_senco"]
    plan = make_php(pupil, senco, status=VersionStatus.DRAFT)
    client.force_login(senco)
    response = client.post(f"{base(pupil)}/handling/{plan.pk}/edit/", php_data(staff=[stranger], stage_crisis=""))
    assert response.status_code == 400
    assert stranger.full_name not in page_text(response)


def test_a_risk_row_can_be_removed_from_a_draft(client, world):
    senco, pupil = world.people["senco"], world.pupil_in
    plan = make_php(pupil, senco, status=VersionStatus.DRAFT)
    keep = Risk.objects.create(plan=plan, hazard="Keep me", who_is_at_risk="Staff", likelihood=2, severity=2,
                               control_measures="x")
    gone = Risk.objects.create(plan=plan, hazard="Remove me", who_is_at_risk="Staff", likelihood=2, severity=2,
                               control_measures="x")
    client.force_login(senco)
    data = php_data(existing=[keep, gone])
    data["risks-1-DELETE"] = "on"
    assert client.post(f"{base(pupil)}/handling/{plan.pk}/edit/", data).status_code == 302
    assert list(plan.risks.values_list("hazard", flat=True)) == ["Keep me"]


def test_a_bad_risk_row_saves_nothing_and_says_what_to_fix_next_to_it(client, world):
    senco, pupil = world.people["senco"], world.pupil_in
    client.force_login(senco)
    bad = {**RISK, "hazard": "Climbs the fence", "residual_likelihood": "3", "residual_severity": ""}
    response = client.post(f"{base(pupil)}/handling/new/", php_data(risks=[RISK, bad], staff=[senco]))
    page = page_text(response)
    assert response.status_code == 400
    assert not PositiveHandlingPlan.objects.exists() and not Risk.objects.exists() and not PHPTrainedStaff.objects.exists()
    assert "Nothing was saved" in page
    # The message sits with the second risk's residual severity field, and everything typed is kept.
    field_at = page.index('id="id_risks-1-residual_severity"')
    message_at = page.index("Give both the likelihood and the severity with the controls, or neither.")
    assert field_at < message_at < page.index('id="id_risks-1-owner"')
    assert "Climbs the fence" in page and "Hits out when held" in page and "No floor holds: epilepsy" in page
    assert f'value="{senco.pk}" checked' in page

    # On an existing draft, a bad row leaves the plan and its rows as they were.
    plan = make_php(pupil, senco, status=VersionStatus.DRAFT, stage_anxiety="Before")
    risk = Risk.objects.create(plan=plan, hazard="Hits out", who_is_at_risk="Staff", likelihood=3, severity=3,
                               control_measures="Two staff")
    worse = {**RISK, "likelihood": "1", "severity": "1", "residual_likelihood": "5", "residual_severity": "5"}
    response = client.post(f"{base(pupil)}/handling/{plan.pk}/edit/",
                           php_data(existing=[risk], risks=[worse], stage_anxiety="After", staff=[senco]))
    assert response.status_code == 400 and "can&#x27;t be higher than without them" in page_text(response)
    plan.refresh_from_db()
    assert plan.stage_anxiety == "Before" and plan.risks.count() == 1 and not plan.trained_staff.exists()


def test_saving_a_handling_plan_signed_off_meanwhile_changes_nothing(world):
    senco, pupil = world.people["senco"], world.pupil_in
    plan = make_php(pupil, senco, status=VersionStatus.DRAFT, stage_anxiety="Before", parents_agreed_on=today())
    form = PositiveHandlingPlanForm(php_data(stage_anxiety="After", staff=[senco]), instance=plan,
                                    staff_queryset=active_staff(world.school))
    risks = RiskFormSet(php_data(risks=[RISK]), instance=plan, prefix="risks")
    assert form.is_valid() and risks.is_valid()
    services.put_in_force(plan=PositiveHandlingPlan.objects.get(pk=plan.pk), acting_user=senco)  # someone else signs off
    with pytest.raises(ValidationError):
        save_handling_plan(form=form, risks_formset=risks, acting_user=senco, action="php.update")
    plan.refresh_from_db()
    assert plan.stage_anxiety == "Before" and not plan.risks.exists() and not plan.trained_staff.exists()


def test_trained_staff_are_chosen_from_the_schools_active_staff_with_their_training(client, world):
    senco, ta, pupil = world.people["senco"], world.people["ta"], world.pupil_in
    teacher = world.people["teacher"]
    TrainingRecordFactory(school=world.school, user=senco, course="team_teach",
                          completed_on=today() - datetime.timedelta(days=365),  # not replace(year=): 29 February
                          expires_on=today() + datetime.timedelta(days=300))
    TrainingRecordFactory(school=world.school, user=ta, course="team_teach", completed_on=datetime.date(2023, 1, 5),
                          expires_on=datetime.date(2024, 1, 5))
    TrainingRecordFactory(school=world.other_school, user=teacher, course="team_teach",
                          completed_on=today(),
                          expires_on=today() + datetime.timedelta(days=300))  # another school's register
    dsl = world.people["dsl"]
    TrainingRecordFactory(school=world.school, user=dsl, course="team_teach", completed_on=agreed(),
                          expires_on=today() + datetime.timedelta(days=10))
    left = UserFactory(full_name="Left Person")
    MembershipFactory(school=world.school, user=left, is_active=False)
    client.force_login(senco)
    form_page = page_text(client.get(f"{base(pupil)}/handling/new/"))
    assert "Left Person" not in form_page and "Riverside Senco" not in form_page
    assert "Expired</span> TEAM-TEACH expired on 5 Jan 2024" in form_page
    refused = client.post(f"{base(pupil)}/handling/new/",
                          php_data(staff=[world.people["other_school_senco"]]))
    assert refused.status_code == 400 and not PositiveHandlingPlan.objects.exists()
    assert "Select a valid choice" in page_text(refused)

    client.post(f"{base(pupil)}/handling/new/", php_data(staff=[senco, ta, teacher, dsl]))
    plan = PositiveHandlingPlan.objects.get(pupil=pupil)
    page = page_text(client.get(plan.get_absolute_url()))
    assert f"TEAM-TEACH, valid until {(today() + datetime.timedelta(days=300)):%-d %b %Y}" in page
    assert "Expired</span> TEAM-TEACH expired on 5 Jan 2024" in page
    assert "No training</span> No TEAM-TEACH training recorded" in page  # the teacher's is another school's
    assert "Expires soon</span> TEAM-TEACH, valid until" in page


def test_a_review_date_that_has_passed_is_flagged(client, world):
    plan = make_bsp(world.pupil_in, world.people["senco"])
    BehaviourSupportPlan.objects.filter(pk=plan.pk).update(review_date=today() - datetime.timedelta(days=1))
    client.force_login(world.people["ta"])
    assert "Overdue</span>" in page_text(client.get(plan.get_absolute_url()))
    BehaviourSupportPlan.objects.filter(pk=plan.pk).update(review_date=today() + datetime.timedelta(days=7))
    assert "Due soon</span>" in page_text(client.get(plan.get_absolute_url()))


# --- who may do what ----------------------------------------------------------------------------

READ_OK = [("ta", "pupil_in"), ("teacher", "pupil_class"), ("senco", "pupil_out"), ("dsl", "pupil_out"),
           ("senior", "pupil_out")]


@pytest.mark.parametrize("kind", ["behaviour", "handling"])
@pytest.mark.parametrize("role,pupil_name", READ_OK)
def test_staff_who_support_the_pupil_read_the_plan(client, world, kind, role, pupil_name):
    pupil = getattr(world, pupil_name)
    plan = (make_bsp if kind == "behaviour" else make_php)(pupil, world.people["senco"])
    client.force_login(world.people[role])
    page = page_text(client.get(f"{base(pupil)}/{kind}/{plan.pk}/"))
    assert "In force since" in page
    assert ("Amend (new version)" in page) == (role == "senco")


@pytest.mark.parametrize("kind", ["behaviour", "handling"])
@pytest.mark.parametrize("role,pupil_name,status", [
    ("ta", "pupil_out", 404), ("ta", "pupil_other_school", 404), ("teacher", "pupil_in", 404),
    ("other_ta", "pupil_in", 404), ("other_school_senco", "pupil_in", 404), ("admin", "pupil_in", 403),
])
def test_others_cannot_read_the_plan(client, world, kind, role, pupil_name, status):
    pupil = getattr(world, pupil_name)
    plan = (make_bsp if kind == "behaviour" else make_php)(pupil, world.people["senco"])
    client.force_login(world.people[role])
    assert client.get(f"{base(pupil)}/{kind}/{plan.pk}/").status_code == status
    assert not AccessLog.objects.filter(action__startswith="plan.").exists()


WRITES = ["new/", "{pk}/edit/", "{pk}/sign-off/", "{pk}/amend/"]


@pytest.mark.parametrize("kind", ["behaviour", "handling"])
@pytest.mark.parametrize("role,pupil_name,status", [
    ("ta", "pupil_in", 403), ("teacher", "pupil_class", 403), ("dsl", "pupil_in", 403),
    ("senior", "pupil_in", 403), ("admin", "pupil_in", 403), ("ta", "pupil_out", 404),
    ("other_school_senco", "pupil_in", 404),
])
def test_only_plan_editors_change_plans(client, world, kind, role, pupil_name, status):
    pupil = getattr(world, pupil_name)
    draft = (make_bsp if kind == "behaviour" else make_php)(pupil, world.people["senco"], status=VersionStatus.DRAFT,
                                                           parents_agreed_on=today())
    client.force_login(world.people[role])
    for path in WRITES:
        url = f"{base(pupil)}/{kind}/{path.format(pk=draft.pk)}"
        if "sign-off" not in path and "amend" not in path:
            assert client.get(url).status_code == status, url
        assert client.post(url, bsp_data() if kind == "behaviour" else php_data()).status_code == status, url
    draft.refresh_from_db()
    assert draft.is_draft and type(draft).objects.count() == 1


def test_a_school_can_let_a_deputy_edit_plans(client, world):
    from conftest import enrol_totp

    deputy = world.people["teacher"]
    deputy.memberships.filter(school=world.school).update(can_edit_plans=True)
    enrol_totp(deputy)  # editing plans needs two-factor sign-in, like the SENCo
    client.force_login(deputy)
    response = client.post(f"{base(world.pupil_class)}/behaviour/new/", bsp_data())
    assert response.status_code == 302 and "/behaviour/" in response["Location"]


@pytest.mark.parametrize("kind", ["behaviour", "handling"])
def test_another_pupils_plan_under_this_pupils_address_is_not_found(client, world, kind):
    make = make_bsp if kind == "behaviour" else make_php
    theirs = make(world.pupil_out, world.people["senco"], status=VersionStatus.DRAFT, parents_agreed_on=today())
    client.force_login(world.people["senco"])
    for path in ["{pk}/", "{pk}/edit/"]:
        assert client.get(f"{base(world.pupil_in)}/{kind}/{path.format(pk=theirs.pk)}").status_code == 404
    for path in ["{pk}/edit/", "{pk}/sign-off/", "{pk}/amend/"]:
        assert client.post(f"{base(world.pupil_in)}/{kind}/{path.format(pk=theirs.pk)}").status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_draft


def test_sign_off_and_amend_are_posts_only(client, world):
    plan = make_bsp(world.pupil_in, world.people["senco"])
    client.force_login(world.people["senco"])
    assert client.get(f"{base(world.pupil_in)}/behaviour/{plan.pk}/amend/").status_code == 405
    assert client.get(f"{base(world.pupil_in)}/behaviour/{plan.pk}/sign-off/").status_code == 405
    assert BehaviourSupportPlan.objects.count() == 1


def test_an_archived_pupils_plans_are_read_only(client, world):
    from django.utils import timezone

    pupil = world.pupil_in
    plan = make_bsp(pupil, world.people["senco"])
    type(pupil).objects.filter(pk=pupil.pk).update(archived_at=timezone.now())
    client.force_login(world.people["senco"])
    assert client.post(f"{base(pupil)}/behaviour/{plan.pk}/amend/").status_code == 302
    assert client.get(f"{base(pupil)}/behaviour/new/").status_code == 302
    assert BehaviourSupportPlan.objects.count() == 1
    page = page_text(client.get(plan.get_absolute_url()))
    assert "In force since" in page and "Amend (new version)" not in page


# --- the pupil page's panel ---------------------------------------------------------------------

def _panel(user, pupil):
    request = RequestFactory().get("/")
    request.user, request.staff = user, staff_context_for(user)
    return behaviour_plans_panel(request, pupil=pupil)


def test_the_pupil_panel_shows_the_plans_in_force_and_drafts_to_editors(world):
    senco, pupil = world.people["senco"], world.pupil_in
    bsp = make_bsp(pupil, senco)
    draft = make_bsp(pupil, senco, status=VersionStatus.DRAFT, lineage=bsp.lineage, version=2)
    for_ta = _panel(world.people["ta"], pupil).context
    assert for_ta["bsp"] == bsp and for_ta["php"] is None and not for_ta["can_edit"]
    for_senco = _panel(senco, pupil).context
    assert for_senco["bsp_draft"] == draft and for_senco["can_edit"]
    assert _panel(world.people["admin"], pupil) is None


def test_the_pupil_panel_renders(world):
    from django.template.loader import render_to_string

    senco, pupil = world.people["senco"], world.pupil_in
    make_bsp(pupil, senco)
    panel = _panel(senco, pupil)
    html = render_to_string(panel.template, {"ctx": panel.context, "pupil": pupil})
    assert "Behaviour support plan" in html and "In force</span> since 5 Jan 2026" in html
    assert "Write a positive-handling plan" in html and "Amend" not in html


# --- queries ------------------------------------------------------------------------------------

def test_the_behaviour_plan_page_runs_a_fixed_number_of_queries(client, world, django_assert_num_queries):
    senco, pupil = world.people["senco"], world.pupil_in
    plan = make_bsp(pupil, senco, version=100)
    client.force_login(world.people["ta"])
    for n in (1, 6):
        for i in range(n):
            make_bsp(pupil, senco, status=VersionStatus.SUPERSEDED, lineage=plan.lineage, version=n * 10 + i)
        BehaviourSupportPlan.objects.filter(pk=plan.pk).update(
            proactive_strategies="\n".join(f"Strategy {i}" for i in range(n * 5)))
        client.get("/")
        # session, user, membership, pupil, plan with author and signer, PHP in force, versions,
        # access log (with the history context), session save (savepoint, update, release)
        with django_assert_num_queries(11):
            page = client.get(plan.get_absolute_url())
        assert page.content.decode().count("Superseded on") == {1: 1, 6: 7}[n] and f"Strategy {n * 5 - 1}" in page.content.decode()


def test_the_handling_plan_page_runs_a_fixed_number_of_queries(client, world, django_assert_num_queries):
    senco, pupil = world.people["senco"], world.pupil_in
    plan = make_php(pupil, senco)
    client.force_login(world.people["ta"])
    staff_made = 0
    for n in (1, 6):
        for i in range(n):
            Risk.objects.create(plan=plan, hazard=f"Hazard {n}-{i}", who_is_at_risk="Staff", likelihood=3, severity=3,
                                control_measures="Two staff", residual_likelihood=1, residual_severity=3)
        while staff_made < n:
            user = UserFactory()
            MembershipFactory(school=world.school, user=user)
            TrainingRecordFactory(school=world.school, user=user, completed_on=agreed(),
                                  expires_on=today() + datetime.timedelta(days=300))
            PHPTrainedStaff.objects.create(plan=plan, user=user)
            staff_made += 1
        client.get("/")
        # session, user, membership, pupil, plan with author and signer, risks, trained staff, their
        # training, BSP in force, versions, access log, session save (savepoint, update, release)
        with django_assert_num_queries(14):
            page = page_text(client.get(plan.get_absolute_url()))
        assert f"Hazard {n}-{n - 1}" in page and page.count("valid until") == staff_made


@pytest.mark.parametrize("kind", ["bsp", "php"])
def test_opening_a_behaviour_plan_to_edit_it_is_logged_as_a_read(client, world, kind):
    senco, pupil = world.people["senco"], world.pupil_in
    make = make_bsp if kind == "bsp" else make_php
    plan = make(pupil, senco, status=VersionStatus.DRAFT)
    client.force_login(senco)
    part = "behaviour" if kind == "bsp" else "handling"
    assert client.get(f"{base(pupil)}/{part}/{plan.pk}/edit/").status_code == 200
    assert AccessLog.objects.filter(pupil=pupil, action=f"plan.{kind}.edit.view", user=senco).count() == 1
