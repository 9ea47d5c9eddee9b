"""Who may open the workspace at all, decided before any view reads data."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse

from ats.selectors import is_recruiter


def recruiter_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """HR and hiring managers only; for anyone else (management above all, who sees
    statistics and never a person) the page does not exist. Goes under login_required,
    so that a visitor who is not logged in is sent to the login first."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not is_recruiter(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
