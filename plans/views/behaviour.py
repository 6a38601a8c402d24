"""Stub: to be written."""

from django.http import Http404


def bsp_amend(request, **kwargs):
    raise Http404


def bsp_create(request, **kwargs):
    raise Http404


def bsp_detail(request, **kwargs):
    raise Http404


def bsp_edit(request, **kwargs):
    raise Http404


def bsp_sign_off(request, **kwargs):
    raise Http404


def php_amend(request, **kwargs):
    raise Http404


def php_create(request, **kwargs):
    raise Http404


def php_detail(request, **kwargs):
    raise Http404


def php_edit(request, **kwargs):
    raise Http404


def php_sign_off(request, **kwargs):
    raise Http404
