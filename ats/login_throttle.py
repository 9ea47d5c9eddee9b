"""Throttled staff login: after repeated failures from one address for one account (or
many from one address), logins are refused for a while with a clear message. Counters
live in the cache under keyed hashes: no user name or address is stored in clear."""

from __future__ import annotations

import hashlib
import hmac

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from ats.client import client_address

PER_ACCOUNT = 5  # failures from one address for one account
PER_ADDRESS = 20  # failures from one address, any accounts
WINDOW = 15 * 60


def _digest(*parts: str) -> str:
    message = "|".join(parts).encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]


def _keys(username: str, address: str) -> tuple[str, str]:
    return (
        f"login:fail:{_digest(username.casefold(), address)}",
        f"login:fail:{_digest(address)}",
    )


def is_locked(username: str, address: str) -> bool:
    account, everyone = _keys(username, address)
    counts = cache.get_many([account, everyone])
    return counts.get(account, 0) >= PER_ACCOUNT or counts.get(everyone, 0) >= PER_ADDRESS


def record_failure(username: str, address: str) -> None:
    for key in _keys(username, address):
        cache.add(key, 0, timeout=WINDOW)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=WINDOW)


def clear(username: str, address: str) -> None:
    cache.delete(_keys(username, address)[0])


LOCKED = _(
    "Too many failed attempts. For your account's safety, please wait 15 minutes "
    "and try again, or ask an administrator to reset your password."
)


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {**AuthenticationForm.error_messages, "locked": LOCKED}

    def clean(self) -> dict:
        return throttled_clean(self, super().clean)


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    error_messages = {**AdminAuthenticationForm.error_messages, "locked": LOCKED}

    def clean(self) -> dict:
        return throttled_clean(self, super().clean)


def throttled_clean(form: AuthenticationForm, clean) -> dict:
    username = form.cleaned_data.get("username") or ""
    address = client_address(form.request) if form.request is not None else ""
    if is_locked(username, address):
        raise forms.ValidationError(form.error_messages["locked"], code="locked")
    try:
        cleaned = clean()
    except forms.ValidationError:
        record_failure(username, address)
        raise
    clear(username, address)
    return cleaned
