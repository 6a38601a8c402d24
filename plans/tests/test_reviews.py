"""Annual reviews: a SENCo plans a review of a pupil's plan in force, records it step by step
(papers sent, meeting held, report sent to the LA) against the statutory dates, and sees the
reviews falling due on their home page; staff who read plans see a pupil's next review."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.forms import modelform_factory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plans.models import AnnualReview, Outcome, Plan, add_months
from plans.panels_reviews import pupil_review_panel, reviews_due_panel
from plans.selectors_reviews import reviews_due
from plans.services import amend, put_in_force, save_draft
from plans.services_reviews import record_review, update_review
from pupils.factories import CaseloadEntryFactory, PupilFactory
from sendsupport import panels
from sendsupport.models import AccessLog


def today():
    """Read when used, not at import: a run that spans midnight would otherwise date things yesterday."""
    return timezone.localdate()


Status = AnnualReview.Status
PlanForm = modelform_factory(Plan, fields=["kind", "local_authority", "date_issued", "last_annual_review",
                                           "review_due_on"])


def days(n: int):
    return today() + timedelta(days=n)


def make_plan(pupil, by, *, kind=Plan.Kind.EHCP, in_force=True, **fields) -> Plan:
    """A plan drafted and put in force through the plan services, as the SENCo would."""
    data = {"kind": kind, "local_authority": "Devon" if kind == Plan.Kind.EHCP else ""}
    data.update({name: value.isoformat() for name, value in fields.items()})
    form = PlanForm(data=data, instance=Plan(pupil=pupil))
    assert form.is_valid(), form.errors
    plan = save_draft(form=form, acting_user=by, action="plan.create")
    Outcome.objects.create(plan=plan, area_of_need="cl", text="Reads a short text on their own")
    return put_in_force(plan=plan, acting_user=by) if in_force else plan


def ehcp_due_in(pupil, by, n_days: int) -> Plan:
    """An EHCP issued so that its first annual review falls due in `n_days` days (negative: overdue)."""
    return make_plan(pupil, by, date_issued=add_months(days(n_days), -12))


def url(pupil, name="", review=None):
    base = f"/pupils/{pupil.pk}/reviews/"
    if review is None:
        return base + "new/"
    return f"{base}{review.pk}/{name}"


def edit_data(review, **overrides):
    data = {
        "status": review.status, "kind": review.kind, "meeting_date": review.meeting_date.isoformat(),
        "papers_sent_on": review.papers_sent_on.isoformat() if review.papers_sent_on else "",
        "report_sent_on": review.report_sent_on.isoformat() if review.report_sent_on else "",
        "attendees": review.attendees, "pupil_views": review.pupil_views, "parent_views": review.parent_views,
        "what_is_working": review.what_is_working, "what_is_not_working": review.what_is_not_working,
        "proposed_outcome_changes": review.proposed_outcome_changes,
        "proposed_provision_changes": review.proposed_provision_changes,
    }
    data.update({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in overrides.items()})
    return data


def history(model_name, obj):
    event = apps.get_model("plans", f"{model_name}Event")
    return [(e.pgh_label, (e.pgh_context.metadata if e.pgh_context else {}).get("action"))
            for e in event.objects.filter(pgh_obj_id=obj.pk).select_related("pgh_context").order_by("pgh_id")]


@pytest.fixture
def senco(world):
    return world.people["senco"]


@pytest.fixture
def ehcp(world, senco):
    """Amelia (on the TA's caseload) has an EHCP in force, due for review in three weeks."""
    return ehcp_due_in(world.pupil_in, senco, 21)


@pytest.fixture
def review_panels():
    """The reviews panels on the home and pupil pages (registered by plans/apps.py; added here
    for the test if they aren't yet, and taken away after)."""
    added = []
    for page, fn in (("home", reviews_due_panel), ("pupil", pupil_review_panel)):
        if fn not in panels._registries.get(page, []):
            panels.register(page, fn)
            added.append((page, fn))
    yield
    for page, fn in added:
        panels._registries[page].remove(fn)


# --- planning a review ------------------------------------------------------------------------

def test_senco_plans_a_review_on_the_date_it_falls_due(client, world, senco, ehcp):
    client.force_login(senco)
    page = client.get(url(world.pupil_in))
    assert page.status_code == 200
    assert page.context["form"].initial["meeting_date"] == ehcp.next_review_due == days(21)
    assert "Papers must go out two weeks before the meeting" in page.content.decode()

    response = client.post(url(world.pupil_in), {"kind": "annual", "meeting_date": days(21).isoformat()})
    review = AnnualReview.objects.get(pupil=world.pupil_in)
    assert response.status_code == 302 and response.url == review.get_absolute_url()
    assert (review.plan, review.status, review.meeting_date) == (ehcp, Status.PLANNED, days(21))
    assert review.created_by == senco
    assert history("AnnualReview", review) == [("insert", "annual_review.plan")]


def test_an_overdue_review_date_is_not_offered_as_the_meeting_date(client, world, senco):
    ehcp_due_in(world.pupil_in, senco, -10)
    client.force_login(senco)
    page = client.get(url(world.pupil_in))
    assert page.context["form"].initial["meeting_date"] is None
    assert f"overdue: it was due by {days(-10):%-d %B %Y}" in page.content.decode()


def test_pupil_without_a_plan_in_force_is_told_so_with_a_link_to_their_plans(client, world, senco):
    make_plan(world.pupil_in, senco, in_force=False, date_issued=days(-30))  # a draft only
    client.force_login(senco)
    page = client.get(url(world.pupil_in))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Amelia Hughes has no plan in force" in html
    assert f'href="/pupils/{world.pupil_in.pk}/plans/"' in html
    response = client.post(url(world.pupil_in), {"kind": "annual", "meeting_date": days(5).isoformat()})
    assert response.status_code == 400
    assert not AnnualReview.objects.exists()


def test_planning_the_same_review_twice_makes_one_review(client, world, senco, ehcp):
    client.force_login(senco)
    for _ in range(2):
        client.post(url(world.pupil_in), {"kind": "annual", "meeting_date": days(21).isoformat()})
    assert AnnualReview.objects.filter(pupil=world.pupil_in).count() == 1
    # Coming back to plan another, they're pointed at the one already booked.
    html = client.get(url(world.pupil_in)).content.decode()
    assert f"already booked for {days(21):%-d %B %Y}" in html


def test_a_meeting_date_years_away_is_refused_and_what_was_typed_kept(client, world, senco, ehcp):
    client.force_login(senco)
    response = client.post(url(world.pupil_in), {"kind": "interim", "meeting_date": days(900).isoformat()})
    assert response.status_code == 400
    assert "more than a year away: check the year" in response.content.decode()
    assert response.context["form"]["kind"].value() == "interim"
    assert not AnnualReview.objects.exists()


# --- the review cycle ---------------------------------------------------------------------------

def test_full_cycle_planned_papers_sent_held_report_sent_meets_statutory_dates(client, world, senco):
    """A review held 20 days ago, recorded step by step: papers 15 days before it, report 12 days
    after. Both statutory dates are met and the plan's review clock restarts at the meeting."""
    ehcp = ehcp_due_in(world.pupil_in, senco, -15)
    client.force_login(senco)
    client.post(url(world.pupil_in), {"kind": "annual", "meeting_date": days(-20).isoformat()})
    review = AnnualReview.objects.get(pupil=world.pupil_in)
    assert review.papers_due_by == days(-34) and review.report_due_by == days(-6)

    r = client.post(url(world.pupil_in, "edit/", review), edit_data(review, status="papers_sent",
                                                                     papers_sent_on=days(-35)))
    assert r.status_code == 302, r.context["form"].errors
    review.refresh_from_db()
    assert review.status == Status.PAPERS_SENT

    r = client.post(url(world.pupil_in, "edit/", review), edit_data(
        review, status="held", attendees="Sam Patel, mother\nMrs Jones, class teacher",
        pupil_views="Likes maths; finds the hall too loud.", parent_views="Pleased with reading.",
        what_is_working="Daily reading with a TA.", what_is_not_working="Lunchtimes.",
        proposed_outcome_changes="New outcome on lunchtime routines.",
        proposed_provision_changes="ELSA sessions weekly."))
    assert r.status_code == 302, r.context["form"].errors
    review.refresh_from_db()
    ehcp.refresh_from_db()
    assert review.status == Status.HELD
    # The plan's review clock restarts without a new version of the plan.
    assert ehcp.last_annual_review == days(-20) and ehcp.version == 1 and ehcp.is_in_force
    assert ehcp.next_review_due == add_months(days(-20), 12)
    assert ("update", "annual_review.held") in history("Plan", ehcp)

    r = client.post(url(world.pupil_in, "edit/", review), edit_data(review, status="report_sent",
                                                                     report_sent_on=days(-8)))
    assert r.status_code == 302, r.context["form"].errors
    review.refresh_from_db()
    assert review.status == Status.REPORT_SENT
    assert [a for _, a in history("AnnualReview", review)] == [
        "annual_review.plan", "annual_review.papers_sent", "annual_review.held", "annual_review.report_sent"]

    page = client.get(review.get_absolute_url())
    html = page.content.decode()
    assert [(d.state, d.due_by) for d in page.context["deadlines"]] == [("met", days(-34)), ("met", days(-6))]
    assert [s.state for s in page.context["steps"]] == ["done", "done", "done", "current"]
    assert page.context["warnings"] == [] and page.context["can_edit"] is False
    assert "Finds the hall too loud." in html.replace("finds", "Finds") and "Sam Patel, mother<br>" in html
    # Once the report has gone, the review is what was sent: read-only.
    assert client.get(url(world.pupil_in, "edit/", review)).status_code == 302
    with pytest.raises(ValidationError, match="read-only"):
        update_review(review=review, acting_user=senco, changes={"pupil_views": "Changed afterwards"})


def test_late_papers_and_report_are_shown_late(client, world, senco):
    ehcp = ehcp_due_in(world.pupil_in, senco, -30)
    review = record_review(pupil=world.pupil_in, plan=ehcp, kind="annual", meeting_date=days(-40), acting_user=senco)
    update_review(review=review, acting_user=senco, changes={
        "status": Status.REPORT_SENT, "papers_sent_on": days(-45), "report_sent_on": days(-20)})
    client.force_login(senco)
    page = client.get(review.get_absolute_url())
    assert [(d.state, d.days_late) for d in page.context["deadlines"]] == [("late", 9), ("late", 6)]
    assert "9 days after the date" in page.content.decode()


def test_a_review_that_has_fallen_behind_warns_on_its_page(client, world, senco, ehcp):
    review = record_review(pupil=world.pupil_in, plan=ehcp, kind="annual", meeting_date=days(-16), acting_user=senco)
    client.force_login(senco)
    page = client.get(review.get_absolute_url())
    warnings = " ".join(page.context["warnings"])
    assert "has passed: record whether it was held" in warnings
    assert "report to the local authority is overdue" in warnings
    assert [d.state for d in page.context["deadlines"]] == ["overdue", "overdue"]


def test_papers_overdue_before_the_meeting(client, world, senco, ehcp):
    review = record_review(pupil=world.pupil_in, plan=ehcp, kind="annual", meeting_date=days(10), acting_user=senco)
    client.force_login(senco)
    page = client.get(review.get_absolute_url())
    assert page.context["warnings"] == [f"Papers are overdue: they should have gone out by {days(-4):%-d %B %Y}."]
    assert [d.state for d in page.context["deadlines"]] == ["overdue", "due"]


@pytest.mark.parametrize("meeting,changes,field,message", [
    (-20, {"status": "papers_sent"}, "papers_sent_on", "Enter the date the papers were sent"),
    (-20, {"status": "report_sent"}, "report_sent_on", "Enter the date the report was sent"),
    (5, {"status": "report_sent", "report_sent_on": 0}, "status", "so it can't be recorded as reported on yet"),
    (5, {"status": "held"}, "status", "so it can't be recorded as held yet"),
    (-20, {"status": "report_sent", "report_sent_on": -25}, "report_sent_on", "can't be sent before the meeting"),
    (10, {"status": "papers_sent", "papers_sent_on": 2}, "papers_sent_on", "This date is in the future"),
    (-20, {"status": "report_sent", "report_sent_on": 3}, "report_sent_on", "This date is in the future"),
    (-20, {"papers_sent_on": -40}, "status", "choose \"Papers sent\", or clear that date"),
    (-20, {"status": "held", "report_sent_on": -5}, "status", "choose \"Report sent to the LA\""),
    (10, {"status": "papers_sent", "papers_sent_on": -1, "meeting_date": -3}, "papers_sent_on",
     "Papers go out before the meeting"),
])
def test_each_step_needs_its_date_with_the_message_next_to_the_field(client, world, senco, ehcp, meeting, changes,
                                                                    field, message):
    review = record_review(pupil=world.pupil_in, plan=ehcp, kind="annual", meeting_date=days(meeting),
                           acting_user=senco)
    client.force_login(senco)
    changes = {k: (days(v) if k.endswith(("_on", "_date")) else v) for k, v in changes.items()}
    response = client.post(url(world.pupil_in, "edit/", review),
                           edit_data(review, pupil_views="Typed before the mistake", **changes))
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message.replace('"', "&quot;") in e or message in e for e in form.errors[field]), form.errors
    assert form["pupil_views"].value() == "Typed before the mistake"  # what was typed is kept
    review.refresh_from_db()
    assert review.status == Status.PLANNED and review.pupil_views == ""


