"""Journeys through the real product in headless Chromium: one per role, an invitation, a bad input,
and a screenshot tour at phone and laptop widths. Every page visited is checked with axe-core.

What each role must and must not see is asserted on the page itself (text and controls a person
would see), not on the template context. Counts, never timings.
"""

import re
from urllib.parse import quote_plus

import pytest

from sendsupport.templatetags.sendsupport import tel_href
from django.core import mail
from playwright.sync_api import expect

from pupils.upn import make_upn

from .axe import check_a11y
from .conftest import login, nav_to, open_menu, sign_out, snap

PHONE = pytest.mark.parametrize("viewport", ["phone"], indirect=True)
LAPTOP = pytest.mark.parametrize("viewport", ["laptop"], indirect=True)

SEN_DETAIL = ["What helps", "Known triggers", "Early warning signs", "Sensory profile", "Diagnoses"]


# --- steps shared by journeys -------------------------------------------------------------------

# Reported, not yet fixed: at phone width the history and viewers tables scroll sideways inside a
# .table-responsive <div> that can't take keyboard focus (WCAG 2.1.1). Fix in the templates:
# <div class="table-responsive" tabindex="0" role="region" aria-label="...">. Then delete this.


def visit(page, live_server, path: str, label: str, shot: str | None = None, allow: dict | None = None):
    page.goto(f"{live_server.url}{path}")
    check_a11y(page, label, allow=allow)
    if shot:
        snap(page, shot)


def search_pupils(page, text: str, *, live: bool = False) -> None:
    """Type into the pupil list's search box. ``live``: let htmx update the results as one types
    (and push the address); otherwise press Enter (a plain GET of the whole page)."""
    box = page.get_by_label("Name or UPN")
    box.fill(text)
    if not live:
        with page.expect_navigation():
            box.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q=" + re.escape(quote_plus(text)) + r"(&|$)"))


def result_links(page):
    return page.locator("#results tbody a")


def expect_results(page, count: int) -> None:
    expect(page.locator("#result-count")).to_have_text(f"{count} pupil{'' if count == 1 else 's'}")
    expect(result_links(page)).to_have_count(count)


def open_pupil(page, pupil, label: str, shot: str | None = None) -> None:
    link_text = f"{pupil.legal_last_name}, {pupil.preferred_name or pupil.legal_first_name}"
    with page.expect_navigation():
        result_links(page).filter(has_text=link_text).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(pupil.display_name)
    check_a11y(page, label)
    if shot:
        snap(page, shot)


def find_and_open(page, pupil, label: str, shot: str | None = None) -> None:
    """From anywhere: the Pupils page, a search by surname, then the pupil's profile."""
    nav_to(page, "Pupils")
    expect(page.get_by_role("heading", level=1, name="Pupils")).to_be_visible()
    check_a11y(page, "pupil list")
    search_pupils(page, pupil.legal_last_name)
    expect_results(page, 1)
    check_a11y(page, "pupil search results")
    if shot:
        snap(page, f"{shot}-search")
    open_pupil(page, pupil, label, shot)


