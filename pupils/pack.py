"""The pupil's one-page profile in the evidence pack (ARCHITECTURE.md: "The pack in particular").

``pack_section(pupil, start, end)`` returns ``(template name, context)``; ``reviews`` renders it with
WeasyPrint among the other apps' sections. It is the profile as recorded today (a one-page profile
says how to support the pupil now, which is what the review looks forward from), with the date it
last changed. One query (the key adults) whatever the data, and no other pupil in it.

The photo is printed only with the pupil's photo consent (DECISIONS.md), as a small ``data:`` URI
so the pack carries it whatever the storage and WeasyPrint never fetches a URL.

``other_pupils_redactor`` and ``redact_text_fields`` serve every section made from free text
that staff typed (here and in ``plans.pack``): another pupil's full name becomes "another pupil".
"""

import base64
import copy
import datetime
import io
from typing import Callable

from django.core.files import File
from django.db import models
from PIL import Image, ImageOps

from .models import Need, Pupil
from .redaction import name_replacer

TEMPLATE = "pupils/pack/profile.html"
THUMBNAIL_PX = 240  # longest side of a printed picture: a thumbnail, not the original


def image_data_uri(file: File, max_px: int = THUMBNAIL_PX) -> str | None:
    """A stored image shrunk to at most ``max_px`` on its longest side, as a JPEG ``data:`` URI;
    None when the file is missing or isn't an image Pillow can read (the pack still gets made)."""
    try:
        with file.open("rb") as fh:
            image = Image.open(fh)
            image.draft("RGB", (max_px, max_px))  # a JPEG decodes at a smaller scale: less memory for phone photos
            image = ImageOps.exif_transpose(image)  # phone photos are stored sideways with an EXIF turn
            image.thumbnail((max_px, max_px))
            if image.mode in ("RGBA", "LA", "P"):
                image = image.convert("RGBA")
                flat = Image.new("RGB", image.size, "white")
                flat.paste(image, mask=image.getchannel("A"))  # transparency prints white, not black
                image = flat
            else:
                image = image.convert("RGB")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _full_names(first: str, preferred: str, last: str) -> set[str]:
    return {f"{f} {last}" for f in (first, preferred) if f and last}


def other_pupils_redactor(pupil) -> Callable[[str], str]:
    """A function that replaces the full name of any other pupil of the school, as staff may type
    it in a note ("played with Isla Morgan"), with "another pupil" (DECISIONS.md: other pupils are
    never named in anything made for one pupil). Full names only: a first or last name alone is too
    often an ordinary word, a parent's or a member of staff's name to replace safely. One query."""
    own = {n.casefold() for n in _full_names(pupil.legal_first_name, pupil.preferred_name, pupil.legal_last_name)}
    names = set()
    for names_of_one in (Pupil.objects.filter(school_id=pupil.school_id).exclude(pk=pupil.pk)
                         .values_list("legal_first_name", "preferred_name", "legal_last_name")):
        names |= {n for n in _full_names(*names_of_one) if n.casefold() not in own}
    return name_replacer(names)


def redact_text_fields(obj: models.Model, clean: Callable[[str], str]) -> models.Model:
    """Clean every free-text field of a record loaded for the pack, in memory only (sections
    never save). Fields with choices hold codes, not text, and are left alone."""
    for field in obj._meta.concrete_fields:
        if isinstance(field, (models.TextField, models.CharField)) and not field.choices:
            setattr(obj, field.attname, clean(getattr(obj, field.attname)))
    return obj


def pack_section(pupil, start: datetime.date, end: datetime.date) -> tuple[str, dict]:
    # A copy: the pack hands the same pupil object to every section.
    pupil = redact_text_fields(copy.copy(pupil), other_pupils_redactor(pupil))
    key_adults = [u.full_name or u.email for u in pupil.key_adults.order_by("full_name", "id")]
    needs = [Need(n).label for n in (pupil.primary_need, pupil.secondary_need) if n in Need.values]
    return TEMPLATE, {
        "pupil": pupil,
        "known_as": pupil.preferred_name,
        "legal_name": f"{pupil.legal_first_name} {pupil.legal_last_name}",
        "photo": image_data_uri(pupil.photo) if pupil.show_photo else None,
        "photo_withheld": bool(pupil.photo) and not pupil.photo_consent,
        "year_group": pupil.get_year_group_display(),
        "sen_status": pupil.get_sen_status_display(),
        "needs": needs,
        "diagnoses": pupil.diagnoses,
        "communication": pupil.communication_labels,
        "key_adults": key_adults,
        "last_changed": pupil.updated_at,
        "period_start": start,
        "period_end": end,
    }
