from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from ats.views import documents, health, workspace

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("recruit/", workspace.home, name="workspace"),
    path(
        "recruit/documents/<uuid:pk>/download",
        documents.document_download,
        name="document_download",
    ),
    path("", include("careers_site.urls")),
]
