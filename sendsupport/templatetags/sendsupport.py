import re

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def tel_href(number: str) -> str:
    """A UK number as typed ("+44(0)20 7496 0955", "07700 900123") made diallable."""
    cleaned = re.sub(r"\(0\)", "", number or "")
    return re.sub(r"[^\d+]", "", cleaned)


@register.filter
def short_when(value) -> str:
    """"Tue 24 Nov, 14:05" in the school's time zone: what |date:"D j M, H:i" prints, for lists of
    many rows (Django's date filter formats character by character: most of a 50-row table's time)."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{local:%a} {local.day} {local:%b, %H:%M}"
