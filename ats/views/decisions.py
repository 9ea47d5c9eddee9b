"""Placeholder views, being written: every one answers 404 until it exists."""

from __future__ import annotations

from django.http import Http404


def _missing(*args, **kwargs):
    raise Http404


bulk_reject = decision_compose = decision_communicated = template_list = template_edit = _missing
