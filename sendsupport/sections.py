"""Sections of a pupil's EHCP annual-review evidence pack (ARCHITECTURE.md: "The pack in
particular"). Each app that has something to say registers a section in its AppConfig.ready();
``reviews`` renders the registered sections in order and knows only this interface, so a new app
adds a section without touching ``reviews`` (and the day-to-day apps never import ``reviews``).

A section's ``build(pupil, start, end)`` returns ``(template name, context)``, or ``None`` when it
has nothing to say for the period. The template is rendered inside the pack's HTML with that
context; it starts with an ``<h1>`` carrying ``id="{{ section_id }}"`` (the pack adds
``section_id`` and ``section_title`` to the context), which the contents page links to.
"""

import datetime
from dataclasses import dataclass
from typing import Callable

SectionFn = Callable[..., "tuple[str, dict] | None"]  # build(pupil, start: date, end: date)


@dataclass(frozen=True)
class PackSection:
    key: str  # stable id, e.g. "interventions"; also the HTML anchor
    title: str  # as printed in the contents
    order: int  # profile 10, outcomes 20, behaviour 30, restrictive 40, interventions 50, medication 60,
    #             personal care 65, plans in force 70, views and contributions 80, appendices 90+
    build: SectionFn

    def gather(self, pupil, start: datetime.date, end: datetime.date) -> "tuple[str, dict] | None":
        """(template, context) with ``section_id`` and ``section_title`` added, or None when the
        section has nothing to say for the period."""
        result = self.build(pupil, start, end)
        if result is None:
            return None
        template, context = result
        return template, {**context, "section_id": self.key, "section_title": self.title}


_sections: dict[str, PackSection] = {}


def register_pack_section(key: str, title: str, order: int, build: SectionFn) -> PackSection:
    section = PackSection(key=key, title=title, order=order, build=build)
    _sections[key] = section  # re-registering a key (autoreload, tests) replaces it
    return section


def pack_sections() -> list[PackSection]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))
