"""Anything made for one pupil (a pack, a parent letter, an export for one pupil) never names
another pupil (DECISIONS.md): their names in text staff typed become "another pupil"."""

import re

from .models import Pupil

ANOTHER = "another pupil"


def _names(pupil: Pupil) -> set[str]:
    firsts = {n for n in (pupil.legal_first_name, pupil.preferred_name) if n}
    return firsts | {pupil.legal_last_name} | {f"{f} {pupil.legal_last_name}" for f in firsts}


def redactor(others: list[Pupil], subject: Pupil):
    """A function that replaces other pupils' names in text with "another pupil". A single name
    the pupil shares with one of them (two pupils called Amelia) is left alone: only the other's
    full name is replaced then, so the letter never hides its own pupil."""
    own = {n.casefold() for n in _names(subject)} | {w.casefold() for n in _names(subject) for w in n.split()}
    names = set()
    for other in others:
        names |= {n for n in _names(other) if " " in n or n.casefold() not in own}
    return name_replacer(names)


def name_replacer(names: set[str]):
    """A function that replaces each of `names` in text with "another pupil" (a capital at the
    start of a sentence; "the Isla" becomes "another pupil", never "the another pupil")."""
    names = sorted((n for n in names if n.strip()), key=len, reverse=True)
    if not names:
        return lambda text: text or ""
    alternatives = (r"\s+".join(re.escape(part) for part in n.split()) for n in names)
    pattern = re.compile(r"(?:\b(?:the|a|an)\s+)?\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)

    def replace(match):
        before = match.string[: match.start()].rstrip()
        starts_sentence = not before or before[-1] in ".!?\n"
        return ANOTHER.capitalize() if starts_sentence else ANOTHER

    return lambda text: pattern.sub(replace, text) if text else (text or "")
