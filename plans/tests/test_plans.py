"""EHCPs and SEN support plans: a SENCo drafts a plan with outcomes, targets and provision linked to
outcomes, puts it in force, amends it as a new version; staff read it; refusals for everyone else.
Data is built through the pages (the SENCo's own actions) or the same services they call."""

import datetime
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import staff_context_for
from plans import services, services_plans
from plans.forms_plans import PLAN_FORMS, OutcomeForm, ProvisionForm, TargetFormSet
from plans.models import Outcome, Plan, Provision, ProvisionOutcome, Target, VersionStatus
from plans.panels_plans import plan_panel
from plans.selectors_plans import review_flag
from sendsupport.models import AccessLog

D = datetime.date


# --- building plans the way a SENCo does ----------------------------------------------------------

def url(name, pupil, *args):
    return reverse(f"plans:{name}", args=[pupil.pk, *args])


def ehcp_fields(**overrides):
    data = {
        "local_authority": "Northshire County Council", "la_coordinator": "Priya Shah",
        "la_coordinator_contact": "01632 960123", "date_issued": "", "last_annual_review": "",
        "section_a": "Loves trains; wants to work on the railway.", "section_b": "Autism; speech and language needs.",
        "section_c": "Epilepsy, well controlled.", "section_d": "None known.", "section_g": "School nurse plan.",
        "section_h1": "", "section_h2": "", "section_i": "Oakfield Primary (mainstream)", "section_j": "",
        "section_k": "EP report, SALT report.",
    }
    return {**data, **overrides}


def outcome_fields(area="ci", text="Amelia will ask an adult for help using a sentence.", targets=(), **extra):
    data = {"area_of_need": area, "text": text, "pfa_domain": "", "target_date": "2027-07-20",
            "targets-TOTAL_FORMS": str(max(len(targets), 1)), "targets-INITIAL_FORMS": "0",
            "targets-MIN_NUM_FORMS": "0", "targets-MAX_NUM_FORMS": "1000"}
    for i, (t_text, t_date) in enumerate(targets or [("", "")]):
        data[f"targets-{i}-text"], data[f"targets-{i}-target_date"] = t_text, t_date
    return {**data, **extra}


def provision_fields(outcomes, **extra):
    return {"description": "Small-group language sessions using Colourful Semantics.",
            "delivered_by": "TA trained by the speech and language therapist", "frequency": "3 times a week",
            "minutes": "30", "group_size": "1:4", "starts_on": "2026-09-07", "ends_on": "",
            "outcomes": [o.pk for o in outcomes], **extra}


def draft_ehcp(pupil, author, **fields):
    """A draft EHCP through the same form and service as the page."""
    form = PLAN_FORMS["ehcp"](ehcp_fields(**fields), instance=Plan(pupil=pupil, kind="ehcp"))
    assert form.is_valid(), form.errors
    return services.save_draft(form=form, acting_user=author, action="plan.create")


def add_outcome(plan, author, area="ci", text="An outcome", targets=(("A target", "2027-01-31"),)):
    data = outcome_fields(area=area, text=text, targets=targets)
    form = OutcomeForm(data, instance=Outcome(plan=plan))
    formset = TargetFormSet(data, instance=form.instance, prefix="targets")
    assert form.is_valid() and formset.is_valid(), (form.errors, formset.errors)
    return services_plans.save_outcome(plan=plan, form=form, targets_formset=formset, acting_user=author)


def add_provision(plan, author, outcomes, **extra):
    form = ProvisionForm(provision_fields(outcomes, **extra), instance=Provision(plan=plan), plan=plan)
    assert form.is_valid(), form.errors
    return services_plans.save_provision(plan=plan, form=form, acting_user=author)


def ehcp_in_force(pupil, author, issued="2026-03-02", **fields):
    plan = draft_ehcp(pupil, author, date_issued=issued, **fields)
    outcome = add_outcome(plan, author)
    add_provision(plan, author, [outcome])
    return services.put_in_force(plan=plan, acting_user=author)


