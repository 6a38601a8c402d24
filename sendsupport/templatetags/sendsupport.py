import re

from django import template

register = template.Library()


@register.filter
def tel_href(number: str) -> str:
    """A UK number as typed ("+44(0)20 7496 0955", "07700 900123") made diallable."""
    cleaned = re.sub(r"\(0\)", "", number or "")
    return re.sub(r"[^\d+]", "", cleaned)
