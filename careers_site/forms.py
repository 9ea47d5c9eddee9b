"""The application form: validation and conversion only, no side effects."""

from __future__ import annotations

import re
import unicodedata
import uuid
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ats.models import Channel, Gender

_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{4,30}$")


def reject_unprintable(value: str) -> None:
    """NUL, other control characters, lone surrogates and replacement characters (what
    undecodable bytes become) are refused with a message, never a server error."""
    for character in value:
        category = unicodedata.category(character)
        if character in "\n\r\t":
            continue
        if category in {"Cc", "Cs", "Co"} or character == "\ufffd":
            raise ValidationError(
                _("This field contains characters that cannot be shown: please retype it."),
                code="unprintable",
            )


def validate_phone(value: str) -> None:
    digits = sum(c.isdigit() for c in value)
    if not _PHONE.match(value) or not 6 <= digits <= 17:
        raise ValidationError(
            _("Enter a telephone number with digits only, for example +49 30 1234567."),
            code="phone",
        )


def validate_linkedin(value: str) -> None:
    parts = urlsplit(value)
    host = (parts.hostname or "").lower()
    if (
        parts.scheme != "https"
        or not (host == "linkedin.com" or host.endswith(".linkedin.com"))
        or not re.match(r"^/(in|pub)/[^/]+/?", parts.path)
    ):
        raise ValidationError(
            _("Enter the address of your LinkedIn profile, like https://www.linkedin.com/in/name."),
            code="linkedin",
        )


class TextField(forms.CharField):
    default_validators = [reject_unprintable]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def channel_choices() -> list[tuple[str, str]]:
    labels = dict(Channel.choices)
    offered = [(c, labels[c]) for c in settings.ATS_APPLICATION_CHANNELS if c in labels]
    return [("", _("Please choose")), *offered]


SPECIAL_CATEGORY_FIELDS = ("accommodation_needs", "ethnic_origin")


def special_category_consent_check(form: forms.Form, data: dict) -> list[str]:
    """The rule of every form that asks for special-category data: answers need the
    explicit consent beside them. The fields answered; an error on the consent box when
    some are answered without it."""
    given = [f for f in SPECIAL_CATEGORY_FIELDS if data.get(f)]
    if given and not data.get("special_category_consent"):
        form.add_error(
            "special_category_consent",
            _(
                "You filled in information about your health or origin. We may only "
                "process it with your consent: tick this box, or clear those fields."
            ),
        )
    return given


class ApplicationForm(forms.Form):
    first_name = TextField(label=_("First name"), max_length=100)
    last_name = TextField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email"), max_length=254)
    phone = TextField(
        label=_("Telephone"),
        max_length=32,
        validators=[validate_phone],
        help_text=_("International format welcome, for example +49 30 1234567."),
    )
    linkedin_url = forms.URLField(
        label=_("LinkedIn profile (optional)"),
        required=False,
        max_length=300,
        assume_scheme="https",
        validators=[validate_linkedin],
    )
    channel = forms.ChoiceField(label=_("How did you hear about us?"), choices=channel_choices)
    channel_other = TextField(label=_("If other, where?"), required=False, max_length=100)
    gender = forms.ChoiceField(
        label=_("Gender (optional)"),
        choices=Gender.choices,
        initial=Gender.NOT_STATED,
        required=False,
        help_text=_(
            "Used only for anonymised statistics (for example the share of women among "
            "applicants); never shown with your name."
        ),
    )
    cv = forms.FileField(label=_("CV"), allow_empty_file=True)
    cover_letter = forms.FileField(
        label=_("Cover letter (optional)"), required=False, allow_empty_file=True
    )
    references = MultipleFileField(
        label=_("References and certificates (optional, several files)"),
        required=False,
        allow_empty_file=True,
    )
    special_category_consent = forms.BooleanField(required=False)
    accommodation_needs = TextField(
        label=_("Disability or accommodation needs (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    ethnic_origin = TextField(label=_("Ethnic origin (optional)"), required=False, max_length=200)
    talent_pool_consent = forms.BooleanField(required=False)
    # Which version of each consent text the applicant was shown.
    special_category_text = forms.IntegerField(widget=forms.HiddenInput, required=False)
    talent_pool_text = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # A field people never see: bots fill it in.
    website = forms.CharField(required=False, max_length=200)
    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        hint = _("Accepted: %(types)s; at most %(size)d MB per file.") % {
            "types": ", ".join(f".{e}" for e in settings.ATS_UPLOAD_EXTENSIONS),
            "size": settings.ATS_MAX_UPLOAD_BYTES // (1024 * 1024),
        }
        accept = ",".join(f".{e}" for e in settings.ATS_UPLOAD_EXTENSIONS)
        for name in ("cv", "cover_letter", "references"):
            self.fields[name].help_text = hint
            self.fields[name].widget.attrs["accept"] = accept

    def clean(self) -> dict:
        data = super().clean()
        if data.get("channel") == Channel.OTHER and not data.get("channel_other"):
            self.add_error("channel_other", _("Please tell us where you heard about us."))
        special_category_consent_check(self, data)
        return data

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))
