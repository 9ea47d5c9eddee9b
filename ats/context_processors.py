from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from ats.selectors import is_hr


def site(request: HttpRequest) -> dict:
    context: dict = {"site_name": settings.ATS_SITE_NAME}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["is_hr"] = is_hr(user)
    return context
