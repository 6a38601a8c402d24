"""CSV exports: cells a spreadsheet would run as a formula are written as text."""

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A signed number or percentage ("-6.0", "+65%") is a value, not a formula: kept as typed so a
# spreadsheet still reads it as a number.
SIGNED_NUMBER = re.compile(r"[+-]\d+(\.\d+)?%?")


def spreadsheet_safe(cell):
    """`cell`, or its text after a "'" when it starts like a formula (OWASP's CSV injection advice).
    Empty cells and non-text values are returned as they are."""
    if not isinstance(cell, str) or not cell.startswith(FORMULA_STARTS) or SIGNED_NUMBER.fullmatch(cell):
        return cell
    return "'" + cell
