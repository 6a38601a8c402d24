"""SENCo and office staff keep pupil profiles; bad input is explained and nothing half-saves."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from pupils.models import Contact, Pupil
from pupils.upn import make_upn
from sendsupport.models import AccessLog


def new_pupil_data(**overrides):
    data = {
        "legal_first_name": "Freya", "legal_last_name": "Patel", "preferred_name": "Frey",
        "date_of_birth": "2016-10-03", "upn": make_upn(383, 2001, 16, 7), "year_group": 4,
        "sen_status": "E", "primary_need": "ASD", "secondary_need": "SLCN", "communication": ["pecs", "makaton"],
        "what_helps": "Now-and-next board", "medical_alerts": "", "allergies": "Latex",
        "contacts-TOTAL_FORMS": 1, "contacts-INITIAL_FORMS": 0,
        "contacts-0-name": "Anita Patel", "contacts-0-relationship": "Mother",
        "contacts-0-parental_responsibility": "on", "contacts-0-phone": "07700 900123",
        "contacts-0-preferred_contact": "phone", "contacts-0-lives_with_pupil": "on", "contacts-0-priority": 1,
    }
    data.update(overrides)
    return data


def test_senco_adds_a_pupil_with_contacts(client, world):
    client.force_login(world.people["senco"])
    response = client.post("/pupils/new/", new_pupil_data(class_group=world.class_in.pk))
    assert response.status_code == 302
    pupil = Pupil.objects.get(legal_last_name="Patel")
    assert pupil.school == world.school and pupil.communication == ["pecs", "makaton"]
    assert pupil.contacts.get().name == "Anita Patel"
    page = client.get(pupil.get_absolute_url()).content.decode()
    assert "Frey Patel" in page and "Latex" in page and "PECS, Makaton" in page


def test_invalid_upn_is_explained_next_to_the_field_and_everything_typed_is_kept(client, world):
    client.force_login(world.people["senco"])
    response = client.post("/pupils/new/", new_pupil_data(upn="A12345678901X"))
    assert response.status_code == 400
    form = response.context["form"]
    assert "upn" in form.errors and "check letter" in str(form.errors["upn"]) or "13 characters" in str(form.errors)
    page = response.content.decode()
    assert 'value="Freya"' in page and "Now-and-next board" in page and 'value="Anita Patel"' in page
    assert not Pupil.objects.filter(legal_last_name="Patel").exists()


def test_a_bad_contact_saves_nothing(client, world):
    client.force_login(world.people["senco"])
    pupil = world.pupil_in
    before = (pupil.what_helps, Contact.objects.count())
    data = new_pupil_data(upn=pupil.upn, what_helps="Changed", **{"contacts-0-email": "not-an-email"})
    response = client.post(f"/pupils/{pupil.pk}/edit/", data)
    assert response.status_code == 400 and "Enter a valid email address" in response.content.decode()
    pupil.refresh_from_db()
    assert (pupil.what_helps, Contact.objects.count()) == before


def test_duplicate_upn_in_the_same_school_is_refused(client, world):
    client.force_login(world.people["admin"])
    response = client.post("/pupils/new/", new_pupil_data(upn=world.pupil_out.upn))
    assert response.status_code == 400 and b"already has this UPN" in response.content


def test_office_staff_cannot_change_sen_detail(client, world):
    client.force_login(world.people["admin"])
    form = client.get(f"/pupils/{world.pupil_in.pk}/edit/").context["form"]
    assert "upn" in form.fields and "allergies" in form.fields
    assert "what_helps" not in form.fields and "sen_status" not in form.fields
    client.post(f"/pupils/{world.pupil_in.pk}/edit/", new_pupil_data(upn=world.pupil_in.upn, what_helps="Hacked"))
    world.pupil_in.refresh_from_db()
    assert world.pupil_in.what_helps != "Hacked"


def test_archived_pupils_are_kept_read_only(client, world):
    client.force_login(world.people["senco"])
    client.post(f"/pupils/{world.pupil_out.pk}/archive/")
    pupil = Pupil.objects.get(pk=world.pupil_out.pk)
    assert pupil.is_archived
    assert client.get(f"/pupils/{pupil.pk}/edit/").status_code == 302
    client.get("/")  # shows (and clears) the messages that name the pupil
    assert "Morgan" not in client.get("/pupils/").content.decode()
    assert "Morgan" in client.get("/pupils/", {"archived": "on"}).content.decode()


def png_bytes():
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buf, "PNG")
    return buf.getvalue()


def test_photo_is_private_and_shown_only_with_consent(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.people["senco"])
    pupil = world.pupil_in
    data = new_pupil_data(upn=pupil.upn, **{"contacts-TOTAL_FORMS": 0})
    data["photo"] = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")
    response = client.post(f"/pupils/{pupil.pk}/edit/", data)
    assert response.status_code == 400 and b"Record photo consent" in response.content
    data["photo"] = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")
    data["photo_consent"] = "on"
    assert client.post(f"/pupils/{pupil.pk}/edit/", data).status_code == 302
    pupil.refresh_from_db()
    assert "me.png" not in pupil.photo.name  # the stored name reveals nothing
    photo = client.get(f"/pupils/{pupil.pk}/photo/")
    assert photo.status_code == 200 and photo["Cache-Control"] == "private, no-store"
    client.force_login(world.people["other_ta"])
    assert client.get(f"/pupils/{pupil.pk}/photo/").status_code == 404
    Pupil.objects.filter(pk=pupil.pk).update(photo_consent=False)  # consent withdrawn
    client.force_login(world.people["senco"])
    assert client.get(f"/pupils/{pupil.pk}/photo/").status_code == 404


def test_a_non_image_upload_is_refused(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.people["senco"])
    data = new_pupil_data(upn=world.pupil_in.upn, photo_consent="on", **{"contacts-TOTAL_FORMS": 0})
    data["photo"] = SimpleUploadedFile("x.png", b"%PDF-1.4 not an image", content_type="image/png")
    response = client.post(f"/pupils/{world.pupil_in.pk}/edit/", data)
    assert response.status_code == 400 and "photo" in response.context["form"].errors


def test_reading_a_profile_is_logged_and_senco_sees_who_viewed(client, world):
    client.force_login(world.people["ta"])
    client.get(f"/pupils/{world.pupil_in.pk}/")
    client.get(f"/pupils/{world.pupil_in.pk}/one-page/")
    assert list(AccessLog.objects.filter(pupil=world.pupil_in).values_list("action", flat=True).order_by("at")) == [
        "pupil.profile.view", "pupil.one_page_profile.view"]
    client.force_login(world.people["senco"])
    page = client.get(f"/pupils/{world.pupil_in.pk}/viewers/").content.decode()
    assert world.people["ta"].full_name in page and "One-page profile" in page


def test_refused_reads_are_not_logged_as_views(client, world):
    client.force_login(world.people["ta"])
    assert client.get(f"/pupils/{world.pupil_out.pk}/").status_code == 404
    assert not AccessLog.objects.filter(pupil=world.pupil_out).exists()


def test_phone_links_dial_uk_numbers_as_written():
    from sendsupport.templatetags.sendsupport import tel_href

    assert tel_href("+44(0)20 7496 0955") == "+442074960955"
    assert tel_href("07700 900123") == "07700900123"


def test_school_admin_neither_sees_nor_filters_by_sen_status_or_need(client, world):
    world.pupil_in.primary_need, world.pupil_in.sen_status = "ASD", "E"
    world.pupil_in.save()
    client.force_login(world.people["admin"])
    page = client.get("/pupils/").content.decode()
    assert "Primary need" not in page and 'id="id_need"' not in page and "Autis" not in page
    # A crafted filter is ignored, so the count can't reveal who has which need
    everyone = client.get("/pupils/").context["page"].paginator.count
    filtered = client.get("/pupils/?need=ASD&sen_status=E").context["page"].paginator.count
    assert filtered == everyone > 1


def test_senco_filters_by_need(client, world):
    world.pupil_in.primary_need = "ASD"
    world.pupil_in.save()
    client.force_login(world.people["senco"])
    page = client.get("/pupils/?need=ASD")
    assert 'id="id_need"' in page.content.decode()
    assert list(page.context["page"].object_list) == [world.pupil_in]
