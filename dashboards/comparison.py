"""What the school overview compares a period with, in school days.

Counting calendar days compared "this term" with the summer holiday and a half-term with a stretch
holding the October break: every figure looked like a rise. So the comparison counts **school days**
(``care.services.is_school_day``, the term dates' rule) and compares like with like:

- a term (this term, last term) with the term before it, a half-term with the half-term before it,
  the academic year with the one before it: from that period's first school day, as many school
  days as this period has (this term's first 40 days against the first 40 of the term before: the
  same stage of the term), or all of it when it is shorter;
- typed dates (or a term whose predecessor isn't entered) with the same number of school days just
  before them.

The i-th school day of this period is set against the i-th of the other, so a week's "previous"
figure covers the same school days. When the two differ in length (or records start partway in),
totals and rises are compared per school day. Nothing is compared with days before the school's
first recorded incident: a product not yet in use is not "none in the period before"."""

import datetime
from bisect import bisect_right
from dataclasses import dataclass, replace

from care.services import is_school_day

LOOKBACK_LIMIT = datetime.timedelta(days=400)  # how far back "the school days before" may reach


def school_days(start: datetime.date, end: datetime.date, terms) -> list[datetime.date]:
    day, out = start, []
    while day <= end:
        if is_school_day(day, terms):
            out.append(day)
        day += datetime.timedelta(days=1)
    return out


def _halves(terms) -> list[tuple[datetime.date, datetime.date, str]]:
    """Each term split at its half-term: (first day, last day, name), in order."""
    out = []
    for t in terms:
        if t.half_term_starts_on and t.half_term_ends_on:
            out.append((t.starts_on, t.half_term_starts_on - datetime.timedelta(days=1), f"the first half of {t.name}"))
            out.append((t.half_term_ends_on + datetime.timedelta(days=1), t.ends_on, f"the second half of {t.name}"))
        else:
            out.append((t.starts_on, t.ends_on, t.name))
    return out


def _block_before(preset: str, start: datetime.date, terms) -> tuple[datetime.date, datetime.date, str] | None:
    """The period a preset's range is compared with (first day, last day, name), or None: typed
    dates, or the term before isn't entered."""
    if preset in ("this_term", "last_term"):
        blocks = [(t.starts_on, t.ends_on, t.name) for t in terms]
    elif preset == "this_half_term":
        blocks = _halves(terms)
    elif preset == "academic_year":
        year_before = datetime.date(start.year - 1, start.month, start.day)
        return year_before, start - datetime.timedelta(days=1), "last academic year"
    else:
        return None
    for i, (first, last, _) in enumerate(blocks):
        if first <= start <= last:
            return blocks[i - 1] if i > 0 else None
    return None