def test_after_the_meeting_is_held_its_date_is_fixed_and_steps_only_go_forward(client, world, senco, ehcp):
    review = record_review(pupil=world.pupil_in, plan=ehcp, kind="annual", meeting_date=days(-3), acting_user=senco)
    update_review(review=review, acting_user=senco, changes={"status": Status.HELD})
    client.force_login(senco)
    page = client.get(url(world.pupil_in, "edit/", review))
    form = page.context["form"]
    assert form.fields["meeting_date"].disabled
    assert [v for v, _ in form.fields["status"].choices] == ["held", "report_sent"]
    response = client.post(url(world.pupil_in, "edit/", review),
                           edit_data(review, status="planned", meeting_date=days(-1)))
    assert response.status_code == 400
    review.refresh_from_db()
    assert (review.status, review.meeting_date) == (Status.HELD, days(-3))
    with pytest.raises(Exception, match="can't go back"):
        update_review(review=review, acting_user=senco, changes={"status": Status.PLANNED})


def test_holding_a_review_restarts_the_clock_on_the_plan_and_its_draft_amendment_only_forwards(world, senco):
    plan = make_plan(world.pupil_in, senco, date_issued=days(-400), last_annual_review=days(-30))
    draft = amend(plan=plan, acting_user=senco)
    old = record_review(pupil=world.pupil_in, plan=plan, kind="interim", meeting_date=days(-60), acting_user=senco)
    update_review(review=old, acting_user=senco, changes={"status": Status.HELD})
    plan.refresh_from_db()
    assert plan.last_annual_review == days(-30)  # an older review recorded late doesn't move it back
    review = record_review(pupil=world.pupil_in, plan=plan, kind="annual", meeting_date=days(-2), acting_user=senco)
    update_review(review=review, acting_user=senco, changes={"status": Status.HELD})
    plan.refresh_from_db()
    draft.refresh_from_db()
    assert plan.last_annual_review == draft.last_annual_review == days(-2)
    assert draft.is_draft and plan.is_in_force and plan.version == 1


