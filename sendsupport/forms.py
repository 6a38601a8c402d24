"""Form plumbing every app shares."""

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form, exc: ValidationError) -> None:
    """A service's refusal, shown next to the field it concerns where the form has that field
    (services name fields; a form may not show them all), else at the top of the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
    else:
        form.add_error(None, exc)


class PlainSelect(forms.Select):
    """A select whose options carry nothing but a value, a label and "selected" (list filters): one
    template for the whole list instead of two per option, a quarter of a 50-row list's render time."""

    template_name = "sendsupport/widgets/plain_select.html"
