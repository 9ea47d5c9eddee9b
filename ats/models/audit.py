from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """Who did what to which record, when. Holds ids and action names only, never
    personal data: the details dictionary is for ids, counts and reason codes."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_kind = models.CharField(max_length=12, default="staff")  # staff, applicant, system
    action = models.CharField(max_length=60, db_index=True)
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=64)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.action} on {self.target_type} {self.target_id}"

    @classmethod
    def record(
        cls,
        *,
        actor: settings.AUTH_USER_MODEL | None,
        action: str,
        target: models.Model,
        actor_kind: str | None = None,
        **details: object,
    ) -> AuditEvent:
        return cls.objects.create(
            actor=actor if actor is not None and actor.is_authenticated else None,
            actor_kind=actor_kind or ("staff" if actor is not None else "system"),
            action=action,
            target_type=target._meta.label_lower,
            target_id=str(target.pk),
            details=details,
        )
