"""Per-client rate limits, keyed on a keyed hash of the client's address (never the
address itself). X-Forwarded-For is believed only for the configured number of proxies,
so a forged header cannot buy a fresh allowance."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from ats.client import client_address


def _key(scope: str, request: HttpRequest) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), client_address(request).encode(), hashlib.sha256
    ).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}"


def allow(request: HttpRequest, *, scope: str, limit: int, window: int) -> bool:
    """Count one attempt; False once the client made more than `limit` in `window` s."""
    key = _key(scope, request)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit


def allow_value(value: str, *, scope: str, limit: int, window: int) -> bool:
    """Like `allow`, keyed on a keyed hash of `value` (an email address, normalised by the
    caller) instead of the client's address: the value itself is never stored."""
    digest = hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]
    key = f"ratelimit:{scope}:{digest}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit
