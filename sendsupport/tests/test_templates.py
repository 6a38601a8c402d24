"""Django's {# #} comments are one line only: one that runs over lines is printed as page text (it
once printed into every evidence pack). Multi-line comments use {% comment %}."""

from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_no_template_comment_spans_lines():
    offenders = []
    for path in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            rest = line
            while "{#" in rest:
                rest = rest[rest.index("{#") + 2:]
                if "#}" not in rest:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}")
                    break
                rest = rest[rest.index("#}") + 2:]
    assert offenders == []


def test_short_when_prints_what_the_date_filter_prints_in_london_time():
    import datetime

    from django.template import engines

    django_engine = engines["django"]
    utc = datetime.timezone.utc
    for when in (datetime.datetime(2026, 11, 24, 14, 5, tzinfo=utc),  # GMT
                 datetime.datetime(2026, 7, 5, 23, 59, tzinfo=utc),  # BST: Monday 00:59 in London
                 datetime.datetime(2026, 3, 29, 0, 30, tzinfo=utc)):  # the night the clocks go forward
        slow = django_engine.from_string('{{ d|date:"D j M, H:i" }}').render({"d": when})
        fast = django_engine.from_string("{% load sendsupport %}{{ d|short_when }}").render({"d": when})
        assert fast == slow
    assert django_engine.from_string("{% load sendsupport %}{{ d|short_when }}").render(
        {"d": datetime.datetime(2026, 7, 5, 23, 59, tzinfo=utc)}) == "Mon 6 Jul, 00:59"


def test_plain_select_offers_and_selects_what_djangos_select_does():
    import re

    from django import forms

    from sendsupport.forms import PlainSelect

    choices = [("", "Any"), ("to_review", "Not yet reviewed"), ("a&b", "Fish & chips <hot>"), (3, "3 or more")]

    def options(widget, value):
        html = widget.render("status", value, attrs={"id": "id_status", "class": "form-select"})
        assert html.startswith('<select name="status"') and 'id="id_status"' in html and 'class="form-select"' in html
        return [(m[0], bool(m[1]), m[2]) for m in re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', html)]

    for value in ("", "a&b", "3", None):
        plain = options(PlainSelect(choices=choices), value)
        assert plain == options(forms.Select(choices=choices), value) and len(plain) == 4
    assert options(PlainSelect(choices=choices), "a&b")[2] == ("a&amp;b", True, "Fish &amp; chips &lt;hot&gt;")
