import pytest
from django.core.exceptions import ValidationError

from pupils.upn import check_letter, make_upn, validate_upn


def test_made_upn_validates():
    upn = make_upn(383, 2001, 17, 42)
    assert len(upn) == 13
    validate_upn(upn)


def test_known_check_letter():
    # Worked by hand: 2*2+0*3+1*4+2*5+0*6+0*7+1*8+1*9+8*10+0*11+0*12+1*13 = 128; 128 mod 23 = 13 -> "P"
    assert check_letter("201200118001") == "P"
    validate_upn("P201200118001")


@pytest.mark.parametrize("bad", ["", "A12345678901", "112345678901X", "A12345678901S", "a1234567890123"])
def test_malformed_upns_are_refused(bad):
    with pytest.raises(ValidationError):
        validate_upn(bad)


def test_wrong_check_letter_is_refused():
    upn = make_upn(383, 2001, 17, 42)
    wrong = ("B" if upn[0] != "B" else "C") + upn[1:]
    with pytest.raises(ValidationError, match="check letter"):
        validate_upn(wrong)
