"""Forms of the self-service: validation and conversion only, no side effects."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ats.models import Application, DataRequest
from careers_site.forms import reject_unprintable, validate_linkedin, validate_phone


class SignInForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("The address you applied with. We send a sign-in link to it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ContactForm(forms.Form):
    first_name = forms.CharField(
        label=_("First name"), max_length=100, validators=[reject_unprintable]
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=100, validators=[reject_unprintable]
    )
    phone = forms.CharField(label=_("Telephone"), max_length=32, validators=[validate_phone])
    linkedin_url = forms.URLField(
        label=_("LinkedIn profile (optional)"),
        max_length=300,
        required=False,
        assume_scheme="https",
        validators=[validate_linkedin],
    )


def _application_label(application: Application) -> str:
    title = application.vacancy.title if application.vacancy else _("Unsolicited application")
    return f"{title} ({application.submitted_at:%Y-%m-%d})"


class RestrictionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What do you ask for?"),
        choices=[
            (
                DataRequest.Kind.RESTRICTION,
                _("Restriction: keep my data, but do nothing else with it until you decide"),
            ),
            (DataRequest.Kind.OBJECTION, _("Objection: stop processing my data")),
        ],
        widget=forms.RadioSelect,
    )
    application = forms.ChoiceField(label=_("About"))
    reason = forms.CharField(
        label=_("Your reason"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        validators=[reject_unprintable],
    )

    def __init__(self, *args: object, applications: list[Application], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.applications = {str(a.pk): a for a in applications}
        self.fields["application"].choices = [("all", _("All my applications"))] + [
            (pk, _application_label(a)) for pk, a in self.applications.items()
        ]

    def clean_application(self) -> Application | None:
        value = self.cleaned_data["application"]
        return None if value == "all" else self.applications[value]


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that what is erased cannot be restored."), required=True
    )
