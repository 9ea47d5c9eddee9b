from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        constraints = [
            models.UniqueConstraint(Lower("name"), name="department_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name


def new_vacancy_reference() -> str:
    # Short, unguessable enough to not enumerate, and safe in an email address
    # (jobs+<reference>@...) and a subject line.
    return secrets.token_hex(4).upper()


class Vacancy(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class EmploymentType(models.TextChoices):
        FULL_TIME = "full_time", _("Full-time")
        PART_TIME = "part_time", _("Part-time")
        CONTRACT = "contract", _("Contract")
        TEMPORARY = "temporary", _("Temporary")
        INTERNSHIP = "internship", _("Internship")

    reference = models.CharField(
        _("reference"), max_length=16, unique=True, default=new_vacancy_reference, editable=False
    )
    title = models.CharField(_("title"), max_length=200)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="vacancies", verbose_name=_("department")
    )
    location = models.CharField(_("location"), max_length=120)
    employment_type = models.CharField(
        _("employment type"),
        max_length=16,
        choices=EmploymentType.choices,
        default=EmploymentType.FULL_TIME,
    )
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    hiring_managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="managed_vacancies",
        verbose_name=_("hiring managers"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "title"]
        verbose_name = _("vacancy")
        verbose_name_plural = _("vacancies")
        indexes = [models.Index(fields=["status", "-published_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("careers_site:vacancy", kwargs={"reference": self.reference})

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Stage(models.Model):
    """A column of a pipeline. Stages with no vacancy form the pipeline of unsolicited
    applications; each vacancy gets a copy of the default set it may then change."""

    class Kind(models.TextChoices):
        NEW = "new", _("New")
        SCREENING = "screening", _("Screening")
        INTERVIEW = "interview", _("Interview")
        OFFER = "offer", _("Offer")
        HIRED = "hired", _("Hired")
        REJECTED = "rejected", _("Rejected")
        OTHER = "other", _("Other")

    vacancy = models.ForeignKey(
        Vacancy, on_delete=models.CASCADE, null=True, blank=True, related_name="stages"
    )
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    position = models.PositiveSmallIntegerField(_("position"))
    # The scorecard of this stage: the criteria an evaluation rates from 1 to 5.
    criteria = models.JSONField(_("scorecard criteria"), default=list, blank=True)

    class Meta:
        ordering = ["vacancy_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["vacancy", "position"], name="stage_position_unique_per_vacancy"
            ),
            models.UniqueConstraint(
                fields=["position"],
                condition=models.Q(vacancy__isnull=True),
                name="stage_position_unique_unsolicited",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_final(self) -> bool:
        return self.kind in (self.Kind.HIRED, self.Kind.REJECTED)


DEFAULT_CRITERIA = ["Skills", "Experience", "Communication", "Motivation"]

DEFAULT_STAGES: list[tuple[str, str]] = [
    ("New", Stage.Kind.NEW),
    ("Screening", Stage.Kind.SCREENING),
    ("Interview", Stage.Kind.INTERVIEW),
    ("Offer", Stage.Kind.OFFER),
    ("Hired", Stage.Kind.HIRED),
    ("Rejected", Stage.Kind.REJECTED),
]