def field(page, label: str):
    """A form field by its label; crispy adds "*" to required fields' labels."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def main(page):
    return page.locator("main")


def text_count(page, text: str) -> int:
    return main(page).get_by_text(text, exact=True).count()


def medical_banner(page):
    return page.get_by_role("region", name="Medical alerts and allergies")


def expect_not_found(page, live_server, path: str) -> None:
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    check_a11y(page, "404 page")


# --- one journey per role ------------------------------------------------------------------------

@PHONE
def test_teaching_assistant_on_a_phone(page, live_server, browser_world):
    w = browser_world
    assert login(page, live_server, w.people["ta"]) is False  # no code asked of a TA
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ta")
    check_a11y(page, "home (TA)")
    snap(page, "ta-home")
    # Their caseload is on the home page.
    expect(page.get_by_role("region", name="My pupils").get_by_role("link")).to_have_count(1)

    # The search only ever finds pupils on their caseload: not the rest of the school, nor another school.
    nav_to(page, "Pupils")
    check_a11y(page, "pupil list (TA)")
    expect_results(page, 1)
    for someone_else in (w.pupil_out, w.pupil_class, w.pupil_other_school):
        search_pupils(page, someone_else.legal_last_name, live=True)
        expect_results(page, 0)
        expect(page.get_by_text("No pupils match")).to_be_visible()
    check_a11y(page, "pupil search, no results")
    snap(page, "ta-search-no-results")
    search_pupils(page, w.pupil_in.legal_last_name, live=True)
    expect_results(page, 1)
    expect(page.locator("#results tbody tr").first).to_contain_text("Medical alert")
    snap(page, "ta-search")
    open_pupil(page, w.pupil_in, "pupil profile (TA)", "ta-profile")

    # What a TA needs in the moment: the medical banner and how to support the pupil.
    banner = medical_banner(page)
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Epilepsy: see healthcare plan")
    expect(banner).to_contain_text("Peanuts")
    for heading in ("What helps", "Known triggers"):
        expect(main(page).get_by_text(heading, exact=True)).to_be_visible()
    expect(page.get_by_text("Calm voice, a movement break, visual timetable.")).to_be_visible()
    # ...and nothing a TA may not do.
    for control in ("Edit profile", "History of changes", "Who viewed this record"):
        expect(page.get_by_role("link", name=control)).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Archive"))).to_have_count(0)

    # The one-page profile is theirs to read and print.
    with page.expect_navigation():
        page.get_by_role("link", name="One-page profile").click()
    expect(page.get_by_text("How best to support me")).to_be_visible()
    check_a11y(page, "one-page profile (TA)")
    snap(page, "ta-one-page")

    # Pupils outside the caseload don't exist for them, even by address.
    expect_not_found(page, live_server, f"/pupils/{w.pupil_out.pk}/")
    expect_not_found(page, live_server, f"/pupils/{w.pupil_other_school.pk}/")
    snap(page, "ta-not-found")
    # The history and the viewers list are not theirs either.
    response = page.goto(f"{live_server.url}/pupils/{w.pupil_in.pk}/history/")
    assert response.status == 403
    check_a11y(page, "403 page")
    snap(page, "ta-forbidden")

    page.goto(f"{live_server.url}/")
    sign_out(page)
    expect(page.get_by_label("Email")).to_be_visible()  # back at the sign-in form
    page.goto(f"{live_server.url}/pupils/{w.pupil_in.pk}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))


def test_teacher_sees_their_class_only(page, live_server, browser_world):
    w = browser_world
    assert login(page, live_server, w.people["teacher"]) is False
    check_a11y(page, "home (teacher)")
    nav_to(page, "Pupils")
    expect_results(page, 1)  # Oliver, through their class 4A
    search_pupils(page, w.pupil_in.legal_last_name)
    expect_results(page, 0)
    search_pupils(page, w.pupil_class.legal_last_name)
    expect_results(page, 1)
    open_pupil(page, w.pupil_class, "pupil profile (teacher)")
    expect(main(page).get_by_text("What helps", exact=True)).to_be_visible()
    expect(medical_banner(page)).to_have_count(0)  # Oliver has no medical alerts
    for control in ("Edit profile", "History of changes", "Who viewed this record"):
        expect(page.get_by_role("link", name=control)).to_have_count(0)
    expect_not_found(page, live_server, f"/pupils/{w.pupil_in.pk}/")


@LAPTOP
def test_senco_on_a_laptop_reads_history_and_viewers(page, live_server, browser_world):
    w = browser_world
    assert login(page, live_server, w.people["senco"]) is True  # 2FA code asked and accepted
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Senco")
    check_a11y(page, "home (SENCo)")
    snap(page, "senco-home")

    # A SENCo sees every pupil of their school, and none of another school's.
    nav_to(page, "Pupils")
    expect_results(page, 3)
    snap(page, "senco-pupil-list")
    search_pupils(page, w.pupil_other_school.legal_last_name)
    expect_results(page, 0)
    search_pupils(page, w.pupil_in.legal_last_name)
    expect_results(page, 1)
    open_pupil(page, w.pupil_in, "pupil profile (SENCo)", "senco-profile")

    expect(medical_banner(page)).to_contain_text("Epilepsy")
    for heading in SEN_DETAIL:
        expect(main(page).get_by_text(heading, exact=True)).to_be_visible()
    expect(page.get_by_text("Parents and carers")).to_be_visible()
    for control in ("One-page profile", "Edit profile", "History of changes", "Who viewed this record"):
        expect(page.get_by_role("link", name=control)).to_be_visible()
    expect(page.get_by_role("button", name="Archive (pupil has left)")).to_be_visible()

    # History of changes: the pupil's creation (and their contact's) is there.
    with page.expect_navigation():
        page.get_by_role("link", name="History of changes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("History of changes")
    check_a11y(page, "history of changes")
    snap(page, "senco-history")
    rows = [r.locator("td").all_inner_texts() for r in page.locator("table tbody tr").all()]
    created = [cells[2] for cells in rows if len(cells) == 4]
    assert created.count("Pupil created") == 1, rows
    assert created.count("Contact created") == 1, rows

    # Who viewed this record: the SENCo's own reads so far, and nobody else's.
    with page.expect_navigation():
        page.get_by_role("link", name=f"Back to {w.pupil_in.display_name}").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Who viewed this record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who viewed this record")
    check_a11y(page, "who viewed this record")
    snap(page, "senco-viewers")
    mine = page.locator("table tbody tr").filter(has_text="Senco Person")
    expect(mine).to_have_count(4)  # profile, history, profile again (the back link), this page
    expect(page.locator("table tbody tr")).to_have_count(4)


@pytest.mark.parametrize("role", ["dsl", "senior"])
def test_dsl_and_senior_leader_read_but_do_not_edit(page, live_server, browser_world, role):
    w = browser_world
    assert login(page, live_server, w.people[role]) is True
    check_a11y(page, f"home ({role})")
    find_and_open(page, w.pupil_out, f"pupil profile ({role})")  # whole school, not a caseload
    expect(main(page).get_by_text("What helps", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="History of changes")).to_be_visible()
    expect(page.get_by_role("link", name="Who viewed this record")).to_be_visible()
    expect(page.get_by_role("link", name="Edit profile")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Archive"))).to_have_count(0)
    # No staff management for them.
    open_menu(page)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff")).to_have_count(0)


def test_school_admin_sees_contacts_not_sen_detail(page, live_server, browser_world):
    w = browser_world
    contact = w.pupil_in.contacts.get()
    assert login(page, live_server, w.people["admin"]) is True
    check_a11y(page, "home (admin)")
    snap(page, "admin-home")
    find_and_open(page, w.pupil_in, "pupil profile (admin)", "admin-profile")

    # Office staff see the basics and parents' contacts...
    contacts = page.locator("section", has=page.get_by_role("heading", name="Parents and carers"))
    expect(contacts).to_contain_text(contact.name)
    expect(contacts.get_by_role("link", name=contact.phone)).to_have_attribute("href", "tel:" + tel_href(contact.phone))
    expect(page.get_by_text(w.pupil_in.upn)).to_be_visible()
    expect(page.get_by_role("link", name="Edit profile")).to_be_visible()
    # ...and the medical banner (safety), but no SEN detail anywhere on the page.
    expect(medical_banner(page)).to_be_visible()
    for heading in SEN_DETAIL:
        assert text_count(page, heading) == 0, f"admin can see {heading!r}"
    expect(page.get_by_text("Calm voice")).to_have_count(0)
    expect(page.get_by_text("Loud noise in the hall")).to_have_count(0)
    for control in ("One-page profile", "History of changes", "Who viewed this record"):
        expect(page.get_by_role("link", name=control)).to_have_count(0)
    # The one-page profile (all SEN detail) is refused even by address.
    response = page.goto(f"{live_server.url}/pupils/{w.pupil_in.pk}/one-page/")
    assert response.status == 403
    check_a11y(page, "403 page (admin)")


# --- an invitation, end to end -------------------------------------------------------------------

def test_admin_invites_a_member_of_staff_who_signs_in(page, open_page, live_server, browser_world):
    w = browser_world
    mail.outbox.clear()
    assert login(page, live_server, w.people["admin"]) is True
    with page.expect_navigation():
        page.get_by_role("link", name="Invite staff").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite a member of staff")
    check_a11y(page, "invite staff")
    snap(page, "admin-invite")
    field(page, "Full name").fill("Priya Shah")
    field(page, "Email").fill("priya.shah@oakfield.example")
    field(page, "Job title").fill("Teaching assistant, Year 4")
    page.get_by_label("Teaching assistant", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Priya Shah was invited")
    expect(page.get_by_role("heading", level=1)).to_have_text("Priya Shah")
    check_a11y(page, "staff member (after invite)")
    snap(page, "admin-staff-detail")

    # The email (sent by the eager Celery task in the live server's thread, same process).
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["priya.shah@oakfield.example"]
    links = re.findall(r"https?://\S+/staff/invite/\S+/", message.body)
    assert len(links) == 1, message.body

    # The invitee, in their own browser: set a password, then sign in.
    invitee = open_page("phone")  # a new TA opens the email on their phone
    invitee.goto(links[0])
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Set your password")
    check_a11y(invitee, "set your password")
    snap(invitee, "invitee-set-password")
    new_password = "larch-meadow-kettle-42"
    field(invitee, "New password").fill(new_password)
    field(invitee, "New password confirmation").fill(new_password)
    with invitee.expect_navigation():
        invitee.get_by_role("button", name="Set password").click()
    expect(invitee).to_have_url(re.compile(r"/accounts/login/"))
    expect(invitee.get_by_role("status")).to_contain_text("Your password is set")

    from accounts.models import User

    priya = User.objects.get(email="priya.shah@oakfield.example")
    assert login(invitee, live_server, priya, password=new_password) is False
    expect(invitee.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Hello, Priya"))
    expect(invitee.get_by_text("No pupils are on your caseload yet")).to_be_visible()
    snap(invitee, "invitee-home")

    # The link works once.
    other = open_page("laptop")
    other.goto(links[0])
    expect(other.get_by_role("heading", level=1)).to_have_text("This link has expired or was already used")
    check_a11y(other, "used invitation link")


# --- bad input --------------------------------------------------------------------------------------

@LAPTOP
def test_senco_enters_an_invalid_upn_and_keeps_what_they_typed(page, live_server, browser_world):
    w = browser_world
    assert login(page, live_server, w.people["senco"]) is True
    find_and_open(page, w.pupil_in, "pupil profile (SENCo)")
    with page.expect_navigation():
        page.get_by_role("link", name="Edit profile").click()
    check_a11y(page, "edit profile")
    snap(page, "senco-edit")

    typed = {
        "Preferred name": "Millie",
        "What helps": "Ear defenders in assembly; a quiet start to the day.",
        "Known triggers": "Fire alarm tests.",
    }
    for label, value in typed.items():
        field(page, label).fill(value)
    field(page, "UPN").fill("X12345")
    with page.expect_navigation():
        page.get_by_role("button", name="Save profile").click()

    # Told at the top and next to the field...
    expect(page.get_by_role("alert").filter(has_text="Some details need correcting")).to_have_count(1)
    upn = field(page, "UPN")
    upn_block = page.locator("#div_id_upn")
    expect(upn_block.locator(".invalid-feedback")).to_contain_text("A UPN is 13 characters")
    expect(upn).to_have_attribute("aria-invalid", "true")
    expect(upn).to_have_accessible_description(re.compile("A UPN is 13 characters"))  # read out with the field
    expect(page.locator(".invalid-feedback:visible")).to_have_count(1)  # only the UPN is wrong
    check_a11y(page, "edit profile with an error")
    snap(page, "senco-edit-error")
    # ...and nothing typed is lost, including the wrong value itself.
    expect(upn).to_have_value("X12345")
    for label, value in typed.items():
        expect(field(page, label)).to_have_value(value)

    # Correcting the UPN saves everything.
    good_upn = make_upn(383, 2001, 17, 999)
    upn.fill(good_upn)
    with page.expect_navigation():
        page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_contain_text("profile was saved")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Millie {w.pupil_in.legal_last_name}")
    expect(page.get_by_text(typed["What helps"])).to_be_visible()
    expect(page.get_by_text(good_upn)).to_be_visible()

    # The saved change is in the history, attributed to the SENCo; the rejected attempt is not.
    with page.expect_navigation():
        page.get_by_role("link", name="History of changes").click()
    check_a11y(page, "history after an edit")
    snap(page, "senco-history-after-edit")
    mine = page.locator("table tbody tr").filter(has_text="Senco Person")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("Millie")
    expect(mine).to_contain_text(good_upn)
    expect(page.locator("table tbody tr").filter(has_text="X12345")).to_have_count(0)


# --- screenshots of the main pages at both widths ------------------------------------------------

@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_main_pages_at_phone_and_laptop_width(page, open_page, live_server, browser_world, viewport):
    """Every main page, checked with axe and photographed at this width (for people to look at)."""
    w = browser_world
    pupil = w.pupil_in
    assert login(page, live_server, w.people["senco"], shots="tour") is True
    check_a11y(page, "home (SENCo)")
    snap(page, "tour-home-senco")
    for path, label, allow in [
        ("/pupils/", "pupil list", None),
        (f"/pupils/{pupil.pk}/", "pupil profile", None),
        (f"/pupils/{pupil.pk}/one-page/", "one-page profile", None),
        (f"/pupils/{pupil.pk}/edit/", "edit profile", None),
        (f"/pupils/{pupil.pk}/history/", "history of changes", None),
        (f"/pupils/{pupil.pk}/viewers/", "who viewed this record", None),
        ("/pupils/new/", "add a pupil", None),
        ("/accounts/2fa/", "security (two-factor)", None),
    ]:
        visit(page, live_server, path, label, "tour-" + re.sub(r"\W+", "-", label).strip("-"), allow)
    if viewport == "phone":
        open_menu(page)
        check_a11y(page, "open phone menu")
        snap(page, "tour-phone-menu")

    # The school admin's pages, in a second browser.
    admin = open_page(viewport)
    visit(admin, live_server, "/accounts/login/", "sign in")
    admin.locator('input[name="login"]').fill(w.people["admin"].email)
    admin.locator('input[name="password"]').fill("wrong-password")
    with admin.expect_navigation():
        admin.locator("main form").get_by_role("button", name="Sign in").click()
    expect(admin.locator(".alert-danger")).to_have_count(1)
    check_a11y(admin, "sign in with an error")
    snap(admin, "tour-sign-in-error")
    assert login(admin, live_server, w.people["admin"], check=False) is True
    snap(admin, "tour-home-admin")
    staff_id = w.people["ta"].memberships.get().pk
    for path, label in [
        ("/staff/", "staff list"),
        (f"/staff/{staff_id}/", "staff member"),
        ("/staff/invite/", "invite staff"),
        ("/staff/school-setup/", "school set-up"),
    ]:
        visit(admin, live_server, path, label, "tour-" + re.sub(r"\W+", "-", label).strip("-"))
