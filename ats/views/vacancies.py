"""Placeholder views, being written: every one answers 404 until it exists."""

from __future__ import annotations

from django.http import Http404


def _missing(*args, **kwargs):
    raise Http404


vacancy_new = vacancy_edit = vacancy_publish = vacancy_close = vacancy_stages = _missing
