from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from ats.login_throttle import ThrottledAuthenticationForm
from ats.views import health, workspace

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("accounts/start/", workspace.start, name="login_landing"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before the workspace's include: HR's retention pages (anonymizer.urls).
    path("recruit/retention/", include("anonymizer.urls")),
    # Before the workspace's include: the talent pool's recruiter pages.
    path("recruit/pool/", include("talentpool.urls_recruit")),
    path("recruit/", include("ats.urls_recruit")),
    path("anymail/", include("anymail.urls")),
    # Management statistics (anonymizer.urls_stats), before the careers site's catch-all.
    path("stats/", include("anonymizer.urls_stats")),
    # Before the careers site's catch-all: the talent pool's public pages.
    path("talent-pool/", include("talentpool.urls")),
    path("", include("careers_site.urls")),
]
