"""Stub: to be written."""

from django.http import Http404


def evidence_add(request, **kwargs):
    raise Http404


def evidence_file(request, **kwargs):
    raise Http404


def outcome_detail(request, **kwargs):
    raise Http404


def pupil_progress(request, **kwargs):
    raise Http404
