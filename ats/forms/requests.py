"""Forms of the HR request desk: validation and conversion only, no side effects."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ats.models import Application, DataRequest
from ats.selectors import HR


class RequestEntryForm(forms.Form):
    """A request received by email or post, entered by HR."""

    kind = forms.ChoiceField(label=_("Kind"), choices=DataRequest.Kind.choices)
    via = forms.ChoiceField(
        label=_("Received via"),
        choices=[(DataRequest.Via.EMAIL, _("Email")), (DataRequest.Via.POST, _("Post"))],
    )
    received_on = forms.DateField(
        label=_("Received on"),
        help_text=_("The legal deadline runs from this day."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    contact_email = forms.EmailField(
        label=_("The person's email address"),
        help_text=_(
            "The identity check: we email a confirmation link to this address, and nothing "
            "is done until the person confirms from it."
        ),
    )
    reason = forms.CharField(
        label=_("What the person asks, in short"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A request cannot be received in the future."))
        return day

    def received_at(self) -> datetime:
        """Noon of the day of receipt in the site's time zone (the deadline's day is then
        the same day one month later whatever the daylight saving time), or now for a
        request received this morning."""
        noon = datetime.combine(
            self.cleaned_data["received_on"], time(12), tzinfo=timezone.get_default_timezone()
        )
        return min(noon, timezone.now())


def hr_users():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=HR)
        .order_by("username")
        .distinct()
    )


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=hr_users(), required=False, empty_label=_("Nobody")
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = hr_users()
        self.fields["owner"].label_from_instance = lambda user: user.get_username()


class UpdateForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        choices=[
            (value, label)
            for value, label in DataRequest.State.choices
            if value != DataRequest.State.UNCONFIRMED
        ],
    )
    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done or why it was refused; needed to close the request."),
    )


class ExtendForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("Extend by"),
        coerce=int,
        choices=[(1, _("one month")), (2, _("two months"))],
    )
    reason = forms.CharField(
        label=_("Reason for the extension"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Tell the person within the first month, with this reason (Art. 12(3) GDPR)."),
    )


class RestrictForm(forms.Form):
    application = forms.ModelChoiceField(
        label=_("Application"), queryset=Application.objects.none()
    )

    def __init__(self, *args: object, applications, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = applications
        self.fields["application"].label_from_instance = lambda application: (
            f"#{application.pk} "
            + (application.vacancy.title if application.vacancy else str(_("Unsolicited")))
        )


class LiftForm(forms.Form):
    restriction = forms.IntegerField(widget=forms.HiddenInput)