def test_a_sen_support_review_ends_at_the_meeting(client, world, senco):
    plan = make_plan(world.pupil_in, senco, kind=Plan.Kind.SEN_SUPPORT, review_due_on=days(-1))
    review = record_review(pupil=world.pupil_in, plan=plan, kind="interim", meeting_date=days(-1), acting_user=senco)
    client.force_login(senco)
    page = client.get(url(world.pupil_in, "edit/", review))
    assert "report_sent_on" not in page.context["form"].fields
    assert [v for v, _ in page.context["form"].fields["status"].choices] == ["planned", "papers_sent", "held"]
    assert client.post(url(world.pupil_in, "edit/", review),
                       {**edit_data(review, status="report_sent")}).status_code == 400
    assert client.post(url(world.pupil_in, "edit/", review), edit_data(review, status="held")).status_code == 302
    detail = client.get(review.get_absolute_url())
    assert detail.context["deadlines"] == [] and "no statutory deadlines" in detail.content.decode()
    assert [s.label for s in detail.context["steps"]] == ["Planned", "Papers sent", "Meeting held"]


def test_an_archived_pupils_reviews_stay_readable_but_not_editable(client, world, senco, ehcp):
    review = record_review(pupil=world.pupil_in, plan=ehcp, kind="annual", meeting_date=days(5), acting_user=senco)
    world.pupil_in.archived_at = timezone.now()
    world.pupil_in.save(update_fields=["archived_at"])
    client.force_login(senco)
    assert client.get(review.get_absolute_url()).status_code == 200
    assert client.get(url(world.pupil_in, "edit/", review)).status_code == 302
    assert client.post(url(world.pupil_in), {"kind": "annual", "meeting_date": days(9).isoformat()}).status_code == 302
    assert AnnualReview.objects.count() == 1