def text_of(response):
    """The page's visible text, tags stripped and spaces collapsed, for reading assertions."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'").replace("&quot;", '"')


# --- the SENCo's journey -----------------------------------------------------------------------------

def test_senco_drafts_an_ehcp_and_puts_it_in_force_once_it_is_ready(client, world):
    senco, pupil = world.people["senco"], world.pupil_in
    client.force_login(senco)
    page = client.get(url("pupil_plans", pupil))
    assert page.status_code == 200 and "No EHCP or SEN support plan is in force" in text_of(page)
    assert url("plan_create", pupil, "ehcp") in page.content.decode()

    response = client.post(url("plan_create", pupil, "ehcp"), ehcp_fields())
    plan = Plan.objects.get(pupil=pupil)
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()
    assert (plan.kind, plan.status, plan.version, plan.created_by) == ("ehcp", "draft", 1, senco)
    assert plan.section_a == "Loves trains; wants to work on the railway."

    # Not ready: no outcomes, no issue date. Refused with both reasons, shown on the plan.
    response = client.post(url("plan_sign_off", pupil, plan.pk))
    assert response.status_code == 400
    page = text_of(response)
    assert "This plan can't be put in force yet" in page
    assert "Add at least one outcome before putting the plan in force." in page
    assert "Enter the date the local authority issued the EHCP." in page
    plan.refresh_from_db()
    assert plan.is_draft

    # An outcome with two SMART targets, saved together.
    response = client.post(url("outcome_create", pupil, plan.pk), outcome_fields(
        targets=[("Uses 'help please' with a visual prompt", "2026-12-18"), ("Asks without a prompt", "2027-03-31")]))
    assert response.status_code == 302
    outcome = plan.outcomes.get()
    assert [t.text for t in outcome.targets.all()] == ["Uses 'help please' with a visual prompt",
                                                       "Asks without a prompt"]
    assert [t.order for t in outcome.targets.all()] == [0, 1]

    # Provision linked to the outcome it serves.
    response = client.post(url("provision_create", pupil, plan.pk), provision_fields([outcome]))
    assert response.status_code == 302
    item = plan.provision.get()
    assert list(item.outcomes.all()) == [outcome] and item.minutes == 30

    response = client.post(url("plan_sign_off", pupil, plan.pk))
    assert response.status_code == 400
    assert "Enter the date the local authority issued the EHCP." in text_of(response)
    assert "Add at least one outcome" not in text_of(response)

    response = client.post(url("plan_edit", pupil, plan.pk), ehcp_fields(date_issued="2026-03-02"))
    assert response.status_code == 302
    response = client.post(url("plan_sign_off", pupil, plan.pk), follow=True)
    plan.refresh_from_db()
    assert (plan.status, plan.signed_off_by) == (VersionStatus.IN_FORCE, senco) and plan.in_force_from
    page = text_of(response)
    assert "EHCP version 1 is now in force" in page and "In force since" in page
    assert "Next annual review due 2 March 2027" in page


def test_the_plan_page_groups_outcomes_by_area_with_targets_and_the_provision_serving_each(client, world):
    senco, pupil = world.people["senco"], world.pupil_in
    plan = draft_ehcp(pupil, senco, date_issued="2026-03-02")
    semh = add_outcome(plan, senco, area="semh", text="Amelia will use her calm box when anxious.",
                       targets=[("Chooses the calm box from a choice of two", "")])
    speech = add_outcome(plan, senco, area="ci", text="Amelia will ask for help in a sentence.",
                         targets=[("Says 'help please'", "2026-12-18"), ("Asks a peer", "")])
    lonely = add_outcome(plan, senco, area="cl", text="Amelia will read a short book aloud.", targets=[])
    add_provision(plan, senco, [speech], description="Daily speech and language practice")
    add_provision(plan, senco, [speech, semh], description="Emotion coaching with the ELSA")
    client.force_login(senco)
    response = client.get(plan.get_absolute_url())
    assert response.status_code == 200
    page = text_of(response)
    # Areas in the Code of Practice's order; outcomes numbered in that order.
    ci = page.index("Communication and interaction")
    cl = page.index("Cognition and learning", ci)
    semh_at = page.index("Social, emotional and mental health", cl)
    assert page.index("Outcome 1 Amelia will ask for help") > ci
    assert cl < page.index("Outcome 2 Amelia will read a short book") < semh_at
    assert page.index("Outcome 3 Amelia will use her calm box") > semh_at
    assert "Says 'help please' (by 18 Dec 2026)" in page and "Asks a peer" in page
    # The golden thread both ways.
    assert "Provision 1 : Daily speech and language practice Provision 2 : Emotion coaching" in page
    assert "Serves: Outcome 1 (Amelia will ask for help in a sentence.); Outcome 3" in page
    assert "No provision is linked to this outcome yet." in page  # the reading outcome
    assert f'href="#outcome-{lonely.pk}"' not in response.content.decode()  # nothing serves it
    # The SENCo's tools on a draft; the section letters of an EHCP.
    for text in ["Edit plan details and sections", "Add an outcome", "Add provision", "Put in force (issued)",
                 "A: Views, interests and aspirations", "E: Outcomes", "F: Special educational provision",
                 "K: Advice and information"]:
        assert text in page
    assert AccessLog.objects.filter(pupil=pupil, action="plan.view", user=senco).count() == 1


def test_senco_amends_a_plan_in_force_and_the_earlier_version_stays_readable(client, world):
    senco, pupil = world.people["senco"], world.pupil_in
    v1 = ehcp_in_force(pupil, senco)
    old_outcome = v1.outcomes.get()
    client.force_login(senco)

    response = client.post(url("plan_amend", pupil, v1.pk))
    v2 = Plan.objects.get(pupil=pupil, version=2)
    assert response.status_code == 302 and response["Location"] == v2.get_absolute_url()
    assert (v2.status, v2.lineage, v2.date_issued) == ("draft", v1.lineage, v1.date_issued)
    # A second click is not a second draft.
    assert client.post(url("plan_amend", pupil, v1.pk))["Location"] == v2.get_absolute_url()
    assert Plan.objects.filter(pupil=pupil).count() == 2

    # Outcomes, targets and provision copied, with the provision linked to the copied outcomes.
    new_outcome = v2.outcomes.get()
    assert new_outcome.pk != old_outcome.pk and new_outcome.lineage == old_outcome.lineage
    assert [t.text for t in new_outcome.targets.all()] == [t.text for t in old_outcome.targets.all()]
    assert list(v2.provision.get().outcomes.all()) == [new_outcome]
    assert list(v1.provision.get().outcomes.all()) == [old_outcome]

    # Changing the draft leaves version 1 as it was; version 1 stays in force meanwhile.
    client.post(url("outcome_edit", pupil, v2.pk, new_outcome.pk), outcome_fields(
        text="Amelia will ask for help in a sentence, in any lesson.",
        targets=[("Asks in maths", "2027-02-01")],
        **{"targets-INITIAL_FORMS": "0"}))
    old_outcome.refresh_from_db()
    assert old_outcome.text == "An outcome"
    v1.refresh_from_db()
    assert v1.is_in_force
    page = text_of(client.get(v2.get_absolute_url()))
    assert "Draft started" in page and "staff follow version 1" in page

    client.post(url("plan_sign_off", pupil, v2.pk))
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == ("superseded", "in_force") and v1.superseded_at
    assert Plan.objects.filter(pupil=pupil, status="in_force").count() == 1

    old = client.get(v1.get_absolute_url())
    assert old.status_code == 200
    page = text_of(old)
    assert "Superseded" in page and "An outcome" in page and "Go to version 2, in force" in page
    assert "Edit outcome" not in page and "Put in force" not in page
    plans_page = text_of(client.get(url("pupil_plans", pupil)))
    assert "EHCP version 2 In force" in plans_page and "EHCP version 1 Superseded" in plans_page


def test_amending_a_superseded_version_starts_a_draft_from_it(client, world):
    senco, pupil = world.people["senco"], world.pupil_in
    v1 = ehcp_in_force(pupil, senco, section_b="Needs as at version 1")
    client.force_login(senco)
    client.post(url("plan_amend", pupil, v1.pk))
    v2 = Plan.objects.get(pupil=pupil, version=2)
    client.post(url("plan_edit", pupil, v2.pk), ehcp_fields(date_issued="2026-03-02", section_b="Changed"))
    client.post(url("plan_sign_off", pupil, v2.pk))
    response = client.post(url("plan_amend", pupil, v1.pk))
    v3 = Plan.objects.get(pupil=pupil, version=3)
    assert response["Location"] == v3.get_absolute_url()
    assert v3.section_b == "Needs as at version 1" and v3.is_draft


def test_signed_off_versions_cannot_be_edited(client, world):
    senco, pupil = world.people["senco"], world.pupil_in
    plan = ehcp_in_force(pupil, senco)
    outcome, item = plan.outcomes.get(), plan.provision.get()
    client.force_login(senco)
    attempts = [
        ("plan_edit", [plan.pk], ehcp_fields(section_a="Changed after sign-off")),
        ("outcome_create", [plan.pk], outcome_fields(text="Sneaked in")),
        ("outcome_edit", [plan.pk, outcome.pk], outcome_fields(text="Changed after sign-off")),
        ("provision_create", [plan.pk], provision_fields([outcome])),
        ("provision_edit", [plan.pk, item.pk], provision_fields([outcome], description="Changed")),
        ("plan_sign_off", [plan.pk], {}),
    ]
    for name, args, data in attempts:
        for method in (client.get, client.post):
            if name == "plan_sign_off" and method == client.get:
                continue
            response = method(url(name, pupil, *args), data, follow=True)
            assert response.redirect_chain[-1][0] == plan.get_absolute_url(), name
            expected = "Version 1 is already in force." if name == "plan_sign_off" else (
                'Version 1 is in force and can\'t be changed. Use "Amend (new version)" to make changes.')
            assert expected in text_of(response), name
    plan.refresh_from_db()
    assert plan.section_a == ehcp_fields()["section_a"]
    assert [o.text for o in plan.outcomes.all()] == ["An outcome"]
    assert [p.description for p in plan.provision.all()] == [provision_fields([])["description"]]


def test_a_senco_can_remove_a_target_from_a_draft_and_add_more(client, world):
    senco, pupil = world.people["senco"], world.pupil_in
    plan = draft_ehcp(pupil, senco)
    outcome = add_outcome(plan, senco, targets=[("Keep me", ""), ("Remove me", ""), ("Keep me too", "")])
    keep, remove, keep_too = outcome.targets.all()
    client.force_login(senco)
    form = client.get(url("outcome_edit", pupil, plan.pk, outcome.pk))
    assert form.status_code == 200 and "Remove this target" in text_of(form)
    data = outcome_fields(text=outcome.text, **{
        "targets-TOTAL_FORMS": "5", "targets-INITIAL_FORMS": "3",
        "targets-0-id": keep.pk, "targets-0-text": "Keep me", "targets-0-target_date": "",
        "targets-1-id": remove.pk, "targets-1-text": "Remove me", "targets-1-target_date": "",
        "targets-1-DELETE": "on",
        "targets-2-id": keep_too.pk, "targets-2-text": "Keep me too", "targets-2-target_date": "",
        "targets-3-text": "A new one", "targets-3-target_date": "2027-01-10",
        "targets-4-text": "", "targets-4-target_date": "",
        "more": "1",
    })
    response = client.post(url("outcome_edit", pupil, plan.pk, outcome.pk), data)
    assert response["Location"] == url("outcome_edit", pupil, plan.pk, outcome.pk)  # "save and add more"
    assert [(t.text, t.order) for t in outcome.targets.all()] == [("Keep me", 0), ("Keep me too", 1),
                                                                  ("A new one", 2)]
    assert not Target.objects.filter(pk=remove.pk).exists()


def test_next_review_is_due_12_months_after_the_last_review_or_the_issue_date():
    plan = Plan(kind="ehcp")
    assert plan.next_review_due is None
    plan.date_issued = D(2025, 6, 30)
    assert plan.next_review_due == D(2026, 6, 30)
    plan.last_annual_review = D(2026, 5, 14)
    assert plan.next_review_due == D(2027, 5, 14)
    leap = Plan(kind="ehcp", date_issued=D(2024, 2, 29))
    assert leap.next_review_due == D(2025, 2, 28)
    leap.last_annual_review = D(2028, 2, 29)
    assert leap.next_review_due == D(2029, 2, 28)
    assert Plan(kind="sen_support", review_due_on=D(2026, 12, 1), date_issued=D(2020, 1, 1)).next_review_due \
        == D(2026, 12, 1)


@pytest.mark.parametrize("reviewed_days_ago, expected", [
    (400, "Overdue"),  # more than 12 months ago
    # within 8 weeks: highlighted with how long is left: "4 weeks, 2 days", or "1 month" when the 30
    # days span February (a calendar month shorter than 30 days), so only the start is certain
    (365 - 30, re.compile(r"Due in (4\s+weeks|1\s+month)")),  # timeuntil joins with no-break spaces
    (100, None),  # months away: not highlighted
])
def test_the_review_due_date_is_highlighted_when_close_or_overdue(client, world, reviewed_days_ago, expected):
    senco, pupil = world.people["senco"], world.pupil_in
    today = timezone.localdate()
    reviewed = today - datetime.timedelta(days=reviewed_days_ago)
    plan = ehcp_in_force(pupil, senco, issued=str(reviewed - datetime.timedelta(days=10)),
                         last_annual_review=str(reviewed))
    client.force_login(world.people["ta"])
    for page_url in (url("pupil_plans", pupil), plan.get_absolute_url()):
        page = text_of(client.get(page_url))
        assert f"{plan.next_review_due:%-d %B %Y}" in page
        if isinstance(expected, re.Pattern):
            assert expected.search(page), page
        elif expected:
            assert expected in page
        else:
            assert "Overdue" not in page and "Due in" not in page


def test_review_flags():
    today = D(2026, 11, 24)
    assert [review_flag(d, today) for d in (None, D(2026, 11, 23), today, D(2027, 1, 19), D(2027, 1, 20))] == [
        "", "overdue", "today", "soon", ""]


def test_senco_writes_a_sen_support_plan_with_a_review_date_for_the_cycle(client, world):
    senco, pupil = world.people["senco"], world.pupil_class
    client.force_login(senco)
    response = client.post(url("plan_create", pupil, "sen_support"), {
        "cycle_starts_on": "2026-09-07", "review_due_on": "", "assess_notes": "Reading age 6y 2m; phonics gaps.",
        "plan_notes": "Daily phonics catch-up.", "do_notes": "", "review_notes": ""})
    plan = Plan.objects.get(pupil=pupil)
    assert response.status_code == 302 and plan.kind == "sen_support"
    outcome = add_outcome(plan, senco, area="cl", text="Oliver will read phase 5 words.")
    add_provision(plan, senco, [outcome])
    response = client.post(url("plan_sign_off", pupil, plan.pk))
    assert response.status_code == 400 and "Enter the review date for this cycle." in text_of(response)
    client.post(url("plan_edit", pupil, plan.pk), {
        "cycle_starts_on": "2026-09-07", "review_due_on": "2026-12-11", "assess_notes": "Reading age 6y 2m.",
        "plan_notes": "Daily phonics catch-up.", "do_notes": "", "review_notes": ""})
    assert client.post(url("plan_sign_off", pupil, plan.pk)).status_code == 302
    page = text_of(client.get(url("pupil_plans", pupil)))
    assert "SEN support plan · version 1 In force" in page and "Review due 11 December 2026" in page
    detail = text_of(client.get(plan.get_absolute_url()))
    assert "Assess, plan, do, review" in detail and "Daily phonics catch-up." in detail
    assert "E: Outcomes" not in detail and "Outcomes" in detail


def test_an_ehcp_issued_to_a_pupil_on_sen_support_replaces_their_sen_support_plan(client, world):
    senco, pupil = world.people["senco"], world.pupil_in
    client.force_login(senco)
    client.post(url("plan_create", pupil, "sen_support"), {"cycle_starts_on": "2026-09-07",
                                                           "review_due_on": "2026-12-11"})
    support = Plan.objects.get(pupil=pupil)
    add_provision(support, senco, [add_outcome(support, senco)])
    client.post(url("plan_sign_off", pupil, support.pk))
    plans_page = client.get(url("pupil_plans", pupil)).content.decode()
    assert url("plan_create", pupil, "ehcp") in plans_page  # an EHCP can be started
    assert url("plan_create", pupil, "sen_support") not in plans_page  # the plan in force is amended instead
    ehcp = ehcp_in_force(pupil, senco)
    support.refresh_from_db()
    assert support.status == "superseded" and ehcp.is_in_force
    assert list(Plan.objects.filter(pupil=pupil, status="in_force")) == [ehcp]
    # A second click on "Put in force" changes nothing.
    response = client.post(url("plan_sign_off", pupil, ehcp.pk), follow=True)
    assert "Version 1 is already in force." in text_of(response)


def test_starting_a_plan_when_one_is_being_drafted_continues_that_draft(client, world):
    senco, pupil = world.people["senco"], world.pupil_in
    draft = draft_ehcp(pupil, senco)
    client.force_login(senco)
    response = client.get(url("plan_create", pupil, "ehcp"), follow=True)
    assert response.redirect_chain[-1][0] == draft.get_absolute_url()
    assert "There is already a draft EHCP" in text_of(response)
    assert client.get(url("plan_create", pupil, "statement")).status_code == 404


# --- bad input ----------------------------------------------------------------------------------------

def test_bad_plan_details_are_refused_and_what_was_typed_is_kept(client, world):
    senco, pupil = world.people["senco"], world.pupil_in
    client.force_login(senco)
    response = client.post(url("plan_create", pupil, "ehcp"), ehcp_fields(
        date_issued="2026-03-02", last_annual_review="2025-01-01", section_b="Typed carefully"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "The last annual review can&#x27;t be before the plan was issued." in html
    assert "Typed carefully" in html and 'value="Northshire County Council"' in html
    assert not Plan.objects.filter(pupil=pupil).exists()


def test_a_bad_outcome_saves_nothing_and_keeps_the_targets_typed(client, world):
    senco, pupil = world.people["senco"], world.pupil_in
    plan = draft_ehcp(pupil, senco)
    client.force_login(senco)
    response = client.post(url("outcome_create", pupil, plan.pk), outcome_fields(
        text="", target_date="2027-01-31",
        targets=[("Step one, typed", "2026-11-01"), ("Step two, too late", "2027-06-01")]))
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert "Step one, typed" in html and "Step two, too late" in html
    response = client.post(url("outcome_create", pupil, plan.pk), outcome_fields(
        text="Amelia will join a game", target_date="2027-01-31", targets=[("Step two, too late", "2027-06-01")]))
    assert response.status_code == 400
    assert "set a date on or before the outcome" in response.content.decode()
    assert not Outcome.objects.filter(plan=plan).exists() and not Target.objects.exists()


def test_provision_must_serve_at_least_one_outcome(client, world):
    senco, pupil = world.people["senco"], world.pupil_in
    plan = draft_ehcp(pupil, senco)
    client.force_login(senco)
    page = text_of(client.get(url("provision_create", pupil, plan.pk)))
    assert "Add an outcome first" in page
    add_outcome(plan, senco)
    response = client.post(url("provision_create", pupil, plan.pk),
                           provision_fields([], description="Typed provision", ends_on="2026-01-01"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Tick at least one outcome this provision serves" in html
    assert "The end date can&#x27;t be before the start date." in html
    assert "Typed provision" in html and 'value="3 times a week"' in html
    assert not Provision.objects.exists()


def test_provision_cannot_serve_another_plans_outcome(client, world):
    senco = world.people["senco"]
    plan = draft_ehcp(world.pupil_in, senco)
    add_outcome(plan, senco)
    elsewhere = add_outcome(draft_ehcp(world.pupil_out, senco), senco)
    client.force_login(senco)
    response = client.post(url("provision_create", world.pupil_in, plan.pk), provision_fields([elsewhere]))
    assert response.status_code == 400 and not ProvisionOutcome.objects.exists()


def test_editing_provision_changes_the_outcomes_it_serves(client, world):
    senco, pupil = world.people["senco"], world.pupil_in
    plan = draft_ehcp(pupil, senco)
    first, second = add_outcome(plan, senco, text="First"), add_outcome(plan, senco, text="Second")
    item = add_provision(plan, senco, [first])
    client.force_login(senco)
    form = client.get(url("provision_edit", pupil, plan.pk, item.pk)).content.decode()
    assert re.search(rf'value="{first.pk}"[^>]*checked', form)
    response = client.post(url("provision_edit", pupil, plan.pk, item.pk), provision_fields([second]))
    assert response.status_code == 302
    assert list(item.outcomes.all()) == [second]


# --- who may do what ------------------------------------------------------------------------------------

def scene(world):
    senco = world.people["senco"]
    draft = draft_ehcp(world.pupil_in, senco)
    outcome = add_outcome(draft, senco)
    item = add_provision(draft, senco, [outcome])
    in_force = ehcp_in_force(world.pupil_class, senco)
    return draft, outcome, item, in_force


def writes(pupil, plan, outcome, item):
    return [
        ("get", url("plan_create", pupil, "ehcp")), ("post", url("plan_create", pupil, "ehcp")),
        ("get", url("plan_edit", pupil, plan.pk)), ("post", url("plan_edit", pupil, plan.pk)),
        ("post", url("plan_amend", pupil, plan.pk)), ("post", url("plan_sign_off", pupil, plan.pk)),
        ("get", url("outcome_create", pupil, plan.pk)), ("post", url("outcome_create", pupil, plan.pk)),
        ("get", url("outcome_edit", pupil, plan.pk, outcome.pk)),
        ("post", url("outcome_edit", pupil, plan.pk, outcome.pk)),
        ("get", url("provision_create", pupil, plan.pk)), ("post", url("provision_create", pupil, plan.pk)),
        ("get", url("provision_edit", pupil, plan.pk, item.pk)),
        ("post", url("provision_edit", pupil, plan.pk, item.pk)),
    ]


@pytest.mark.parametrize("role, pupil_attr", [("ta", "pupil_in"), ("teacher", "pupil_class"),
                                              ("dsl", "pupil_in"), ("senior", "pupil_class")])
def test_staff_read_plans_of_their_pupils_but_cannot_change_them(client, world, role, pupil_attr):
    draft, outcome, item, in_force = scene(world)
    pupil = getattr(world, pupil_attr)
    plan = draft if pupil == world.pupil_in else in_force
    outcome, item = plan.outcomes.get(), plan.provision.get()
    client.force_login(world.people[role])
    page = client.get(url("pupil_plans", pupil))
    assert page.status_code == 200
    detail = client.get(plan.get_absolute_url())
    assert detail.status_code == 200 and "Outcome 1" in text_of(detail)
    for control in ("Amend (new version)", "Put in force", "Add an outcome", "Start an EHCP", "Edit outcome"):
        assert control not in text_of(page) + text_of(detail), control
    for method, address in writes(pupil, plan, outcome, item):
        assert getattr(client, method)(address).status_code == 403, (method, address)
    assert Plan.objects.filter(status="draft").count() == 1  # nothing amended


@pytest.mark.parametrize("role, pupil_attr", [
    ("ta", "pupil_out"), ("ta", "pupil_other_school"), ("ta", "pupil_class"), ("teacher", "pupil_in"),
    ("other_ta", "pupil_in"), ("other_school_senco", "pupil_in"), ("senco", "pupil_other_school"),
])
def test_pupils_out_of_reach_are_not_found(client, world, role, pupil_attr):
    senco = world.people["senco"]
    pupil = getattr(world, pupil_attr)
    author = world.people["other_school_senco"] if pupil == world.pupil_other_school else senco
    plan = draft_ehcp(pupil, author)
    outcome = add_outcome(plan, author)
    item = add_provision(plan, author, [outcome])
    client.force_login(world.people[role])
    reads = [("get", url("pupil_plans", pupil)), ("get", plan.get_absolute_url())]
    for method, address in reads + writes(pupil, plan, outcome, item):
        assert getattr(client, method)(address).status_code == 404, (method, address)


def test_school_admins_have_no_access_to_plans(client, world):
    draft, outcome, item, _ = scene(world)
    client.force_login(world.people["admin"])
    reads = [("get", url("pupil_plans", world.pupil_in)), ("get", draft.get_absolute_url())]
    for method, address in reads + writes(world.pupil_in, draft, outcome, item):
        assert getattr(client, method)(address).status_code == 403, (method, address)


def test_another_pupils_plan_under_this_pupils_address_is_not_found(client, world):
    senco = world.people["senco"]
    mine = draft_ehcp(world.pupil_in, senco)
    my_outcome = add_outcome(mine, senco)
    theirs = draft_ehcp(world.pupil_out, senco)
    their_outcome = add_outcome(theirs, senco)
    their_item = add_provision(theirs, senco, [their_outcome])
    client.force_login(senco)
    pupil = world.pupil_in
    for method, address in [
        ("get", url("plan_detail", pupil, theirs.pk)), ("get", url("plan_edit", pupil, theirs.pk)),
        ("post", url("plan_amend", pupil, theirs.pk)), ("post", url("plan_sign_off", pupil, theirs.pk)),
        ("get", url("outcome_create", pupil, theirs.pk)), ("get", url("provision_create", pupil, theirs.pk)),
        # this pupil's plan, another plan's outcome or provision
        ("get", url("outcome_edit", pupil, mine.pk, their_outcome.pk)),
        ("post", url("outcome_edit", pupil, mine.pk, their_outcome.pk)),
        ("get", url("provision_edit", pupil, mine.pk, their_item.pk)),
    ]:
        assert getattr(client, method)(address).status_code == 404, (method, address)
    assert my_outcome.plan == mine


def test_a_teacher_given_plan_editing_by_the_school_can_edit(client, world):
    from accounts.models import Membership

    from conftest import enrol_totp

    Membership.objects.filter(user=world.people["teacher"]).update(can_edit_plans=True)
    enrol_totp(world.people["teacher"])  # editing plans needs two-factor sign-in, like the SENCo
    client.force_login(world.people["teacher"])
    response = client.post(url("plan_create", world.pupil_class, "ehcp"), ehcp_fields())
    assert response.status_code == 302 and "/plans/" in response["Location"]


def test_an_archived_pupils_plans_are_read_only(client, world):
    senco, pupil = world.people["senco"], world.pupil_in
    plan = draft_ehcp(pupil, senco)
    pupil.archived_at = timezone.now()
    pupil.save(update_fields=["archived_at"])
    client.force_login(senco)
    response = client.post(url("plan_edit", pupil, plan.pk), ehcp_fields(section_a="Changed"), follow=True)
    assert "archived: their plans are read-only" in text_of(response)
    plan.refresh_from_db()
    assert plan.section_a != "Changed"
    assert "Put in force" not in text_of(client.get(plan.get_absolute_url()))


# --- the pupil page's panel ---------------------------------------------------------------------------

def test_the_pupil_page_panel_shows_the_plan_in_force_and_its_review(rf, world):
    senco, pupil = world.people["senco"], world.pupil_in
    request = rf.get("/")
    request.staff = staff_context_for(world.people["ta"])
    panel = plan_panel(request, pupil=pupil)
    assert panel.context["in_force"] is None
    plan = ehcp_in_force(pupil, senco, issued="2026-03-02")
    panel = plan_panel(request, pupil=pupil)
    assert panel.context["in_force"] == plan and panel.template == "plans/plans/_panel.html"
    html = render_to_string(panel.template, {"ctx": panel.context})
    assert "Next annual review due" in html and "2 March 2027" in html and plan.get_absolute_url() in html
    request.staff = staff_context_for(world.people["admin"])
    assert plan_panel(request, pupil=pupil) is None


# --- queries ------------------------------------------------------------------------------------------------

def grow(plan, author, n):
    outcomes = [add_outcome(plan, author, area=["ci", "semh", "cl"][i % 3], text=f"Outcome {i}",
                            targets=[(f"T{i}a", ""), (f"T{i}b", "")]) for i in range(n)]
    for i in range(n):
        add_provision(plan, author, outcomes[: i % 3 + 1], description=f"Provision {i}")


def test_the_plan_page_runs_the_same_queries_whatever_the_plan_size(client, world, django_assert_num_queries):
    senco = world.people["senco"]
    plan = draft_ehcp(world.pupil_in, senco, date_issued="2026-03-02")
    client.force_login(senco)
    for n in (1, 12):
        grow(plan, senco, n)
        client.get("/")  # warm the session's MFA flag
        # session, user, membership+school, pupil, plan (+ signed off by, created by), outcomes, targets,
        # versions of the plan, provision, provision-outcome links, access-log insert, readiness (outcomes
        # exist: from the prefetch, no query), session save (savepoint, update, release)
        with django_assert_num_queries(14):
            assert client.get(plan.get_absolute_url()).status_code == 200


def test_the_plans_page_runs_the_same_queries_whatever_the_number_of_versions(client, world,
                                                                              django_assert_num_queries):
    senco, pupil = world.people["senco"], world.pupil_in
    client.force_login(senco)
    plan = ehcp_in_force(pupil, senco)
    for n in (1, 4):
        for _ in range(n):
            draft = services.amend(plan=plan, acting_user=senco)
            plan = services.put_in_force(plan=draft, acting_user=senco)
        client.get("/")
        # session, user, membership+school, pupil, versions (+ people), behaviour plan, handling plan,
        # reviews, access-log insert (with the history context), session save (savepoint, update, release)
        with django_assert_num_queries(12):
            assert client.get(url("pupil_plans", pupil)).status_code == 200


def test_every_demo_plan_opens_and_can_be_amended(client, db):
    """The demo's plans (built by seed_demo, not these forms) read and edit cleanly."""
    from django.core.management import call_command
    from django.forms.models import model_to_dict

    from accounts.models import Membership
    from conftest import enrol_totp

    call_command("seed_demo", pupils=30, schools=1, stdout=open("/dev/null", "w"))
    senco = Membership.objects.filter(roles__contains=["senco"], is_active=True).first().user
    enrol_totp(senco)
    client.force_login(senco)
    plans = list(Plan.objects.filter(status="in_force").select_related("pupil"))
    assert plans
    for plan in plans:
        assert client.get(url("pupil_plans", plan.pupil)).status_code == 200
        assert client.get(plan.get_absolute_url()).status_code == 200
        # Saving the details unchanged is accepted (the form's date rules hold for the demo's dates).
        form_class = PLAN_FORMS[plan.kind]
        data = {k: "" if v is None else v for k, v in model_to_dict(plan, fields=form_class._meta.fields).items()}
        assert form_class(data, instance=plan).is_valid(), (plan.pk, form_class(data, instance=plan).errors)
    plan = next(p for p in plans if p.is_ehcp)
    client.post(url("plan_amend", plan.pupil, plan.pk))
    draft = Plan.objects.get(lineage=plan.lineage, status="draft")
    outcome, item = draft.outcomes.first(), draft.provision.first()
    for address in (url("plan_edit", plan.pupil, draft.pk), url("outcome_edit", plan.pupil, draft.pk, outcome.pk),
                    url("provision_edit", plan.pupil, draft.pk, item.pk), draft.get_absolute_url()):
        assert client.get(address).status_code == 200, address


