"""Renewing a parent's written agreement for a medicine: the office or SENCo records the new one
(signed by, dated, next review), the dose refused for the lapsed agreement can then be given, the
old agreement stays in the medicine's history and on its page as a previous agreement, and each
bad date is refused next to its field. Staff who can't renew are told whom to ask."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from care import selectors, services
from care.factories import BatchFactory, MedicineFactory
from care.models import Administration, Medicine
from sendsupport.models import AccessLog

TODAY = timezone.localdate


def days(n):
    return TODAY() + datetime.timedelta(days=n)


@pytest.fixture
def lapsed(world):
    """Amelia's inhaler: the agreement was due for review yesterday, stock in school."""
    inhaler = MedicineFactory(pupil=world.pupil_in, prn=True, consent_from="Sarah Hughes (mother)",
                              consent_given_on=days(-400), consent_review_on=days(-1))
    BatchFactory(medicine=inhaler)
    return inhaler


def give(medicine, user):
    return services.record_administration(medicine=medicine, outcome="given", at=timezone.now(),
                                          batch=medicine.batches.get(), reason="Wheezy after PE", acting_user=user)


def events(medicine):
    return Medicine.pgh_event_model.objects.filter(pgh_obj=medicine).order_by("pgh_id")


# --- the service ------------------------------------------------------------------------------------

def test_office_renews_a_lapsed_agreement_and_the_dose_can_be_given(world, lapsed):
    with pytest.raises(ValidationError) as refused:
        give(lapsed, world.people["ta"])
    assert "due for review" in refused.value.message_dict["__all__"][0]

    services.renew_consent(medicine=lapsed, signed_by="  Sarah Hughes (mother) ", dated=days(-2),
                           review_on=days(363), acting_user=world.people["admin"])
    lapsed.refresh_from_db()
    assert (lapsed.consent_from, lapsed.consent_given_on, lapsed.consent_review_on) == (
        "Sarah Hughes (mother)", days(-2), days(363))
    assert give(lapsed, world.people["ta"]).outcome == "given"

    # Audited: the history row names who renewed it and why, and keeps the agreement it replaced.
    renewal = events(lapsed).last()
    assert renewal.pgh_context.metadata["action"] == "care.renew_consent"
    assert renewal.pgh_context.metadata["user"] == world.people["admin"].pk
    before = events(lapsed).exclude(pgh_id=renewal.pgh_id).last()
    assert (before.consent_given_on, before.consent_review_on) == (days(-400), days(-1))


def test_previous_agreements_come_from_the_history_newest_first(world, lapsed, django_assert_num_queries):
    services.renew_consent(medicine=lapsed, signed_by="Sarah Hughes (mother)", dated=days(-2), review_on=days(30),
                           acting_user=world.people["admin"])
    services.renew_consent(medicine=lapsed, signed_by="Tom Hughes (father)", dated=days(0), review_on=days(365),
                           acting_user=world.people["senco"])
    other = MedicineFactory(pupil=world.pupil_out, name="Melatonin")
    medicines = list(Medicine.objects.filter(pk__in=[lapsed.pk, other.pk]).order_by("pk"))
    with django_assert_num_queries(1):  # the history rows with who made each change
        selectors.add_previous_agreements(medicines)
    newest, oldest = medicines[0].previous_agreements
    assert (newest.signed_by, newest.dated, newest.review_on) == ("Sarah Hughes (mother)", days(-2), days(30))
    assert newest.renewed and newest.replaced_by == "Senco Person"
    assert (oldest.dated, oldest.review_on, oldest.replaced_by) == (days(-400), days(-1), "Admin Person")
    assert medicines[1].previous_agreements == []  # one agreement, never replaced


def test_an_agreement_changed_on_the_edit_page_is_kept_too(client, world, lapsed):
    client.force_login(world.people["senco"])
    data = {"name": lapsed.name, "strength": lapsed.strength, "form": lapsed.form, "route": lapsed.route,
            "dose_amount": "2", "unit": "puffs", "as_needed": "on", "prn_reason": "Wheeze", "prn_max_doses_24h": "4",
            "prn_min_gap_minutes": "240", "storage": "classroom", "low_stock_at": "5", "consent_from": "Sarah Hughes",
            "consent_given_on": days(-10).isoformat(), "consent_review_on": days(200).isoformat()}
    assert client.post(f"/care/medicines/{lapsed.pk}/edit/", data).status_code == 302
    lapsed.refresh_from_db()
    selectors.add_previous_agreements([lapsed])
    (previous,) = lapsed.previous_agreements
    assert previous.review_on == days(-1) and not previous.renewed
    html = client.get(f"/care/pupils/{world.pupil_in.pk}/").content.decode()
    assert "Previous agreements (1)" in html and "Changed on the edit page" in html


