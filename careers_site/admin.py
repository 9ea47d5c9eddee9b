from __future__ import annotations

from django.contrib import admin

from careers_site.models import PrivacyNotice


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "updated_at"]