def test_opening_a_plan_to_edit_it_is_logged_as_a_read(client, world):
    senco, pupil = world.people["senco"], world.pupil_in
    plan = draft_ehcp(pupil, senco)
    outcome = add_outcome(plan, senco)
    item = add_provision(plan, senco, [outcome])
    client.force_login(senco)
    for name, args, action in [("plan_edit", [plan.pk], "plan.edit.view"),
                               ("outcome_edit", [plan.pk, outcome.pk], "plan.outcome.edit.view"),
                               ("provision_edit", [plan.pk, item.pk], "plan.provision.edit.view")]:
        assert client.get(url(name, pupil, *args)).status_code == 200
        assert AccessLog.objects.filter(pupil=pupil, action=action, user=senco).count() == 1


def test_the_services_themselves_refuse_an_archived_pupils_plans(world):
    from django.core.exceptions import ValidationError

    senco, pupil = world.people["senco"], world.pupil_in
    plan = ehcp_in_force(pupil, senco)
    outcome = plan.outcomes.first() or add_outcome(draft_ehcp(world.pupil_class, senco), senco)
    pupil.archived_at = timezone.now()
    pupil.save()
    with pytest.raises(ValidationError, match="left the school"):
        services.amend(plan=plan, acting_user=senco)
    with pytest.raises(ValidationError, match="left the school"):
        services.add_evidence(pupil=pupil, outcome=outcome, target=None, observed_on=datetime.date(2026, 11, 2),
                              note="n", rating=1, files=[], acting_user=senco)
    with pytest.raises(ValidationError, match="left the school"):
        draft_ehcp(pupil, senco)
