from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from ats.login_throttle import ThrottledAuthenticationForm
from ats.views import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before the workspace's include: HR's retention pages (anonymizer.urls).
    path("recruit/retention/", include("anonymizer.urls")),
    path("recruit/", include("ats.urls_recruit")),
    path("anymail/", include("anymail.urls")),
    path("", include("careers_site.urls")),
]
