"""Anything made for one pupil (a pack, a parent letter, an export for one pupil) never names
another pupil (DECISIONS.md): their names in text staff typed become "another pupil".

Two kinds of replacer:

- ``redactor(others, subject)``: the pupils recorded as involved (an incident's other pupils). Every
  name of theirs, in any case, first or last name alone: they are known to be in the story (only a
  first name right after a title stays: "Mrs Isla" is a member of staff).
- ``first_name_replacer(names, own)``: the whole school's first and preferred names, for the
  evidence pack (``pupils.pack.other_pupils_redactor`` runs it after the full-name pass). A first
  name alone is often also a word, a date or a member of staff's name, so it has rules of its own
  (see its docstring).

While a pack is being gathered (``marking_replacements``), each replacement carries an invisible
mark so that the pack can count the names it replaced in what it actually printed, then strip them
(``unmark``)."""

import re
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterable, Iterator

from .models import Pupil

ANOTHER = "another pupil"
MARK = "\ue000"  # a private-use character: never typed, never printed (``unmark`` strips it)

_marking: ContextVar[bool] = ContextVar("redaction_marking", default=False)


@contextmanager
def marking_replacements() -> Iterator[None]:
    """Every replacement made while this is open is preceded by MARK (see ``unmark``)."""
    token = _marking.set(True)
    try:
        yield
    finally:
        _marking.reset(token)


def unmark(text: str) -> tuple[str, int]:
    """The text without marks, and how many replacements it showed."""
    return text.replace(MARK, ""), text.count(MARK)


def _another(before: str) -> str:
    """"another pupil", with a capital at the start of a sentence or a line, marked when counting."""
    word = ANOTHER.capitalize() if _starts_sentence(before) else ANOTHER
    return MARK + word if _marking.get() else word


CONTEXT = 80  # characters either side of a name that its rules look at


def _before(text: str, start: int) -> str:
    """The text just before a name: enough for every rule, and no slice of a long text per match."""
    return text[max(0, start - CONTEXT):start]


def _starts_sentence(before: str) -> bool:
    before = before.replace(MARK, "").rstrip(" \t")
    return not before or before[-1] in ".!?\n" or bool(re.search(r"(?:^|\n)[ \t]*[-•*]$", before))


def _names(pupil: Pupil) -> set[str]:
    firsts = {n for n in (pupil.legal_first_name, pupil.preferred_name) if n}
    return firsts | {pupil.legal_last_name} | {f"{f} {pupil.legal_last_name}" for f in firsts}


def own_names(first: str, preferred: str, last: str) -> set[str]:
    """The subject pupil's names and each word of them, casefolded: never replaced, whoever shares them."""
    names = {n for n in (first, preferred, last) if n}
    return {n.casefold() for n in names} | {w.casefold() for n in names for w in n.split()}


def redactor(others: list[Pupil], subject: Pupil):
    """A function that replaces other pupils' names in text with "another pupil". A single name
    the pupil shares with one of them (two pupils called Amelia) is left alone: only the other's
    full name is replaced then, so the letter never hides its own pupil."""
    own = own_names(subject.legal_first_name, subject.preferred_name, subject.legal_last_name)
    names, firsts = set(), set()
    for other in others:
        names |= {n for n in _names(other) if " " in n or n.casefold() not in own}
        firsts |= {n for n in (other.legal_first_name, other.preferred_name) if n}
    return name_replacer(names, adults_after_titles=firsts)


def name_replacer(names: set[str], *, adults_after_titles: Iterable[str] = ()):
    """A function that replaces each of `names` in text with "another pupil" (a capital at the
    start of a sentence; "the Isla" becomes "another pupil", never "the another pupil"). Those of
    ``adults_after_titles`` (first names) stay right after a title: "Mrs Isla" is a member of staff.
    A last name after a title is still replaced: "Mrs Morgan" may be the pupil's mother."""
    names = sorted((n for n in names if n.strip()), key=len, reverse=True)
    if not names:
        return lambda text: text or ""
    titled = {n.casefold() for n in adults_after_titles}
    pattern = re.compile(r"(?:\b(?:the|a|an)\s+)?\b(?P<name>" + _alternation(names, capital=False) + r")\b",
                         re.IGNORECASE)

    def replace(match):
        before = _before(match.string, match.start())
        if match.group("name").casefold() in titled and TITLE_BEFORE.search(before):
            return match.group(0)
        return _another(before)

    return lambda text: pattern.sub(replace, text) if text else (text or "")