@pytest.mark.parametrize("signed_by,dated,review_on,field,message", [
    ("", -1, 300, "consent_from", "Say who signed the agreement, as on the form."),
    ("Mum", 1, 300, "consent_given_on", "The agreement can't be dated in the future: give the date the parent "
                                        "signed it."),
    ("Mum", -500, 300, "consent_given_on", "This is older than the agreement it would replace"),
    ("Mum", None, 300, "consent_given_on", "Give the date on the signed form."),
    ("Mum", -5, -5, "consent_review_on", "The review date must be after the date of the agreement."),
    ("Mum", -5, -9, "consent_review_on", "The review date must be after the date of the agreement."),
    ("Mum", -5, -1, "consent_review_on", "That review date has passed: the agreement would lapse at once."),
    ("Mum", -5, None, "consent_review_on", "Give the date the agreement is next reviewed."),
])
def test_a_bad_renewal_is_refused_next_to_its_field(world, lapsed, signed_by, dated, review_on, field, message):
    before = events(lapsed).count()
    with pytest.raises(ValidationError) as refused:
        services.renew_consent(medicine=lapsed, signed_by=signed_by, dated=None if dated is None else days(dated),
                               review_on=None if review_on is None else days(review_on),
                               acting_user=world.people["admin"])
    assert list(refused.value.message_dict) == [field]
    assert refused.value.message_dict[field][0].startswith(message)
    lapsed.refresh_from_db()
    assert lapsed.consent_review_on == days(-1) and events(lapsed).count() == before


def test_the_same_agreement_twice_is_one_renewal(world, lapsed):
    for _ in range(2):
        services.renew_consent(medicine=lapsed, signed_by="Mum", dated=days(0), review_on=days(365),
                               acting_user=world.people["admin"])
    assert events(lapsed).filter(pgh_context__metadata__action="care.renew_consent").count() == 1


@pytest.mark.parametrize("who", ["ta", "teacher", "senior", "dsl", "other_school_senco"])
def test_only_the_office_and_senco_of_the_school_may_renew(world, lapsed, who):
    with pytest.raises(PermissionDenied):
        services.renew_consent(medicine=lapsed, signed_by="Mum", dated=days(0), review_on=days(365),
                               acting_user=world.people[who])
    lapsed.refresh_from_db()
    assert lapsed.consent_review_on == days(-1)


def test_a_stopped_medicine_or_a_pupil_who_left_has_nothing_to_renew(world, lapsed):
    Medicine.objects.filter(pk=lapsed.pk).update(stopped_on=days(-3))
    with pytest.raises(ValidationError) as refused:
        services.renew_consent(medicine=lapsed, signed_by="Mum", dated=days(0), review_on=days(365),
                               acting_user=world.people["admin"])
    assert "was stopped on" in refused.value.message_dict["__all__"][0]
    Medicine.objects.filter(pk=lapsed.pk).update(stopped_on=None)
    type(world.pupil_in).objects.filter(pk=world.pupil_in.pk).update(archived_at=timezone.now())
    with pytest.raises(ValidationError, match="has left the school"):
        services.renew_consent(medicine=lapsed, signed_by="Mum", dated=days(0), review_on=days(365),
                               acting_user=world.people["admin"])


# --- the page -------------------------------------------------------------------------------------

def renewal(**changes):
    return {"consent_from": "Sarah Hughes (mother)", "consent_given_on": days(0).isoformat(),
            "consent_review_on": days(365).isoformat(), **changes}


@pytest.mark.parametrize("who,status", [
    ("ta", 403), ("teacher", 403), ("senior", 403), ("dsl", 403),  # the ability first, whatever the pupil
    ("senco", 200), ("admin", 200),
    ("other_school_senco", 404),  # may renew at their school, can't see Amelia
])
def test_renewal_page_per_role(client, world, lapsed, who, status):
    client.force_login(world.people[who])
    url = f"/care/medicines/{lapsed.pk}/renew-agreement/"
    response = client.get(url)
    assert response.status_code == status
    if status != 200:
        assert b"Amelia" not in response.content
    assert client.post(url, renewal()).status_code == (302 if status == 200 else status)
    lapsed.refresh_from_db()
    assert (lapsed.consent_review_on == days(365)) == (status == 200)


