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
