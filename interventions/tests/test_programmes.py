"""Therapy programmes: the SENCo records one (with the therapist's report, checked by contents);
the staff who deliver it fill in the delivery log; the report is served only to people who may
read the pupil's interventions, and each download is logged."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from interventions.models import ProgrammeDelivery, TherapyProgramme
from sendsupport.models import AccessLog

from .test_placements import DAY, today, in_force_plan, login


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def pdf(name="SALT report.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
                              content_type="application/pdf")


def docx(name="OT report.docx"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="application/msword")


def programme_post(world, **kw):
    data = {"pupil": world.pupil_in.pk, "therapist": "Jo Patel", "service": "salt",
            "service_name": "NHS Children's SALT", "set_on": (today() - 30 * DAY).isoformat(),
            "targets": "Use two-word phrases", "activities": "Colourful semantics, 10 min",
            "frequency": "3 times a week", "review_on": (today() + 60 * DAY).isoformat(), "outcome": "",
            "staff": [world.people["ta"].pk]}
    data.update(kw)
    return data


def make_programme(world, pupil=None, staff=("ta",), school=None):
    pupil = pupil or world.pupil_in
    school = school or pupil.school
    creator = world.people["senco"] if school == world.school else world.people["other_school_senco"]
    programme = TherapyProgramme.objects.create(
        school=school, pupil=pupil, therapist="Jo Patel", service="salt", set_on=today() - 30 * DAY,
        targets="Use two-word phrases", activities="Colourful semantics", frequency="3 times a week",
        review_on=today() + 60 * DAY, created_by=creator)
    programme.staff.set([world.people[s] for s in staff])
    return programme


def test_senco_records_a_programme_with_a_pdf_report(client, world):
    plan = in_force_plan(world, world.pupil_in)
    login(client, world, "senco")
    response = client.post("/interventions/programmes/new/", {
        **programme_post(world, outcome=plan.outcomes.get().pk), "report": pdf()})
    assert response.status_code == 302
    programme = TherapyProgramme.objects.get()
    assert programme.report_name == "SALT report.pdf" and programme.report.name.startswith("private/therapy-reports/")
    assert list(programme.staff.all()) == [world.people["ta"]]
    event = TherapyProgramme.pgh_event_model.objects.filter(pgh_obj_id=programme.pk).latest("pgh_id")
    assert event.pgh_context.metadata["action"] == "interventions.programme.create"
    download = client.get(f"/interventions/programmes/{programme.pk}/report/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Cache-Control"] == "private, no-store"
    assert AccessLog.objects.filter(action="interventions.programme.report", pupil=world.pupil_in).exists()


def test_a_docx_report_is_accepted_and_served_as_a_download(client, world):
    login(client, world, "senco")
    assert client.post("/interventions/programmes/new/", {**programme_post(world), "report": docx()}).status_code == 302
    programme = TherapyProgramme.objects.get()
    download = client.get(f"/interventions/programmes/{programme.pk}/report/")
    assert download["Content-Type"].endswith("wordprocessingml.document")
    assert 'attachment; filename="OT report.docx"' == download["Content-Disposition"]


def test_a_report_that_isnt_what_it_claims_is_refused_and_typed_values_kept(client, world):
    login(client, world, "senco")
    fake = SimpleUploadedFile("report.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post("/interventions/programmes/new/", {
        **programme_post(world, therapist="Typed Therapist", review_on=(today() - 60 * DAY).isoformat()),
        "report": fake})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "isn't a PDF, Word document (.docx) or photo" in errors["report"][0]
    assert "can't be before the date set" in errors["review_on"][0]
    assert b"Typed Therapist" in response.content and not TherapyProgramme.objects.exists()


def test_a_report_over_10_mb_is_refused(client, world, monkeypatch):
    from interventions import forms_placements

    monkeypatch.setattr(forms_placements, "MAX_REPORT_BYTES", 10)
    login(client, world, "senco")
    response = client.post("/interventions/programmes/new/", {**programme_post(world), "report": pdf()})
    assert response.status_code == 400 and "the limit is 10 MB" in response.context["form"].errors["report"][0]


def test_outcome_of_another_pupil_is_refused(client, world):
    plan = in_force_plan(world, world.pupil_out)
    login(client, world, "senco")
    response = client.post("/interventions/programmes/new/", programme_post(world, outcome=plan.outcomes.get().pk))
    assert response.status_code == 400 and "another pupil's plan" in response.context["form"].errors["outcome"][0]


@pytest.mark.parametrize("role,status", [("ta", 200), ("teacher", 404), ("senco", 200), ("dsl", 403),
                                         ("senior", 200), ("admin", 403), ("other_school_senco", 404),
                                         ("other_ta", 404)])
def test_programme_page_and_report_by_role(client, world, role, status, media):
    programme = make_programme(world)
    programme.report.save("x", pdf(), save=True)
    login(client, world, role)
    response = client.get(f"/interventions/programmes/{programme.pk}/")
    assert response.status_code == status
    assert client.get(f"/interventions/programmes/{programme.pk}/report/").status_code == status
    if status == 200:
        assert AccessLog.objects.filter(action="interventions.programme.view", pupil=world.pupil_in).exists()


@pytest.mark.parametrize("role,status", [("ta", 403), ("teacher", 403), ("senco", 200), ("dsl", 403),
                                         ("senior", 403), ("admin", 403), ("other_school_senco", 404)])
def test_programme_edit_by_role(client, world, role, status):
    programme = make_programme(world)
    login(client, world, role)
    assert client.get(f"/interventions/programmes/{programme.pk}/edit/").status_code == status


def test_programme_list_shows_a_ta_only_their_own(client, world):
    mine = make_programme(world)
    make_programme(world, pupil=world.pupil_out, staff=("other_ta",))
    make_programme(world, pupil=world.pupil_other_school, staff=())
    login(client, world, "ta")
    assert list(client.get("/interventions/programmes/").context["programmes"]) == [mine]
    for role in ("senco", "senior"):
        login(client, world, role)
        assert len(client.get("/interventions/programmes/").context["programmes"]) == 2


def delivery(**kw):
    data = {"delivered_on": today().isoformat(), "minutes": "15", "rating": "2", "note": "Used 3 two-word phrases"}
    data.update(kw)
    return data


def test_ta_who_delivers_it_logs_a_delivery(client, world):
    programme = make_programme(world)
    login(client, world, "ta")
    assert client.post(f"/interventions/programmes/{programme.pk}/log/", delivery()).status_code == 302
    line = ProgrammeDelivery.objects.get()
    assert (line.delivered_by, line.minutes, line.rating) == (world.people["ta"], 15, 2)
    page = client.get(f"/interventions/programmes/{programme.pk}/")
    assert b"Used 3 two-word phrases" in page.content


@pytest.mark.parametrize("data,field,message", [
    (delivery(delivered_on=(today() + DAY).isoformat()), "delivered_on", "can't be in the future"),
    (delivery(delivered_on=(today() - 31 * DAY).isoformat()), "delivered_on", "can't be before that"),
    (delivery(minutes="0"), "minutes", "Enter at least 1 minute."),
    (delivery(minutes="241"), "minutes", "Enter 240 minutes (4 hours) or fewer."),
])
def test_delivery_log_refuses_bad_input_next_to_the_field(client, world, data, field, message):
    programme = make_programme(world)
    login(client, world, "ta")
    response = client.post(f"/interventions/programmes/{programme.pk}/log/", data)
    assert response.status_code == 400
    assert message in response.context["form"].errors[field][0]
    assert b"Used 3 two-word phrases" in response.content and not ProgrammeDelivery.objects.exists()


@pytest.mark.parametrize("role,status", [("other_ta", 404), ("teacher", 404), ("dsl", 403), ("admin", 403),
                                         ("senior", 403), ("other_school_senco", 404)])
def test_only_the_programmes_staff_log_deliveries(client, world, role, status):
    programme = make_programme(world)
    login(client, world, role)
    assert client.post(f"/interventions/programmes/{programme.pk}/log/", delivery()).status_code == status
    assert not ProgrammeDelivery.objects.exists()


def test_ta_who_may_see_the_pupil_but_doesnt_deliver_reads_without_the_form(client, world):
    programme = make_programme(world, staff=("other_ta",))
    login(client, world, "ta")
    response = client.get(f"/interventions/programmes/{programme.pk}/")
    assert response.status_code == 200 and response.context["may_log"] is False
    assert client.post(f"/interventions/programmes/{programme.pk}/log/", delivery()).status_code == 403
