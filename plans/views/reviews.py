"""Stub: to be written."""

from django.http import Http404


def review_create(request, **kwargs):
    raise Http404


def review_detail(request, **kwargs):
    raise Http404


def review_edit(request, **kwargs):
    raise Http404