@dataclass(frozen=True)
class Comparison:
    days: tuple  # this period's school days
    previous_days: tuple  # the school days compared with, oldest first: the i-th against this period's i-th
    name: str = ""  # the term or half-term compared with ("" for "the school days before")
    whole: bool = False  # all of that term or half-term
    covered_from: int = 0  # previous_days before this index are before the first record
    first_record: datetime.date | None = None
    terms_note: str = ""

    @property
    def range(self) -> tuple[datetime.date, datetime.date] | None:
        """The dates to read the previous period's incidents from (its weekends and breaks too)."""
        return (self.previous_days[0], self.previous_days[-1]) if self.previous_days else None

    @property
    def school_days(self) -> int:
        return len(self.days)

    @property
    def previous_school_days(self) -> int:
        """School days of the previous period with records (the exposure of its counts)."""
        return len(self.previous_days) - self.covered_from

    @property
    def available(self) -> bool:
        return bool(self.days) and self.previous_school_days > 0

    @property
    def per_school_day(self) -> bool:
        return self.available and self.school_days != self.previous_school_days

    def with_first_record(self, first: datetime.date | None) -> "Comparison":
        """Leave out previous days before the school's first recorded incident (None: none yet)."""
        if first is None:
            return replace(self, covered_from=len(self.previous_days), first_record=None)
        return replace(self, covered_from=bisect_right(self.previous_days, first - datetime.timedelta(days=1)),
                       first_record=first)

    def index_of(self, day: datetime.date) -> int | None:
        """The school-day index of a day of the previous period (a weekend or break day counts with
        the school day before it), None before the first."""
        i = bisect_right(self.previous_days, day) - 1
        return i if i >= 0 else None

    def covers(self, first: int, stop: int) -> bool:
        """Whether school days [first, stop) of this period have their counterparts compared."""
        return first < stop and self.covered_from <= first and stop <= len(self.previous_days)

    def rises(self, now: int, before: int) -> bool:
        """More incidents per school day than in the previous period."""
        return now * self.previous_school_days > before * self.school_days

    def rise(self, now: int, before: int) -> int:
        """The rise per school day, scaled by both lengths (an integer, to order by)."""
        return now * self.previous_school_days - before * self.school_days

    def change(self, now: int, before: int) -> str:
        if before == 0:
            return "none before" if now else "no change"
        pct = round(100 * self.rise(now, before) / (before * self.school_days))
        return f"{pct:+d}%"

    def describe(self) -> str:
        """What the page says the figures are compared with."""
        if not self.days:
            return "This period has no school days, so it isn't compared with another."
        if self.previous_school_days <= 0:
            if self.first_record is None:
                return "No incidents are recorded yet, so there is nothing to compare with."
            return (f"No incidents were recorded before {self.first_record:%-d %b %Y}, so there is no earlier "
                    "period to compare with.")
        first, last = self.previous_days[self.covered_from], self.previous_days[-1]
        dates = f"{first:%-d %b %Y} to {last:%-d %b %Y}"
        n = self.previous_school_days
        if self.covered_from:
            text = (f"Compared with {n} school day{'s' if n != 1 else ''} of {self.name or 'the period before'} "
                    f"({dates}): records start on {self.first_record:%-d %b %Y}.")
        elif self.name and self.whole:
            text = f"Compared with {self.name}, {n} school days ({dates})."
        elif self.name:
            text = f"Compared with the first {n} school days of {self.name} ({dates}), the same stage as this period."
        else:
            text = f"Compared with the {n} school days before ({dates})."
        if self.per_school_day:
            text += f" This period has {self.school_days} school days, so figures are compared per school day."
        return f"{text} {self.terms_note}".strip()


def compare(start: datetime.date, end: datetime.date, preset: str, terms) -> Comparison:
    """The comparison for a range and the preset that chose it (`terms`: the school's Term rows,
    by start). No query: the first record is added once the counts are read (`with_first_record`)."""
    terms = sorted(terms, key=lambda t: t.starts_on)
    days = school_days(start, end, terms)
    if not days:
        return Comparison(days=(), previous_days=())
    block = _block_before(preset, start, terms)
    if block:
        first, last, name = block
        in_block = school_days(first, min(last, start - datetime.timedelta(days=1)), terms)
        previous = in_block[: len(days)]
        whole = len(previous) == len(in_block)
    else:
        name, whole, previous, day = "", False, [], start - datetime.timedelta(days=1)
        while len(previous) < len(days) and day > start - LOOKBACK_LIMIT:
            if is_school_day(day, terms):
                previous.append(day)
            day -= datetime.timedelta(days=1)
        previous.reverse()
    note = ""
    if previous:
        if not terms:
            note = "No term dates are entered, so every weekday counts as a school day."
        elif previous[0] < terms[0].starts_on:
            note = (f"Term dates before {terms[0].starts_on:%-d %b %Y} aren't entered, so every weekday before "
                    "then counts as a school day.")
    return Comparison(days=tuple(days), previous_days=tuple(previous), name=name, whole=whole, terms_note=note)
