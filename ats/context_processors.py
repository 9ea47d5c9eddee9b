from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from ats.selectors import HIRING_MANAGER, has_role, is_hr


def site(request: HttpRequest) -> dict:
    context: dict = {"site_name": settings.ATS_SITE_NAME}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["is_hr"] = is_hr(user)
        context["is_hiring_manager"] = has_role(user, HIRING_MANAGER)
    return context
