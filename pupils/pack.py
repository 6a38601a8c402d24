"""The pupil's one-page profile in the evidence pack (ARCHITECTURE.md: "The pack in particular").

``pack_section(pupil, start, end)`` returns ``(template name, context)``; ``reviews`` renders it with
WeasyPrint among the other apps' sections. It is the profile as recorded today (a one-page profile
says how to support the pupil now, which is what the review looks forward from), with the date it
last changed. One query (the key adults) whatever the data, and no other pupil in it.

The photo is printed only with the pupil's photo consent (DECISIONS.md), as a small ``data:`` URI
so the pack carries it whatever the storage and WeasyPrint never fetches a URL.

``other_pupils_redactor`` and ``redact_text_fields`` serve every section made from free text
that staff typed (here, in ``plans.pack``, ``incidents.pack`` and others): another pupil's full
name, or first or preferred name alone, becomes "another pupil" (``PackRedactor``).
``pack_redaction`` is open while a whole pack is gathered: the names are read once for all its
sections, and the names replaced are counted for the cover.
"""

import base64
import copy
import datetime
import io
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterable, Iterator

from django.core.files import File
from django.db import models
from django.utils.safestring import SafeData, mark_safe
from PIL import Image, ImageOps

from .models import Need, Pupil
from .redaction import first_name_replacer, marking_replacements, name_replacer, own_names, unmark

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


class PackRedactor:
    """Replaces other pupils of the school, as staff may name them in free text, with "another
    pupil" (DECISIONS.md: other pupils are never named in anything made for one pupil).

    Called on a text: first full names ("played with Isla Morgan", any case), then first and
    preferred names alone ("Amelia pushed Isla"), by the rules of
    ``pupils.redaction.first_name_replacer`` (capitalised whole words; never the pupil's own names,
    a name after a title, or a month used as a date). ``full_names_only`` is for lines that list
    adults by name ("name, job title": a meeting's attendees, a risk's owner, the LA's coordinator),
    where a first name alone is an adult's. A last name alone is never replaced: too often a
    parent's or a member of staff's."""

    def __init__(self, pupil, rows):
        own = own_names(pupil.legal_first_name, pupil.preferred_name, pupil.legal_last_name)
        own_full = {n.casefold() for n in _full_names(pupil.legal_first_name, pupil.preferred_name,
                                                          pupil.legal_last_name)}
        full, firsts = set(), set()
        for first, preferred, last in rows:
            full |= {n for n in _full_names(first, preferred, last) if n.casefold() not in own_full}
            firsts |= {n for n in (first, preferred) if n}
        self.full_names_only = name_replacer(full)
        self.first_names = first_name_replacer(firsts, own)

    def __call__(self, text: str) -> str:
        return self.first_names(self.full_names_only(text))


_build: ContextVar[dict | None] = ContextVar("pack_build_names", default=None)


def other_pupils_redactor(pupil) -> PackRedactor:
    """The redactor of the school's other pupils' names (``PackRedactor``), for every section made
    from free text that staff typed. One query; none more within a ``pack_redaction`` that already
    read them (one pack's sections all read the same names)."""
    cache = _build.get()
    key = (pupil.school_id, pupil.pk)
    if cache is not None and key in cache:
        rows = cache[key]
    else:
        rows = list(Pupil.objects.filter(school_id=pupil.school_id).exclude(pk=pupil.pk)
                    .values_list("legal_first_name", "preferred_name", "legal_last_name"))
        if cache is not None:
            cache[key] = rows
    return PackRedactor(pupil, rows)


class PackRedaction:
    """What one pack's gathering replaced: ``unmark(html)`` strips the marks from a rendered
    section and adds up the names replaced in it (only what is printed counts)."""

    def __init__(self):
        self.replaced = 0

    def unmark(self, html: str) -> str:
        text, n = unmark(html)
        self.replaced += n
        # Rendered HTML stays safe HTML (str.replace returns a plain, to-be-escaped str).
        return mark_safe(text) if isinstance(html, SafeData) else text


@contextmanager
def pack_redaction() -> Iterator[PackRedaction]:
    """Open while one pack's sections are gathered and rendered (``reviews.render.pack_html``): the
    school's pupils' names are read once for the whole pack, and each name replaced is marked so
    that the pack can say how many it replaced."""
    token = _build.set({})
    try:
        with marking_replacements():
            yield PackRedaction()
    finally:
        _build.reset(token)


def redact_text_fields(obj: models.Model, clean: Callable[[str], str], *, people: Iterable[str] = ()) -> models.Model:
    """Clean every free-text field of a record loaded for the pack, in memory only (sections
    never save). Fields with choices hold codes, not text, and are left alone. ``people`` names
    fields that list adults by name ("name, job title"): they get ``clean.full_names_only`` (a
    first name there is an adult's), when ``clean`` has it."""
    people = set(people)
    for field in obj._meta.concrete_fields:
        if isinstance(field, (models.TextField, models.CharField)) and not field.choices:
            fn = getattr(clean, "full_names_only", clean) if field.name in people else clean
            setattr(obj, field.attname, fn(getattr(obj, field.attname)))
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
