from __future__ import annotations

from django.contrib import admin

from ats.login_throttle import ThrottledAdminAuthenticationForm
from ats.models import (
    Application,
    AuditEvent,
    Candidate,
    Consent,
    ConsentText,
    DecisionTemplate,
    Department,
    Document,
    Stage,
    StageChange,
    Vacancy,
)

# The admin's login is throttled like the staff login.
admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0
    ordering = ["position"]


@admin.register(Vacancy)
class VacancyAdmin(admin.ModelAdmin):
    list_display = ["title", "reference", "department", "location", "status", "published_at"]
    list_filter = ["status", "department", "employment_type"]
    search_fields = ["title", "reference"]
    filter_horizontal = ["hiring_managers"]
    readonly_fields = ["reference", "created_at", "updated_at"]
    inlines = [StageInline]


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ["__str__", "created_at"]
    readonly_fields = ["created_at", "updated_at", "email_verified_at"]


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    fk_name = "application"
    readonly_fields = ["from_stage", "to_stage", "changed_by", "changed_at"]
    can_delete = False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "vacancy", "stage", "decision", "submitted_at"]
    list_filter = ["decision", "channel"]
    raw_id_fields = ["candidate", "vacancy", "stage"]
    readonly_fields = ["submitted_at", "updated_at"]
    inlines = [StageChangeInline]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "scan_status", "size", "uploaded_at"]
    list_filter = ["kind", "scan_status"]
    readonly_fields = [
        "application",
        "kind",
        "display_name",
        "content_type",
        "size",
        "scan_status",
        "scanned_at",
        "uploaded_at",
    ]
    exclude = ["storage_key", "key_id", "wrapped_key"]

    def has_add_permission(self, request) -> bool:
        return False  # documents enter only through the vault's intake


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    list_display = ["purpose", "version", "language", "published_at"]
    list_filter = ["purpose", "language"]

    def get_readonly_fields(self, request, obj=None):
        # A text that someone consented to is evidence: it is never edited.
        if obj is not None and obj.consents.exists():
            return ["purpose", "version", "language", "text"]
        return []


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "purpose", "given_at", "withdrawn_at"]
    list_filter = ["purpose", "given_via"]
    raw_id_fields = ["candidate", "application", "text"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "target_type", "target_id", "actor", "actor_kind"]
    list_filter = ["action", "actor_kind"]
    search_fields = ["target_id"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DecisionTemplate)
class DecisionTemplateAdmin(admin.ModelAdmin):
    list_display = ["kind", "language", "subject", "updated_at"]
    list_filter = ["kind", "language"]