# --- first names alone ---------------------------------------------------------------------------

TITLES = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?"
MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"}
WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
SEASONS = {"spring", "summer", "autumn", "winter"}  # "Summer 2", "in Summer", "Autumn term"
CALENDAR = MONTHS | WEEKDAYS | SEASONS
# A calendar word right after one of these is a date ("in May", "since April", "end of June").
DATE_WORDS = {"in", "during", "since", "until", "till", "throughout", "last", "next", "this", "every", "each",
              "early", "mid", "late", "of"}
# ...and after these too when it is a weekday: nobody is called Monday, but "on May" is a person.
WEEKDAY_WORDS = DATE_WORDS | {"on", "by", "from", "before", "after", "over"}
# At the start of a sentence "Will" and "May" are verbs when what follows is one of these:
# "Will continue to monitor", "May need a break", "May I ..." (staff notes drop the subject).
MODALS = {"will", "may"}
AFTER_MODAL = {"i", "we", "you", "he", "she", "they", "it", "this", "that", "there", "be", "have", "need", "not",
               "also", "still", "now", "then", "continue", "try", "require", "benefit", "help", "want", "find",
               "look", "use", "start", "get", "take", "work", "do", "go", "cause", "become", "well", "review",
               "move", "come", "check", "ask", "speak", "contact", "monitor", "prefer", "struggle", "seem"}
# A name-word before one of these is a class, room or term, not a pupil ("Willow class", "Summer term").
PLACE_OR_TERM = re.compile(r"[ \t]+(?:class|group|room|zone|term|half[ -]?term|holidays?)\b", re.IGNORECASE)

NUMBER_AFTER = re.compile(r",?[ \t]+\d")  # "May 3", "May 2026", "Summer 2"
NUMBER_BEFORE = re.compile(r"\d(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?$", re.IGNORECASE)  # "3 May", "3rd of May"
WORD_BEFORE = re.compile(r"(\w+)[ \t]+$")
JOINER = r"[ \t]*(?:to|and|or|until|till|through|-|–|&)[ \t]*"
RANGE_BEFORE = re.compile(r"(\w+)" + JOINER + "$", re.IGNORECASE)  # "April to |June"
RANGE_AFTER = re.compile(JOINER + r"(\w+)", re.IGNORECASE)  # "from |April| to June"
DASH_AFTER = re.compile(r"[ \t]*[–—][ \t]*(\w+)")
DASH_BEFORE = re.compile(r"(\w+)[ \t]*[–—][ \t]*$")
TITLE_BEFORE = re.compile(r"\b" + TITLES + r"[ \t]+$", re.IGNORECASE)
INITIAL = r"(?:[ \t]+[A-HJ-Z]\b\.?)?"  # "Isla M." / "Oliver K": the initial goes too (not "I")


def _alternation(names: list[str], *, capital: bool) -> str:
    """A regex alternation of `names` (longest first), grouped by first letter so that a school's
    thousand names cost one branch per letter of text, not a thousand. With ``capital`` each word
    of a name must start with a capital letter, the rest in any case ("Isla", "ISLA", not "isla")."""
    def word(w):
        if not capital:
            return re.escape(w)
        return re.escape(w[0].upper()) + ("(?i:" + re.escape(w[1:]) + ")" if w[1:] else "")

    groups: dict[str, list[str]] = {}
    for name in sorted(names, key=len, reverse=True):
        parts = name.split()
        key = parts[0][0].upper() if capital else parts[0][0].casefold()
        rest = word(parts[0])[len(word(parts[0][0])):] + "".join(r"\s+" + word(p) for p in parts[1:])
        groups.setdefault(key, []).append(rest)
    return "|".join(re.escape(k) + "(?:" + "|".join(rests) + ")" for k, rests in groups.items())