def test_reading_a_review_is_logged(client, world, senco, ehcp):
    review = record_review(pupil=world.pupil_in, plan=ehcp, kind="annual", meeting_date=days(5), acting_user=senco)
    client.force_login(world.people["ta"])
    assert client.get(review.get_absolute_url()).status_code == 200
    log = AccessLog.objects.get(action="plans.review.view")
    assert (log.user, log.pupil) == (world.people["ta"], world.pupil_in)


# --- who may do what ------------------------------------------------------------------------------

@pytest.mark.parametrize("persona,pupil,page,status", [
    ("ta", "pupil_in", "detail", 200), ("ta", "pupil_in", "create", 403), ("ta", "pupil_in", "edit", 403),
    ("teacher", "pupil_class", "detail", 200), ("teacher", "pupil_class", "edit", 403),
    ("ta", "pupil_out", "detail", 404), ("ta", "pupil_out", "create", 404),
    ("teacher", "pupil_out", "detail", 404), ("ta", "pupil_other_school", "detail", 404),
    ("teacher", "pupil_other_school", "create", 404),
    ("dsl", "pupil_out", "detail", 200), ("dsl", "pupil_out", "create", 403), ("dsl", "pupil_out", "edit", 403),
    ("senior", "pupil_in", "detail", 200), ("senior", "pupil_in", "edit", 403),
    ("admin", "pupil_in", "detail", 403), ("admin", "pupil_in", "create", 403), ("admin", "pupil_in", "edit", 403),
    ("other_school_senco", "pupil_in", "detail", 404), ("other_school_senco", "pupil_in", "edit", 404),
    ("senco", "pupil_out", "edit", 200), ("senco", "pupil_other_school", "detail", 404),
])
def test_who_may_read_plan_and_record_reviews(client, world, senco, persona, pupil, page, status):
    pupil = getattr(world, pupil)
    plan = make_plan(pupil, senco, date_issued=days(-300))
    review = record_review(pupil=pupil, plan=plan, kind="annual", meeting_date=days(30), acting_user=senco)
    client.force_login(world.people[persona])
    path = {"detail": review.get_absolute_url(), "create": url(pupil), "edit": url(pupil, "edit/", review)}[page]
    assert client.get(path).status_code == status
    if page != "detail" and status != 200:
        data = edit_data(review, status="papers_sent", papers_sent_on=days(0)) if page == "edit" else {
            "kind": "annual", "meeting_date": days(40).isoformat()}
        assert client.post(path, data).status_code == status
        assert AnnualReview.objects.get().status == Status.PLANNED and AnnualReview.objects.count() == 1