def test_another_schools_medicine_is_a_404(client, world):
    theirs = MedicineFactory(pupil=world.pupil_other_school)
    client.force_login(world.people["admin"])
    assert client.get(f"/care/medicines/{theirs.pk}/renew-agreement/").status_code == 404
    assert client.post(f"/care/medicines/{theirs.pk}/renew-agreement/", renewal()).status_code == 404


def test_renewal_page_shows_the_agreement_and_is_logged(client, world, lapsed):
    client.force_login(world.people["admin"])
    response = client.get(f"/care/medicines/{lapsed.pk}/renew-agreement/")
    html = response.content.decode()
    assert "Signed by Sarah Hughes (mother), dated" in html and "due for review" in html
    assert response.context["form"]["consent_from"].value() == "Sarah Hughes (mother)"  # often the same parent
    assert AccessLog.objects.filter(action="care.renew_form", pupil=world.pupil_in).exists()


def test_bad_dates_are_said_next_to_the_fields_and_what_was_typed_is_kept(client, world, lapsed):
    client.force_login(world.people["admin"])
    url = f"/care/medicines/{lapsed.pk}/renew-agreement/"
    response = client.post(url, renewal(consent_from="Tom Hughes (father)", consent_given_on=days(2).isoformat(),
                                        consent_review_on=days(1).isoformat()))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["consent_given_on"] == ["The agreement can't be dated in the future: give the date the parent "
                                          "signed it."]
    assert errors["consent_review_on"] == ["The review date must be after the date of the agreement."]
    html = response.content.decode()
    assert 'value="Tom Hughes (father)"' in html and f'value="{days(2).isoformat()}"' in html
    response = client.post(url, renewal(consent_from="", consent_review_on="soon"))
    errors = response.context["form"].errors
    assert errors["consent_from"] == ["Say who signed the agreement, as on the form."]
    assert errors["consent_review_on"] == ["Enter a valid date."]
    assert 'value="soon"' in response.content.decode()
    lapsed.refresh_from_db()
    assert lapsed.consent_review_on == days(-1)


def test_after_renewing_it_goes_back_to_the_dose_it_came_from_and_never_off_site(client, world, lapsed):
    client.force_login(world.people["admin"])
    url = f"/care/medicines/{lapsed.pk}/renew-agreement/"
    back = f"/care/medicines/{lapsed.pk}/give/"
    response = client.post(url, {**renewal(), "next": back})
    assert response.status_code == 302 and response["Location"] == back
    response = client.post(url, {**renewal(consent_review_on=days(366).isoformat()), "next": "https://evil.example/"})
    assert response["Location"] == f"/care/pupils/{world.pupil_in.pk}/"


def test_a_dose_refused_for_a_lapsed_agreement_links_managers_to_the_renewal(client, world, lapsed):
    give_url = f"/care/medicines/{lapsed.pk}/give/"
    dose = {"outcome": "given", "at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "dose_amount": "2",
            "batch": lapsed.batches.get().pk, "reason": "Wheezy"}
    client.force_login(world.people["admin"])
    response = client.post(give_url, dose)
    assert response.status_code == 400 and "It can't be recorded as given" in response.content.decode()
    renew = f'href="/care/medicines/{lapsed.pk}/renew-agreement/?next=/care/medicines/{lapsed.pk}/give/"'
    assert renew in response.content.decode()
    assert client.post(f"/care/medicines/{lapsed.pk}/renew-agreement/", {**renewal(), "next": give_url})[
        "Location"] == give_url
    assert client.post(give_url, dose).status_code == 302
    assert Administration.objects.get().outcome == "given"


def _count_lapsed(html):
    return html.count("The parent&#x27;s agreement was due for review")


