"""Stub: to be written."""

from django.http import Http404


def outcome_create(request, **kwargs):
    raise Http404


def outcome_edit(request, **kwargs):
    raise Http404


def plan_amend(request, **kwargs):
    raise Http404


def plan_create(request, **kwargs):
    raise Http404


def plan_detail(request, **kwargs):
    raise Http404


def plan_edit(request, **kwargs):
    raise Http404


def plan_sign_off(request, **kwargs):
    raise Http404


def provision_create(request, **kwargs):
    raise Http404


def provision_edit(request, **kwargs):
    raise Http404


def pupil_plans(request, **kwargs):
    raise Http404
