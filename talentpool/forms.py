"""The talent pool's public forms: validation and conversion only, no side effects."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from careers_site.forms import ApplicationForm, TextField


class PoolJoinForm(ApplicationForm):
    """The standalone "join our talent pool" form: the fields and documents of an
    unsolicited application, the talent-pool consent required (and never ticked in
    advance), and where the person would like to work and what they can do."""

    talent_pool_consent = forms.BooleanField(
        required=True,
        error_messages={
            "required": _(
                "We can keep you in the talent pool only with your consent: please tick this box."
            )
        },
    )
    location = TextField(
        label=_("Where would you like to work? (optional)"), required=False, max_length=120
    )
    skills = TextField(
        label=_("Your skills (optional)"),
        required=False,
        max_length=1000,
        help_text=_("Separated by commas, for example: Python, project management, German."),
    )

    def clean_skills(self) -> list[str]:
        return [skill.strip() for skill in self.cleaned_data["skills"].split(",") if skill.strip()]


class ConsentConfirmForm(forms.Form):
    """A confirmation (join by an offer, renew): which consent text the page showed."""

    text = forms.IntegerField(widget=forms.HiddenInput)