@pytest.mark.parametrize("who", ["admin", "senco", "ta"])
def test_the_give_page_says_a_lapsed_agreement_once(client, world, lapsed, who):
    """Opened, and again when the dose is refused for it: one box says it, with the renewal link
    for those who may renew and whom to ask for the others."""
    give_url = f"/care/medicines/{lapsed.pk}/give/"
    dose = {"outcome": "given", "at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "dose_amount": "2",
            "batch": lapsed.batches.get().pk, "reason": "Wheezy"}
    client.force_login(world.people[who])
    opened = client.get(give_url)
    refused = client.post(give_url, dose)
    assert (opened.status_code, refused.status_code) == (200, 400)
    may_renew = who != "ta"
    for html in (opened.content.decode(), refused.content.decode()):
        assert _count_lapsed(html) == 1
        assert html.count(f"due for review on {days(-1):%-d %B %Y}") == 1
        assert html.count("Without it the medicine can") == 0  # the service's wording of the same refusal
        assert html.count(f'href="/care/medicines/{lapsed.pk}/renew-agreement/') == (1 if may_renew else 0)
        assert html.count("Ask Admin Person (office) or Senco Person (SENCo) to renew it.") == (0 if may_renew else 1)
        assert html.count('role="alert"') == 1
    refused = refused.content.decode()
    assert "This dose can't be recorded." in refused and "Nothing was saved." in refused
    assert not Administration.objects.exists()


def test_other_reasons_a_dose_is_refused_are_still_listed_with_the_lapsed_agreement(client, world, lapsed):
    """Four doses given at home in the last 24 hours (allowed without the agreement: the parent gave
    them): a dose now is refused for the agreement and for the 24-hour limit; each is said once."""
    for hours in (23, 18, 13, 8):
        services.record_administration(medicine=lapsed, outcome="at_home", dose_amount=Decimal("2"),
                                       at=timezone.now() - datetime.timedelta(hours=hours),
                                       acting_user=world.people["admin"])
    client.force_login(world.people["admin"])
    html = client.post(f"/care/medicines/{lapsed.pk}/give/", {
        "outcome": "given", "at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "dose_amount": "9",
        "batch": lapsed.batches.get().pk, "reason": "Wheezy"}).content.decode()
    assert _count_lapsed(html) == 1
    assert html.count("Already 4 doses in the 24 hours before") == 1
    assert "More than the agreed dose (2 puffs)." in html  # next to its field
    assert "This dose can't be recorded: see the reasons next to the fields below." in html
    assert Administration.objects.filter(outcome="given").count() == 0


def test_staff_who_cant_renew_are_told_whom_to_ask(client, world, lapsed):
    client.force_login(world.people["ta"])
    ask = "Ask Admin Person (office) or Senco Person (SENCo) to renew it."
    for url in (f"/care/medicines/{lapsed.pk}/give/", "/care/due/", f"/care/pupils/{world.pupil_in.pk}/"):
        html = client.get(url).content.decode()
        assert ask in html and "renew-agreement" not in html, url
    client.force_login(world.people["admin"])
    for url in (f"/care/medicines/{lapsed.pk}/give/", "/care/due/", f"/care/pupils/{world.pupil_in.pk}/"):
        html = client.get(url).content.decode()
        assert "Ask Admin Person" not in html and f"/care/medicines/{lapsed.pk}/renew-agreement/" in html, url


def test_due_now_links_the_renewal_back_to_due_now(client, world, lapsed):
    client.force_login(world.people["senco"])
    html = client.get("/care/due/").content.decode()
    assert f'href="/care/medicines/{lapsed.pk}/renew-agreement/?next=/care/due/"' in html
    assert "Renew the parent's agreement<span class=\"visually-hidden\"> for Amelia Hughes's Salbutamol" in html


def test_due_now_asks_for_no_names_when_every_agreement_is_in_date(client, world, django_assert_num_queries):
    medicine = MedicineFactory(pupil=world.pupil_in, prn=True)
    BatchFactory(medicine=medicine, quantity_received=Decimal("10"))
    client.force_login(world.people["ta"])
    client.get("/care/due/")
    # session, user, membership, medicines, batches, doses, access log, term dates, session save (3)
    with django_assert_num_queries(11):
        assert "Ask " not in client.get("/care/due/").content.decode()


def test_the_medicine_page_lists_previous_agreements(client, world, lapsed):
    services.renew_consent(medicine=lapsed, signed_by="Sarah Hughes (mother)", dated=days(0), review_on=days(365),
                           acting_user=world.people["admin"])
    client.force_login(world.people["ta"])  # readers see the history too; only managers get the button
    html = client.get(f"/care/pupils/{world.pupil_in.pk}/").content.decode()
    assert "Previous agreements (1)" in html
    assert f"Sarah Hughes (mother), dated {days(-400):%-d %b %Y}, review {days(-1):%-d %b %Y}. Renewed" in html
    assert "by Admin Person" in html and "Renew parent" not in html
    client.force_login(world.people["senco"])
    assert "Renew parent's agreement" in client.get(f"/care/pupils/{world.pupil_in.pk}/").content.decode()