def test_another_pupils_review_under_this_pupils_address_is_not_found(client, world, senco, ehcp):
    other_plan = make_plan(world.pupil_class, senco, date_issued=days(-300))
    other = record_review(pupil=world.pupil_class, plan=other_plan, kind="annual", meeting_date=days(9),
                          acting_user=senco)
    client.force_login(senco)
    assert client.get(url(world.pupil_in, "", other)).status_code == 404
    assert client.get(url(world.pupil_in, "edit/", other)).status_code == 404
    assert client.post(url(world.pupil_in, "edit/", other), edit_data(other, status="papers_sent",
                                                                       papers_sent_on=days(0))).status_code == 404
    other.refresh_from_db()
    assert other.status == Status.PLANNED


def test_the_service_refuses_another_pupils_plan(world, senco, ehcp):
    with pytest.raises(Exception, match="isn't this pupil's"):
        record_review(pupil=world.pupil_class, plan=ehcp, kind="annual", meeting_date=days(9), acting_user=senco)


# --- the reviews-due list --------------------------------------------------------------------------

def test_reviews_due_lists_due_soon_and_overdue_first_and_leaves_out_the_rest(world, senco):
    school = world.school
    soon = ehcp_due_in(world.pupil_in, senco, 20)
    overdue = ehcp_due_in(world.pupil_class, senco, -5)
    sen_support = make_plan(world.pupil_out, senco, kind=Plan.Kind.SEN_SUPPORT, review_due_on=days(30))
    far = PupilFactory(school=school, legal_last_name="Farr")
    ehcp_due_in(far, senco, 120)
    archived = PupilFactory(school=school, legal_last_name="Gone")
    ehcp_due_in(archived, senco, 3)
    archived.archived_at = timezone.now()
    archived.save(update_fields=["archived_at"])
    ehcp_due_in(world.pupil_other_school, world.people["other_school_senco"], 3)
    drafted = PupilFactory(school=school, legal_last_name="Draft")
    make_plan(drafted, senco, in_force=False, date_issued=days(-400))
    booked = record_review(pupil=world.pupil_in, plan=soon, kind="annual", meeting_date=days(18), acting_user=senco)

    items = reviews_due(_staff(world, "senco"))
    assert [(i.pupil, i.due_on) for i in items] == [
        (world.pupil_class, overdue.next_review_due), (world.pupil_in, days(20)), (world.pupil_out, days(30))]
    assert items[0].is_overdue and not items[1].is_overdue
    assert (items[1].review_id, items[1].meeting_date, items[1].review_status) == (booked.pk, days(18), "planned")
    assert items[2].plan_kind == Plan.Kind.SEN_SUPPORT and sen_support.next_review_due == days(30)
    # A TA sees only their caseload's reviews.
    assert [i.pupil for i in reviews_due(_staff(world, "ta"))] == [world.pupil_in]
    # A longer look ahead brings in the far-off one.
    assert far in [i.pupil for i in reviews_due(_staff(world, "senco"), weeks=20)]


