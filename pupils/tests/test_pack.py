"""The one-page profile section of the evidence pack, on its own: what the profile holds, the photo
only with consent (as a small data: URI), one query whatever the data, and WeasyPrint renders it.
And the pack's whole-school redactor (``other_pupils_redactor``): other pupils' full names, and their
first or preferred names alone, typed in staff's text become "another pupil", by the rule documented
in ``pupils.redaction.first_name_replacer``."""

import base64
import datetime
import io

import pytest
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils.safestring import SafeData
from PIL import Image

from accounts.factories import UserFactory
from pupils.factories import PupilFactory
from pupils.models import KeyAdult
from pupils.pack import image_data_uri, other_pupils_redactor, pack_redaction, pack_section, redact_text_fields
from pupils.redaction import MARK
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
    # Our pupil's own name is never hidden, even when another pupil shares it; a first name alone goes
    # too (the first-name pass below); another school's pupils are not this school's.
    assert clean("Amelia Hughes helped Isla tidy up") == "Amelia Hughes helped another pupil tidy up"
    assert clean("Noah Evans visited") == "Noah Evans visited"
    assert clean("") == "" and clean("No names here") == "No names here"


@pytest.fixture
def classmates(world):
    """Amelia Hughes (known as Millie) and, in her school: Isla Morgan and Oliver Khan (the world's),
    another Amelia, Mohammed Ali known as Mo, May Patel, William Green known as Will, Summer Jones."""
    for first, last, preferred in [("Amelia", "Stone", ""), ("Mohammed", "Ali", "Mo"), ("May", "Patel", ""),
                                   ("William", "Green", "Will"), ("Summer", "Jones", "")]:
        PupilFactory(school=world.school, legal_first_name=first, legal_last_name=last, preferred_name=preferred)
    amelia = world.pupil_in
    amelia.preferred_name = "Millie"
    amelia.save()
    return world


@pytest.mark.parametrize("typed, printed", [
    # first name, preferred name, full name; possessive; capitals as typed; an initial after it
    ("Amelia pushed Isla at lunch", "Amelia pushed another pupil at lunch"),
    ("Played with Mo and Oliver Khan", "Played with another pupil and another pupil"),
    ("Mohammed's coat", "Another pupil's coat"),
    ("OLIVER shouted", "Another pupil shouted"),
    ("Sat next to Isla M. and Oliver K", "Sat next to another pupil and another pupil"),
    # at the start of a sentence or a line: a capital
    ("Lunch was hard. Isla cried.\n- Oliver to sit apart", "Lunch was hard. Another pupil cried.\n- Another pupil to sit apart"),
    # her own names, and a first name she shares with another pupil, stay; a full name with it goes
    ("Millie and Amelia Stone argued; Amelia won", "Millie and another pupil argued; Amelia won"),
    # after a title it is an adult
    ("Mrs Isla and Mr. Oliver helped. Miss May read.", "Mrs Isla and Mr. Oliver helped. Miss May read."),
    # not capitalised, or part of another word: not a name
    ("isla grass; Willows; Maybe; Olivers", "isla grass; Willows; Maybe; Olivers"),
    # months used as dates stay; used as people they go
    ("In May she improved. By May, read 20 words. Since 3 May; May 2026; end of May; from April to May.",
     "In May she improved. By May, read 20 words. Since 3 May; May 2026; end of May; from April to May."),
    ("Settled well. " * 20 + "Calmer in April and May.", "Settled well. " * 20 + "Calmer in April and May."),
    ("May pushed her. She was hit by May. Played with May.",
     "Another pupil pushed her. She was hit by another pupil. Played with another pupil."),
    # "Will"/"May" opening a sentence as verbs stay; as a name they go
    ("Will continue to monitor. May need a break. May I help?", "Will continue to monitor. May need a break. May I help?"),
    ("Will hit Amelia. Then Will cried.", "Another pupil hit Amelia. Then another pupil cried."),
    # a term, a class
    ("Summer term went well; Summer class; Summer said no", "Summer term went well; Summer class; another pupil said no"),
])
def test_first_names_alone_become_another_pupil_by_the_documented_rule(classmates, typed, printed):
    assert other_pupils_redactor(classmates.pupil_in)(typed) == printed


def test_the_profile_in_the_pack_prints_no_other_pupils_name(classmates):
    amelia = classmates.pupil_in
    amelia.likes = "Playing tag with Isla and Mo. Football with Oliver Khan"
    amelia.strengths_interests = "Will help anyone. Amelia Stone is her best friend; Amelia reads to her."
    amelia.what_helps = "Mrs Isla's calm voice. A movement break in May."
    amelia.dislikes = "May taking her pens"
    amelia.save()
    template, context = pack_section(amelia, *PERIOD)
    html = render_to_string(template, {**context, "section_id": "profile", "section_title": "One-page profile"})
    assert "Playing tag with another pupil and another pupil. Football with another pupil" in html
    assert "Will help anyone. Another pupil is her best friend; Amelia reads to her." in html
    assert "Mrs Isla&#x27;s calm voice. A movement break in May." in html
    assert "Another pupil taking her pens" in html
    assert "Millie Hughes" in html and "legal name Amelia Hughes" in html  # her own names, as they are
    for name in ("Mo.", "Oliver", "Khan", "Stone", "Mohammed"):
        assert name not in html, name
    assert MARK not in html  # marks only while a pack counts


def test_lines_naming_adults_get_only_the_full_name_pass(classmates):
    """A review's attendees are "name, role" lines: a first name there is an adult's."""
    from plans.models import AnnualReview

    review = AnnualReview(attendees="Isla Brown, class teacher\nOliver Khan (brother)",
                          pupil_views="Likes working with Isla")
    redact_text_fields(review, other_pupils_redactor(classmates.pupil_in), people=("attendees",))
    assert review.attendees == "Isla Brown, class teacher\nAnother pupil (brother)"
    assert review.pupil_views == "Likes working with another pupil"


def test_a_pack_reads_the_names_once_and_counts_what_it_replaced(classmates, django_assert_num_queries):
    amelia = classmates.pupil_in
    with pack_redaction() as redaction:
        with django_assert_num_queries(1):  # the school's other pupils' names, once for every section
            first = other_pupils_redactor(amelia)
            second = other_pupils_redactor(amelia)
        text = first("Isla and Mo played") + " / " + second("Oliver Khan too; Mrs Isla watched")
        assert text.count(MARK) == 3
        assert redaction.unmark(text) == "Another pupil and another pupil played / Another pupil too; Mrs Isla watched"
        assert redaction.unmark("Nothing here") == "Nothing here"
        html = render_to_string("pupils/pack/profile.html", pack_section(amelia, *PERIOD)[1])
        assert isinstance(redaction.unmark(html), SafeData)  # still HTML for the frame, not escaped text
    assert redaction.replaced == 3
    with django_assert_num_queries(1):  # outside a pack: each section reads them itself, and nothing is marked
        assert other_pupils_redactor(amelia)("Isla") == "Another pupil"
