"""The progress-evidence form a TA fills in on a phone: which target (or the outcome as a whole),
a rating on the one scale, a dated note and optional photos or documents.

Uploaded files are checked by their contents, never by the name or the type the browser claims:
a file is kept only if Pillow opens it as a JPEG, PNG or WebP image, it is a HEIC/HEIF photo
(an ISO media file whose brand says so: Pillow can't decode HEIC without a plugin), or it starts
with the PDF signature. The type found is the one stored and served back."""

import math
import os
import re
import unicodedata

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from PIL import Image

from .models import Rating

MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024

# Pillow's format name -> the content type we store and serve.
PILLOW_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"}
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/heic": ".heic",
              "application/pdf": ".pdf"}
ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif,application/pdf,.pdf"

# Short, shared meanings so that "secure" means the same thing from every adult.
RATING_HINTS = {
    Rating.NOT_YET_STARTED: "Not worked on yet",
    Rating.EMERGING: "Starting to show, with a lot of help",
    Rating.DEVELOPING: "Can do it with some help",
    Rating.SECURE: "Does it independently most of the time",
    Rating.ACHIEVED: "Outcome or target met, consistently",
}


def sniff_content_type(upload) -> str | None:
    """The real type of an uploaded file from its bytes, or None if it isn't one we accept."""
    upload.seek(0)
    head = upload.read(32)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        # ISO base media file: HEIC if its major brand (or, for the generic mif1/msf1, one of the
        # compatible brands listed after it) is a HEVC-coded HEIF brand. AVIF and videos are not.
        box_size = int.from_bytes(head[:4], "big")
        upload.seek(0)
        box = upload.read(min(max(box_size, 16), 256))
        upload.seek(0)
        major = box[8:12]
        compatible = {box[i:i + 4] for i in range(16, len(box) - 3, 4)}
        if major in HEIF_BRANDS or (major in {b"mif1", b"msf1"} and compatible & HEIF_BRANDS):
            return "image/heic"
        return None
    try:
        with Image.open(upload) as image:
            kind = image.format
            image.verify()  # reads the whole file: a truncated or corrupt image fails here
    except Exception:  # Pillow raises many kinds (UnidentifiedImageError, SyntaxError, DecompressionBombError...)
        return None
    finally:
        upload.seek(0)
    return PILLOW_TYPES.get(kind)


def safe_filename(name: str, content_type: str) -> str:
    """A download name that reveals nothing odd to a browser: plain characters, and the extension of
    the type the contents really are."""
    stem = os.path.splitext(os.path.basename(name or ""))[0]
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()  # é -> e
    stem = re.sub(r"[^A-Za-z0-9 ._-]+", "_", stem).strip(" ._")[:80] or "evidence"
    return stem + EXTENSIONS.get(content_type, "")


def human_size(num_bytes: int) -> str:
    """Rounded up, so a file just over the limit doesn't read as exactly the limit."""
    if num_bytes >= 1024 * 1024:
        return f"{math.ceil(num_bytes / (1024 * 1024) * 10) / 10:.1f} MB"
    return f"{max(1, round(num_bytes / 1024))} KB"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input. Each is checked by content and size; all the problems are
    listed next to the field, one line per file."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if not files:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > MAX_FILES:
            raise forms.ValidationError(
                f"Attach at most {MAX_FILES} files at a time (you chose {len(files)}).", code="too_many")
        errors = []
        for f in files:
            f = super().clean(f, initial)  # empty file, name too long...
            if f.size > MAX_FILE_BYTES:
                errors.append(forms.ValidationError(
                    f"“{f.name}” is {human_size(f.size)}: the limit is {MAX_FILE_BYTES // (1024 * 1024)} MB a file.",
                    code="too_large"))
                continue
            kind = sniff_content_type(f)
            if kind is None:
                errors.append(forms.ValidationError(
                    f"“{f.name}” isn't a photo (JPEG, PNG, WebP or HEIC) or a PDF: its contents don't "
                    "match, so it wasn't added.", code="bad_type"))
                continue
            f.content_type = kind  # stored and served as what it is, not as what it claimed to be
        if errors:
            raise forms.ValidationError(errors)
        return files


class EvidenceForm(forms.Form):
    target = forms.ModelChoiceField(
        label="What is this evidence for?", queryset=None, required=False, blank=True,
        empty_label="The outcome as a whole", widget=forms.RadioSelect(attrs={"class": "form-check-input"}))
    rating = forms.TypedChoiceField(
        label="Progress", choices=Rating.choices, coerce=int, widget=forms.RadioSelect(attrs={"class": "btn-check"}),
        error_messages={"required": "Choose how far along this is."})
    observed_on = forms.DateField(
        label="Date seen", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Enter the date you saw this.",
                        "invalid": "Enter a real date, for example 14/03/2027."})
    note = forms.CharField(
        label="What you saw", max_length=2000,
        widget=forms.Textarea(attrs={
            "rows": 3, "placeholder": "e.g. Used the now-and-next board to ask for help, twice in maths"}),
        error_messages={"required": "Write a short note of what you saw."})
    files = MultipleFileField(
        label="Photos or documents (optional)", required=False,
        help_text=f"Photos (JPEG, PNG, WebP, HEIC) or PDFs; up to {MAX_FILES} files, "
                  f"{MAX_FILE_BYTES // (1024 * 1024)} MB each.",
        widget=MultipleFileInput(attrs={"accept": ACCEPT}))

    def __init__(self, *args, outcome, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["target"].queryset = outcome.targets.all()
        self.fields["target"].label_from_instance = lambda t: t.text
        if not self.is_bound:
            self.initial.setdefault("observed_on", today)
            self.initial.setdefault("target", "")
        self.fields["observed_on"].widget.attrs["max"] = today.isoformat()

    def clean_observed_on(self):
        observed_on = self.cleaned_data["observed_on"]
        today = timezone.localdate()
        if observed_on > today:
            raise forms.ValidationError(
                f"The date can't be in the future: today is {date_format(today, 'j F Y')}.")
        return observed_on

    def rating_choices(self):
        """The rating radios with their hint, for the big buttons in the template."""
        return [(radio, RATING_HINTS[Rating(int(radio.data["value"]))]) for radio in self["rating"]]
