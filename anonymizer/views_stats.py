"""Management statistics (placeholder while the dashboard is built)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def dashboard(request: HttpRequest) -> HttpResponse:
    raise Http404


def table_csv(request: HttpRequest, table: str) -> HttpResponse:
    raise Http404