def _reads_as_date(text: str, start: int, end: int, *, follow_range: bool = True) -> bool:
    """Whether the calendar word text[start:end] is used as a date where it stands."""
    word = text[start:end].casefold()
    before, after = _before(text, start), text[end:end + CONTEXT]
    if NUMBER_AFTER.match(after) or NUMBER_BEFORE.search(before) or PLACE_OR_TERM.match(after):
        return True
    if m := WORD_BEFORE.search(before):
        previous = m.group(1).casefold()
        if previous in (WEEKDAY_WORDS if word in WEEKDAYS else DATE_WORDS):
            return True
        # "By May, ..." / "From April she ...": a target or a timeline, not a passive.
        if previous in {"by", "from"} and _starts_sentence(before[: m.start()]):
            return True
        # "from April to June", "between May and July"
        if previous in {"from", "between"} and (r := RANGE_AFTER.match(after)) and r.group(1).casefold() in CALENDAR:
            return True
    # "May–June", "Monday – Friday": a dash between two calendar words is a span of dates
    if ((m := DASH_AFTER.match(after)) and m.group(1).casefold() in CALENDAR) or (
            (m := DASH_BEFORE.search(before)) and m.group(1).casefold() in CALENDAR):
        return True
    # the second of a range or list whose first is a date: "in April and May", "from April to June"
    if follow_range and (m := RANGE_BEFORE.search(before)) and m.group(1).casefold() in CALENDAR:
        offset = start - len(before)  # the window's place in the text
        return _reads_as_date(text, offset + m.start(1), offset + m.end(1), follow_range=False)
    return False


def first_name_replacer(names: Iterable[str], own: set[str]) -> Callable[[str], str]:
    """A function that replaces other pupils' first or preferred names, typed alone in staff's free
    text ("Amelia pushed Isla"), with "another pupil". The rule, chosen so that a name is replaced
    whenever it may be a pupil (over-redaction beats a leak) and the pack still reads sensibly:

    - a name is matched only as a whole word starting with a capital letter ("Isla", "ISLA"; never
      "isla" or the "Will" in "Willow"), with a possessive kept ("Isla's" -> "another pupil's") and
      an initial after it taken too ("Isla M." -> "another pupil");
    - the subject pupil's own names are never replaced (``own``): two pupils called Amelia, and the
      pack about one of them says "Amelia";
    - a name right after a title (Mr, Mrs, Ms, Miss, Mx, Dr) is an adult: "Mrs Isla" stays;
    - a name before "class", "group", "room", "zone", "term", "half term" or "holiday" is a class, a
      room or a term: "Willow class", "Summer term" stay;
    - a month, weekday or season that is also a pupil's name (April, May, June, Summer) stays where
      it reads as a date: next to a number ("3 May", "May 2026", "Summer 2"), after in, during,
      since, until, till, throughout, last, next, this, every, each, early, mid, late or of ("in
      May", "end of June"), at the start of a sentence after By or From ("By May, ..."), between
      from/between and another calendar word ("from April to June"), either side of a dash
      between two calendar words ("May–June"), or as the second of a range or list whose first is
      such a date ("in April and May"). Weekdays also after on, by, from,
      before, after and over. Anywhere else it is replaced: "played with May", "hit by April";
    - "Will" and "May" at the start of a sentence stay when the next word makes them verbs
      ("Will continue to monitor", "May need a break", "May I"); "Will hit Amelia" is replaced.

    Not exempt, so replaced (over-redaction): a member of staff named without a title who shares a
    pupil's first name ("Oliver (TA) helped"), "Hope" or "Grace" opening a sentence, and "Amber"
    in a traffic-light system. Lines that list adults by name ("name, job title": meeting attendees,
    a risk's owner) are not free text for this pass: callers give them the full-name pass only."""
    names = sorted({n.strip() for n in names if n and n.strip() and n.strip().casefold() not in own},
                   key=len, reverse=True)
    if not names:
        return lambda text: text or ""

    pattern = re.compile(r"(?:\b(?i:the|an?)[ \t]+)?(?<![\w-])(?P<name>" + _alternation(names, capital=True)
                         + r")(?!\w|-\w)(?P<initial>" + INITIAL + ")")

    def replace(match):
        text, start, end = match.string, match.start("name"), match.end("name")
        before, after = _before(text, start), text[end:end + CONTEXT]
        word = match.group("name").casefold()
        if TITLE_BEFORE.search(before) or PLACE_OR_TERM.match(after):
            return match.group(0)
        if word in CALENDAR and _reads_as_date(text, start, end):
            return match.group(0)
        if word in MODALS and _starts_sentence(before):
            following = re.match(r"[ \t]+(\w+)", after)
            if following and following.group(1).casefold() in AFTER_MODAL:
                return match.group(0)
        return _another(_before(text, match.start()))

    return lambda text: pattern.sub(replace, text) if text else (text or "")
