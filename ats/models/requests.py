"""Data subject rights (privacy policy section 4): the requests HR answers, the freeze
of a restricted application, and the applicant self-service's sign-in links and ZIP
exports (careers_site.selfservice).

Kept in ats because several apps read them (the workspace's selectors hide a restricted
application, the careers site signs people in); they hold ids and dates, and the little
personal data a request needs (the person's own words, the address a request came from)
is cleared when the person is erased (see `forget_person` below).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ats.models.applications import Application
from ats.models.candidates import Candidate


def forget_person(collector, field, sub_objs, using):
    """on_delete of a request's candidate: whichever path erases a person (the retention
    job, a self-service erasure, spam), their requests keep only what accountability
    needs: kind, dates, state and outcome. Set-based, once per deletion: the reason and
    the contact address are cleared before the link (the updates run in this order)."""
    opts = sub_objs.model._meta
    collector.add_field_update(opts.get_field("reason"), "", sub_objs)
    collector.add_field_update(opts.get_field("contact_email"), "", sub_objs)
    collector.add_field_update(field, None, sub_objs)


class DataRequest(models.Model):
    """One request of a data subject, with its legal deadline: one calendar month from
    receipt, extendable by up to two further months with a recorded reason (Art. 12(3)
    GDPR). `due_at` is stored (ats.services.requests keeps it in step) so that the daily
    digest finds overdue and due-soon requests with one indexed query."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("Access (Art. 15)")
        RECTIFICATION = "rectification", _("Rectification (Art. 16)")
        ERASURE = "erasure", _("Erasure (Art. 17)")
        RESTRICTION = "restriction", _("Restriction of processing (Art. 18)")
        PORTABILITY = "portability", _("Data portability (Art. 20)")
        OBJECTION = "objection", _("Objection (Art. 21)")

    class State(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("Waiting for the person to confirm by email")
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused")

    class Via(models.TextChoices):
        SELF_SERVICE = "self_service", _("Self-service page")
        EMAIL = "email", _("Email")
        POST = "post", _("Post")

    CLOSED_STATES = (State.DONE, State.REFUSED)
    MAX_EXTENSION_MONTHS = 2

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    via = models.CharField(_("received via"), max_length=12, choices=Via.choices)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.OPEN, db_index=True
    )
    candidate = models.ForeignKey(
        Candidate,
        on_delete=forget_person,
        null=True,
        blank=True,
        related_name="data_requests",
    )
    # The one application a restriction, objection or erasure is about (empty: all).
    application = models.ForeignKey(
        Application,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="data_requests",
    )
    received_at = models.DateTimeField(_("received at"))
    due_at = models.DateTimeField(_("due at"), db_index=True)
    extended_by_months = models.PositiveSmallIntegerField(_("extended by (months)"), default=0)
    extension_reason = models.TextField(_("reason for the extension"), blank=True, max_length=2000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    outcome = models.TextField(_("outcome"), blank=True, max_length=4000)
    # The person's own words (restriction, objection, a letter's summary): personal data,
    # cleared when the person is erased.
    reason = models.TextField(_("the person's reason"), blank=True, max_length=4000)
    # Where the identity check for a request received by email or post goes; cleared
    # with the person, and not needed once the request is closed.
    contact_email = models.EmailField(_("email address"), blank=True)
    confirmation_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    confirmation_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirmed_at = models.DateTimeField(_("identity confirmed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("data subject request")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(extended_by_months__lte=2),
                name="data_request_extension_at_most_two_months",
            ),
        ]

    def __str__(self) -> str:
        return f"Data request #{self.pk}"

    @property
    def is_closed(self) -> bool:
        return self.state in self.CLOSED_STATES


class Restriction(models.Model):
    """A restricted application (Art. 18): frozen, no stage moves, no emails, hidden from
    every list and search, until HR lifts it. See ats.restrictions."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="restrictions"
    )
    request = models.ForeignKey(
        DataRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="restrictions",
    )
    placed_at = models.DateTimeField(_("placed at"))
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-placed_at"]
        verbose_name = _("restriction")
        indexes = [models.Index(fields=["application", "lifted_at"])]

    def __str__(self) -> str:
        return f"Restriction #{self.pk}"


class SelfServiceSignIn(models.Model):
    """A request for a self-service sign-in link. Made for every address typed in,
    known or not (candidate empty for an unknown one, which the sending task deletes), so
    that both answers cost the same; only the SHA-256 of the emailed token is kept."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    requested_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("self-service sign-in link")

    def __str__(self) -> str:
        return f"Sign-in link {self.pk}"


class DataExport(models.Model):
    """A ZIP of everything held about a person, built by a task for large sets and stored
    encrypted in the document store under its own data key (like a document), until
    `expires_at`, when the object and the row are deleted."""

    class State(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    storage_key = models.CharField(max_length=100, blank=True, editable=False)
    key_id = models.CharField(max_length=32, blank=True, editable=False)
    wrapped_key = models.BinaryField(default=b"", blank=True, editable=False)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    requested_at = models.DateTimeField()
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("data export")

    def __str__(self) -> str:
        return f"Data export {self.pk}"
