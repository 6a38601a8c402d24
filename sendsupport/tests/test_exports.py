"""CSV cells that a spreadsheet would run as a formula are written as text; nothing else changes."""

import pytest

from sendsupport.exports import spreadsheet_safe


@pytest.mark.parametrize("cell, written", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+44 113 496 0000 call", "'+44 113 496 0000 call"),
    ("-1+1", "'-1+1"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"),
    # kept as they are: an empty cell (was written as a lone "'"), plain text, signed numbers a
    # spreadsheet should still read as numbers, and non-text values
    ("", ""),
    ("Layan Saleh", "Layan Saleh"),
    ("-6.0", "-6.0"),
    ("+65%", "+65%"),
    ("+3", "+3"),
    (-4, -4),
    (None, None),
])
def test_spreadsheet_safe(cell, written):
    assert spreadsheet_safe(cell) == written