def test_reviews_behind_their_statutory_dates_are_on_the_due_list(world, senco):
    # Amelia: due in 3 weeks, meeting in 10 days, papers not out (due 4 days ago): one line, with a warning.
    plan = ehcp_due_in(world.pupil_in, senco, 21)
    record_review(pupil=world.pupil_in, plan=plan, kind="annual", meeting_date=days(10), acting_user=senco)
    # Oliver: held 20 days ago (the clock restarted a year on), report to the LA not sent.
    oliver = ehcp_due_in(world.pupil_class, senco, -15)
    held = record_review(pupil=world.pupil_class, plan=oliver, kind="annual", meeting_date=days(-20),
                         acting_user=senco)
    update_review(review=held, acting_user=senco, changes={"status": Status.HELD})
    # Isla: a SEN support review has no statutory report: never "behind".
    isla = make_plan(world.pupil_out, senco, kind=Plan.Kind.SEN_SUPPORT, review_due_on=days(-30))
    review = record_review(pupil=world.pupil_out, plan=isla, kind="interim", meeting_date=days(-30), acting_user=senco)
    update_review(review=review, acting_user=senco, changes={"status": Status.HELD})

    items = reviews_due(_staff(world, "senco"))
    assert [i.pupil for i in items] == [world.pupil_class, world.pupil_in]
    assert items[0].due_on is None and items[0].review_id == held.pk
    assert "report to the local authority is overdue" in items[0].warnings[0]
    assert items[1].due_on == days(21) and items[1].warnings == [
        f"Papers are overdue: they should have gone out by {days(-4):%-d %B %Y}."]


def _staff(world, persona):
    from accounts.access import StaffContext
    from accounts.models import Membership

    membership = Membership.objects.get(user=world.people[persona], school=world.school)
    return StaffContext(user=world.people[persona], school=world.school, membership=membership,
                        roles=frozenset(membership.roles))


def grow(world, senco, n):
    """n more pupils with an EHCP due soon and a booked review behind its dates, and n more with one far off."""
    for _ in range(n):
        pupil = PupilFactory(school=world.school)
        CaseloadEntryFactory(school=world.school, user=world.people["ta"], pupil=pupil)
        plan = ehcp_due_in(pupil, senco, 10)
        record_review(pupil=pupil, plan=plan, kind="annual", meeting_date=days(5), acting_user=senco)
        ehcp_due_in(PupilFactory(school=world.school), senco, 200)


@pytest.mark.parametrize("persona", ["senco", "ta"])
def test_reviews_due_takes_two_queries_whatever_the_number_of_pupils(world, senco, django_assert_num_queries,
                                                                   persona):
    staff = _staff(world, persona)
    for n in (2, 15):
        grow(world, senco, n)
        # plans in force due (review booked, as subqueries); reviews behind their dates
        with django_assert_num_queries(2):
            items = reviews_due(staff)
        assert len(items) == (2 if n == 2 else 17)


