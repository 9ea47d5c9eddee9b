"""A cache of the public careers pages (board, vacancy pages, feed).

These pages are the same for every anonymous visitor in one language, so they are
rendered once per version of the vacancies: any saved or deleted vacancy or department
bumps the version, so a closed vacancy disappears from the next request on. Requests
that carry a session or messages, and responses that set a cookie, bypass the cache,
so nothing personal is ever stored or served from it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language

VERSION_KEY = "careers:version"
TIMEOUT = 300


def version() -> int:
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        current = cache.get(VERSION_KEY, 1)
    return current


def bump(**kwargs: object) -> None:
    """Invalidate every cached page (connected to vacancy and department changes)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


def _cacheable_request(request: HttpRequest) -> bool:
    return request.method in ("GET", "HEAD") and not (
        settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES
    )


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not _cacheable_request(request):
            return view(request, *args, **kwargs)
        address = f"{get_language()}|{request.build_absolute_uri()}"
        key = f"careers:page:{hashlib.sha256(address.encode()).hexdigest()}"
        # One round trip: the page carries the version it was rendered at.
        found = cache.get_many([VERSION_KEY, key])
        current = found.get(VERSION_KEY) or version()
        hit = found.get(key)
        if hit is not None and hit[0] == current:
            _, content, content_type = hit
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies and not response.streaming:
            cache.set(key, (current, response.content, response["Content-Type"]), TIMEOUT)
        return response

    return wrapper
