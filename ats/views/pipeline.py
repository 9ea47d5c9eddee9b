"""Placeholder views, being written: every one answers 404 until it exists."""

from __future__ import annotations

from django.http import Http404


def _missing(*args, **kwargs):
    raise Http404


board = application_move = _missing
