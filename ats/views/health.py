from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ats.health import is_healthy, service_states


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    states = service_states()
    healthy = is_healthy(states)
    return JsonResponse(
        {"status": "ok" if healthy else "error", "services": states},
        status=200 if healthy else 503,
    )
