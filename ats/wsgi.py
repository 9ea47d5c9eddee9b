from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ats.settings")

application = get_wsgi_application()

from ats.checks import fail_unless_ready  # noqa: E402  (needs the apps loaded above)

fail_unless_ready()
