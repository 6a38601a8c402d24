"""The written report to parents: a PDF letter made by WeasyPrint from the record. It names no other
pupil ("another pupil"), shows the pupil's own injuries with the body map, and the download is
logged. Text is read back from the real PDF with poppler's pdftotext."""

import shutil
import subprocess

import pytest
from django.utils import timezone

from incidents.models import InvolvedPupil
from pupils.redaction import redactor
from sendsupport.models import AccessLog

from .helpers import force_incident, make_record, url

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")


def pdf_text(content: bytes) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


@pytest.fixture
def fight(world):
    """Oliver (in another class) is involved in Amelia's incident; staff typed his name."""
    incident = force_incident(world)
    InvolvedPupil.objects.create(incident=incident, pupil=world.pupil_class, part="Was hit")
    return incident


def test_the_letter_names_no_other_pupil(client, world, fight):
    ri = make_record(
        world, incident=fight,
        events_before="Oliver Khan took her pencil case. Amelia shouted at oliver and then hit Khan's arm.",
        deescalation="Moved Oliver away; offered Amelia the quiet corner",
        reason="Amelia was hitting Oliver repeatedly",
        injuries=[{"person": "pupil", "body_regions": ["left_arm"], "description": "Red mark where Oliver grabbed her",
                   "first_aid": "Cold compress"},
                  {"person": "other_pupil", "body_regions": ["face"], "description": "Oliver's scratched cheek"}],
        support_after="Time with her key adult, then a drink", pupil_view="She said Oliver started it")
    client.force_login(world.people["ta"])  # the author
    response = client.get(url(fight, ri, "letter.pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"] and response["Cache-Control"] == "no-store"
    text = pdf_text(response.content)
    assert "Oliver" not in text and "oliver" not in text.lower() and "Khan" not in text
    assert "another pupil" in text and "Another pupil took her pencil case" in text
    assert "another pupil's arm" in text
    for expected in (world.school.name, "Dear parent or carer of Amelia Hughes", "Report of a restrictive intervention",
                     "restraint (holding)", "Single elbow", "Red mark where another pupil grabbed her",
                     "Cold compress", "Time with her key adult", "Senco Person", "Marked on the body map: Left arm.",
                     ri.reference):
        assert expected in text, expected
    assert "scratched cheek" not in text  # only the pupil's own injuries
    assert AccessLog.objects.filter(action="restrictive.letter.download", pupil=world.pupil_in,
                                    user=world.people["ta"]).count() == 1


def test_a_letter_about_the_involved_pupil_hides_the_incidents_own_pupil(client, world, fight):
    ri = make_record(world, incident=fight, pupil=world.pupil_class, author=world.people["senco"],
                     staff=[world.people["senco"]], reason="Oliver was being hit by Amelia Hughes and hit back")
    client.force_login(world.people["senco"])
    text = pdf_text(client.get(url(fight, ri, "letter.pdf")).content)
    assert "Dear parent or carer of Oliver Khan" in text
    assert "Amelia" not in text and "Hughes" not in text and "being hit by another pupil" in text


def test_a_name_shared_with_the_pupil_is_not_hidden_from_their_own_letter(world):
    other = world.pupil_class
    other.legal_first_name = "Amelia"  # two Amelias: only the other one's full name goes
    clean = redactor([other], world.pupil_in)
    assert clean("Amelia Khan pushed Amelia.") == "Another pupil pushed Amelia."
    assert clean("Took Khan's bag") == "Took another pupil's bag"
    assert clean("Turned to face the Amelia Khan by the door.") == "Turned to face another pupil by the door."


def test_the_letter_renders_a_page_image(client, world, fight, tmp_path):
    """The PDF is a real document poppler can draw (the screenshots use the same route)."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm not installed")
    ri = make_record(world, incident=fight, injuries=[{"person": "pupil", "body_regions": ["chest", "right_hand"],
                                                       "description": "Bruise"}])
    client.force_login(world.people["senco"])
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(client.get(url(fight, ri, "letter.pdf")).content)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    assert list(tmp_path.glob("page*.png"))
    assert timezone.localdate().strftime("%Y") in pdf_text(pdf.read_bytes())
