"""Stub: to be written."""

from django.http import Http404


def step_in(request, **kwargs):
    raise Http404