def test_senco_sees_the_reviews_due_on_their_home_page(client, world, senco, review_panels):
    ehcp_due_in(world.pupil_in, senco, -5)
    ehcp_due_in(world.pupil_class, senco, 30)
    client.force_login(senco)
    page = client.get("/")
    html = page.content.decode()
    assert "Reviews due" in html and "1 overdue." in html
    assert html.index("Amelia Hughes") < html.index("Oliver Khan")
    assert f'href="/pupils/{world.pupil_in.pk}/reviews/new/"' in html
    client.force_login(world.people["ta"])
    assert "Reviews due" not in client.get("/").content.decode()  # a TA's home page is their pupils


def test_home_page_query_count_is_flat_with_the_reviews_panel(client, world, senco, review_panels):
    client.force_login(senco)
    counts = []
    for n in (2, 12):
        grow(world, senco, n)
        client.get("/")  # warm the session
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]


# --- the pupil page panel --------------------------------------------------------------------------

def test_pupil_page_shows_next_review_and_the_booked_reviews_step(client, world, senco, ehcp, review_panels):
    review = record_review(pupil=world.pupil_in, plan=ehcp, kind="annual", meeting_date=days(18), acting_user=senco)
    update_review(review=review, acting_user=senco, changes={"status": Status.PAPERS_SENT, "papers_sent_on": days(0)})
    client.force_login(world.people["ta"])
    html = client.get(world.pupil_in.get_absolute_url()).content.decode()
    assert f"Next annual review due by <strong>{days(21):%-d %B %Y}</strong>" in html
    assert "Booked:" in html and "Papers sent</span>" in html and review.get_absolute_url() in html
    assert "Plan a review" not in html  # a TA reads; and a review is already booked
    client.force_login(world.people["admin"])
    assert "Next annual review" not in client.get(world.pupil_in.get_absolute_url()).content.decode()


def test_pupil_page_offers_the_senco_to_plan_an_overdue_review(client, world, senco, review_panels):
    ehcp_due_in(world.pupil_out, senco, -3)
    client.force_login(senco)
    html = client.get(world.pupil_out.get_absolute_url()).content.decode()
    assert "Overdue" in html and "No reviews recorded yet." in html
    assert f'href="/pupils/{world.pupil_out.pk}/reviews/new/"' in html


def test_pupil_panel_query_count_is_flat(world, senco, rf, django_assert_num_queries):
    ehcp = ehcp_due_in(world.pupil_in, senco, 20)
    request = rf.get("/")
    request.staff = _staff(world, "senco")
    for n in (1, 10):
        for i in range(n):
            review = record_review(pupil=world.pupil_in, plan=ehcp, kind="interim", meeting_date=days(-100 - i * 3 - n),
                                   acting_user=senco)
            update_review(review=review, acting_user=senco, changes={"status": Status.HELD})
        with django_assert_num_queries(2):  # plan in force (reviewed flag); the booked or latest review
            panel = pupil_review_panel(request, pupil=world.pupil_in)
        assert panel.context["summary"].latest.status == Status.HELD


# --- query counts of the review pages ---------------------------------------------------------------

def test_review_pages_take_a_fixed_number_of_queries(client, world, senco, ehcp, django_assert_num_queries):
    client.force_login(senco)
    review = record_review(pupil=world.pupil_in, plan=ehcp, kind="annual", meeting_date=days(10), acting_user=senco)
    for n in (1, 12):
        for i in range(n):
            record_review(pupil=world.pupil_in, plan=ehcp, kind="interim", meeting_date=days(20 + i + n),
                          acting_user=senco)
        client.get("/")
        # session, user, membership+school, pupil+class+school, review+plan+author, access-log insert,
        # session save (savepoint, update, release)
        with django_assert_num_queries(9):
            assert client.get(review.get_absolute_url()).status_code == 200
        # as the detail page, without the author
        with django_assert_num_queries(9):
            assert client.get(url(world.pupil_in, "edit/", review)).status_code == 200
        # session, user, membership+school, pupil+class+school, plan in force, booked review,
        # session save (savepoint, update, release)
        with django_assert_num_queries(9):
            assert client.get(url(world.pupil_in)).status_code == 200
