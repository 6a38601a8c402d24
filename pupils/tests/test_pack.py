"""The one-page profile section of the evidence pack, on its own: what the profile holds, the photo
only with consent (as a small data: URI), one query whatever the data, and WeasyPrint renders it."""

import base64
import datetime
import io

import pytest
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from PIL import Image

from accounts.factories import UserFactory
from pupils.factories import PupilFactory
from pupils.models import KeyAdult
from pupils.pack import image_data_uri, other_pupils_redactor, pack_section
from sendsupport.sections import pack_sections

PERIOD = (datetime.date(2025, 9, 1), datetime.date(2026, 7, 31))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def jpeg(size=(800, 1000), colour="navy", exif_rotation=None):
    buf = io.BytesIO()
    image = Image.new("RGB", size, colour)
    if exif_rotation:
        exif = Image.Exif()
        exif[0x0112] = exif_rotation  # Orientation: 6 = the camera was turned, show rotated 90°
        image.save(buf, "JPEG", exif=exif)
    else:
        image.save(buf, "JPEG")
    return buf.getvalue()


def decoded(uri):
    assert uri.startswith("data:image/jpeg;base64,")
    return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))


@pytest.fixture
def amelia(world):
    pupil = world.pupil_in
    pupil.preferred_name = "Millie"
    pupil.strengths_interests = "Kind to younger children; brilliant at drawing horses"
    pupil.likes = "Horses, the colour purple, playing tag with Oliver Khan"
    pupil.dislikes = "The hand dryer"
    pupil.communication = ["speech", "makaton"]
    pupil.communication_notes = "Give one instruction at a time"
    pupil.early_warning_signs = "Humming, pulling her sleeves"
    pupil.sensory_profile = "Seeks deep pressure; avoids loud rooms"
    pupil.diagnoses = "Autism (2022)"
    pupil.primary_need, pupil.secondary_need, pupil.sen_status = "ASD", "SLCN", "E"
    pupil.photo_consent = True
    pupil.photo.save("photo.jpg", ContentFile(jpeg()), save=False)
    pupil.save()
    KeyAdult.objects.create(pupil=pupil, user=world.people["ta"])
    return pupil


def test_profile_holds_the_one_page_profile_and_a_small_photo(amelia, django_assert_num_queries):
    # the school's other pupils' names, the key adults
    with django_assert_num_queries(2):
        template, context = pack_section(amelia, *PERIOD)
        html = render_to_string(template, {**context, "section_id": "profile", "section_title": "One-page profile"})
    assert template == "pupils/pack/profile.html"
    assert context["key_adults"] == ["Ta Person"]
    for text in ["Millie Hughes", "legal name Amelia Hughes", "Kind to younger children", "Horses, the colour purple",
                 "The hand dryer", "Calm voice, a movement break", "Speech, Makaton", "Give one instruction at a time",
                 "Loud noise in the hall", "Humming, pulling her sleeves", "Seeks deep pressure", "Autism (2022)",
                 "Autistic spectrum disorder; Speech, language and communication needs",
                 "Epilepsy: see healthcare plan",
                 "Peanuts", "Key adults: Ta Person", 'id="profile"', "One-page profile"]:
        assert text in html, text
    photo = decoded(context["photo"])
    assert photo.size == (192, 240)  # 800x1000 shrunk to 240 on its longest side
    assert f'src="{context["photo"]}"' in html and 'alt="Photo of Millie Hughes"' in html
    assert "<script" not in html and "Isla" not in html and "Oliver" not in html
    assert "Evidence pack section" not in html  # the template's comment stays out of the pack
    assert "playing tag with another pupil" in html and "Khan" not in html  # a name typed in the profile
    assert "Oliver Khan" in amelia.likes  # the pack's pupil object itself is left as it was


def test_no_photo_is_printed_without_consent(amelia):
    amelia.photo_consent = False
    amelia.save()
    template, context = pack_section(amelia, *PERIOD)
    html = render_to_string(template, {**context, "section_id": "profile", "section_title": "One-page profile"})
    assert context["photo"] is None and "<img" not in html and "data:image" not in html
    assert "A photo is held but not printed: there is no photo consent." in html


def test_profile_queries_stay_fixed_with_more_key_adults(amelia, world, django_assert_num_queries):
    for n in range(6):
        KeyAdult.objects.create(pupil=amelia, user=UserFactory(full_name=f"Adult {n}"))
        PupilFactory(school=world.school)
    with django_assert_num_queries(2):
        template, context = pack_section(amelia, *PERIOD)
        render_to_string(template, {**context, "section_id": "profile", "section_title": "One-page profile"})
    assert len(context["key_adults"]) == 7
    # A pupil with an empty profile still gets a readable page.
    template, context = pack_section(world.pupil_out, *PERIOD)
    html = render_to_string(template, {**context, "section_id": "profile", "section_title": "One-page profile"})
    assert "Not recorded" in html and "Key adults: none recorded" in html and context["photo"] is None


def test_thumbnails_turn_phone_photos_upright_and_survive_unreadable_files():
    name = default_storage.save("sideways.jpg", ContentFile(jpeg(size=(400, 200), exif_rotation=6)))
    with default_storage.open(name) as fh:
        assert decoded(image_data_uri(File(fh, name=name))).size == (120, 240)  # upright: taller than wide
    transparent = io.BytesIO()
    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(transparent, "PNG")
    name = default_storage.save("clear.png", ContentFile(transparent.getvalue()))
    with default_storage.open(name) as fh:
        assert decoded(image_data_uri(File(fh, name=name))).getpixel((25, 25))[0] > 240  # white paper, not black
    name = default_storage.save("broken.jpg", ContentFile(b"not an image at all"))
    with default_storage.open(name) as fh:
        assert image_data_uri(File(fh, name=name)) is None


def test_profile_is_registered_first_and_weasyprint_renders_it(amelia):
    [section] = [s for s in pack_sections() if s.key == "profile"]
    assert (section.order, section.title) == (10, "One-page profile")
    template, context = section.build(amelia, *PERIOD)
    html = render_to_string(template, {**context, "section_id": "profile", "section_title": section.title})
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    document = HTML(string=f"<!DOCTYPE html><html lang='en-GB'><head><meta charset='utf-8'><title>Profile</title>"
                           f"</head><body>{html}</body></html>",
                    url_fetcher=URLFetcher(allowed_protocols=["data"])).render()
    assert len(document.pages) == 1  # one page, as a one-page profile should be
    assert document.write_pdf().startswith(b"%PDF")


def test_other_pupils_full_names_typed_in_text_become_another_pupil(world, django_assert_num_queries):
    amelia = world.pupil_in
    PupilFactory(school=world.school, legal_first_name="Amelia", legal_last_name="Stone", preferred_name="Mia")
    PupilFactory(school=world.school, legal_first_name="Amelia", legal_last_name="Hughes")  # same name as ours
    with django_assert_num_queries(1):
        clean = other_pupils_redactor(amelia)
    assert clean("Isla Morgan's pencil case. Then OLIVER  KHAN laughed.") == (
        "Another pupil's pencil case. Then another pupil laughed.")
    assert clean("Sat with Mia Stone and Amelia Stone") == "Sat with another pupil and another pupil"
    # Our pupil's own name is never hidden, even when another pupil shares it; first names alone stay
    # (too often a word, a parent or a member of staff); another school's pupils are not this school's.
    assert clean("Amelia Hughes helped Isla tidy up") == "Amelia Hughes helped Isla tidy up"
    assert clean("Noah Evans visited") == "Noah Evans visited"
    assert clean("") == "" and clean("No names here") == "No names here"
