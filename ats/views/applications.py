"""Placeholder views, being written: every one answers 404 until it exists."""

from __future__ import annotations

from django.http import Http404


def _missing(*args, **kwargs):
    raise Http404


application_list = application_file = note_add = evaluation_new = audit_trail = _missing
