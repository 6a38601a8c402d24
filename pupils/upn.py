"""Unique Pupil Number (DfE): check letter + LA (3) + establishment (4) + year (2) + serial (3).

The check letter is computed from characters 2-13: each is weighted by its position (2..13),
letters of a temporary UPN's last character count by their place in the alphabet table, the sum
is taken modulo 23 and mapped to the letters A-Z without I, O and S.
"""

import re

from django.core.exceptions import ValidationError

CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # 23 letters: no I, O or S
UPN_RE = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")


def _char_value(ch: str) -> int:
    return int(ch) if ch.isdigit() else CHECK_LETTERS.index(ch)


def check_letter(body: str) -> str:
    """The check letter for the 12 characters that follow it."""
    total = sum(_char_value(ch) * weight for weight, ch in enumerate(body, start=2))
    return CHECK_LETTERS[total % 23]


def normalise_upn(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def validate_upn(value: str) -> None:
    upn = normalise_upn(value)
    if not UPN_RE.match(upn) or (upn[-1].isalpha() and upn[-1] not in CHECK_LETTERS):
        raise ValidationError(
            "A UPN is 13 characters: a letter, 11 digits, then a digit (or a letter for a temporary UPN).",
            code="upn_format",
        )
    if check_letter(upn[1:]) != upn[0]:
        raise ValidationError(
            "This UPN's check letter doesn't match its digits. Check it against the MIS.", code="upn_check"
        )


def make_upn(la: int, establishment: int, year: int, serial: int) -> str:
    body = f"{la:03d}{establishment:04d}{year % 100:02d}{serial:03d}"
    return check_letter(body) + body
