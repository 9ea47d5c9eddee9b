"""Forms of decisions and their emails: validation and conversion only."""

from __future__ import annotations

import hashlib
import unicodedata

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ats.models import Application, Candidate, DecisionTemplate
from ats.services.decisions import (
    PLACEHOLDERS,
    name_placeholders,
    subject_names_candidate,
    unknown_placeholders,
)

# format_lazy, so the help text is translated when shown, not fixed at import.
PLACEHOLDER_HELP = format_lazy(
    _("Placeholders: {names}."), names=", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
)


def preview_digest(*parts: object) -> str:
    """A fingerprint of what was previewed: Send sends only what the preview showed."""
    return hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()


def reject_unprintable(value: str) -> None:
    for character in value:
        if character in "\n\r\t":
            continue
        if unicodedata.category(character) in {"Cc", "Cs", "Co"} or character == "\ufffd":
            raise ValidationError(
                _("This field contains characters that cannot be shown: please retype it."),
                code="unprintable",
            )


def validate_placeholders(value: str) -> None:
    unknown = unknown_placeholders(value)
    if unknown:
        raise ValidationError(
            _("Unknown placeholders: %(names)s. Use only %(known)s."),
            code="unknown_placeholder",
            params={
                "names": ", ".join(unknown),
                "known": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
            },
        )


def validate_subject(value: str) -> None:
    if "\n" in value or "\r" in value:
        raise ValidationError(_("The subject must be one line."), code="subject_lines")
    if name_placeholders(value):
        raise ValidationError(
            _("The subject may not contain the candidate's name: it shows in inbox lists."),
            code="subject_name",
        )


class SubjectField(forms.CharField):
    default_validators = [reject_unprintable, validate_placeholders, validate_subject]

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Subject"))
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("size", 80)


class BodyField(forms.CharField):
    default_validators = [reject_unprintable, validate_placeholders]

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Text"))
        kwargs.setdefault("max_length", 20000)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 14, "cols": 80}))
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def clean(self, value: str) -> str:
        value = super().clean(value)
        if not value.strip():
            raise ValidationError(self.error_messages["required"], code="required")
        return value.replace("\r\n", "\n")


class DecisionEmailForm(forms.Form):
    """The email of a decision, as HR edited it; for one candidate, the subject is
    checked for their name."""

    subject = SubjectField()
    body = BodyField(help_text=PLACEHOLDER_HELP)

    def __init__(self, *args, candidate: Candidate | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.candidate = candidate

    def clean_subject(self) -> str:
        subject = self.cleaned_data["subject"]
        if self.candidate is not None and subject_names_candidate(subject, self.candidate):
            raise ValidationError(
                _("The subject may not contain the candidate's name: it shows in inbox lists."),
                code="subject_name",
            )
        return subject


class DecisionTemplateForm(forms.Form):
    subject = SubjectField(help_text=_("The candidate's name may not appear in the subject."))
    body = BodyField(help_text=PLACEHOLDER_HELP)


def template_language_choices() -> list[tuple[str, str]]:
    names = dict(settings.LANGUAGES)
    languages = (
        DecisionTemplate.objects.filter(kind=DecisionTemplate.Kind.REJECT)
        .order_by("language")
        .values_list("language", flat=True)
    )
    return [(code, names.get(code, code)) for code in languages]


class BulkRejectForm(DecisionEmailForm):
    """Reject several applications of one vacancy with one template, filled in per
    candidate when it is sent."""

    applications = forms.ModelMultipleChoiceField(
        queryset=Application.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Applications"),
        error_messages={"required": _("Select at least one application.")},
    )
    language = forms.ChoiceField(label=_("Template language"), choices=())

    field_order = ["applications", "language", "subject", "body"]

    def __init__(
        self,
        *args,
        applications: QuerySet[Application],
        languages: list[tuple[str, str]],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = applications
        self.fields["language"].choices = languages


class CommunicatedForm(forms.Form):
    """How the decision reached the applicant when our email did not."""

    via = forms.CharField(
        label=_("How was the decision communicated?"),
        max_length=100,
        validators=[reject_unprintable],
        help_text=_("For example: by post on 3 December, or by phone."),
    )
    communicated_on = forms.DateField(
        label=_("On"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean_communicated_on(self):
        day = self.cleaned_data["communicated_on"]
        if day > timezone.localdate():
            raise ValidationError(_("The date may not be in the future."), code="future")
        return day
