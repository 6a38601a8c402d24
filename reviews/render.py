"""The evidence pack's HTML (a frame around every registered section) and its PDF.

Also used by the bench (bench/packs.py): ``pack_html(pack)`` gathers all sections for the pack's
pupil and period; ``html_to_pdf(html, title=...)`` renders with WeasyPrint as a tagged PDF/UA
document. The frame knows only ``sendsupport.sections``, never another app's models; the cover says
how many names of other pupils the sections replaced with "another pupil" (``pupils.pack``)."""

from typing import Callable

from django.template.loader import render_to_string
from django.utils import timezone

from pupils.models import SENStatus
from pupils.pack import pack_redaction
from sendsupport.sections import pack_sections

FRAME = "reviews/pack/frame.html"
LANG = "en-GB"


def pack_title(pack) -> str:
    return (f"Evidence pack: {pack.pupil.display_name}, {pack.period_start:%-d %B %Y} "
            f"to {pack.period_end:%-d %B %Y}")


def pack_html(pack, *, on_section: Callable[[str], None] | None = None) -> str:
    """The whole pack as one HTML document. ``on_section(title)`` is called before each registered
    section is gathered (the worker reports progress and renews its lease there)."""
    pupil = pack.pupil
    parts = []
    # One read of the school's pupils' names for every section, and a count of the names replaced
    # in what the sections print, for the cover (pupils.pack.pack_redaction).
    with pack_redaction() as redaction:
        for section in pack_sections():
            if on_section:
                on_section(section.title)
            if gathered := section.gather(pupil, pack.period_start, pack.period_end):
                template, context = gathered
                parts.append({"key": section.key, "title": section.title,
                              "html": redaction.unmark(render_to_string(template, context))})
    return render_to_string(FRAME, {
        "pack": pack, "pupil": pupil, "school": pupil.school, "sections": parts, "title": pack_title(pack),
        "names_replaced": redaction.replaced,
        # A pupil on SEN support has an annual review of their support plan, not of an EHCP.
        "kind": ("EHCP annual review evidence pack" if pupil.sen_status == SENStatus.EHCP
                 else "Annual review evidence pack"),
        "lang": LANG, "generated_at": timezone.localtime(), "generated_by": pack.requested_by,
    })



def render_pdf(html: str, *, title: str) -> tuple[bytes, int]:
    """PDF bytes and page count. Only data: URLs are fetched: a pack never reaches the network or disk."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=["data"])).render()
    document.metadata.title = title
    document.metadata.lang = LANG
    document.metadata.generator = "SEND Support"
    pdf = document.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
    return pdf, len(document.pages)


def html_to_pdf(html: str, *, title: str) -> bytes:
    return render_pdf(html, title=title)[0]

