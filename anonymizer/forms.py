"""Validation and conversion for HR's retention pages; no side effects."""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ats.forms.decisions import reject_unprintable
from ats.services.decisions import add_months

# The longest limitation period for a claim (30 years, § 197 BGB): a later end is a typo,
# and a date near the calendar's end would not even have a following midnight.
LEGAL_HOLD_MAX_YEARS = 30


class LegalHoldForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        validators=[reject_unprintable],
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_(
            "For example: the claim or the proceedings the data is kept for. Shown to HR "
            "only; the audit trail records the hold and its end, not this text."
        ),
    )
    until = forms.DateField(
        label=_("Hold until (inclusive)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Erasure is suspended to the end of this day; then the other rules apply."),
    )

    def clean_until(self) -> date:
        day = self.cleaned_data["until"]
        today = timezone.localdate()
        if day <= today:
            raise ValidationError(_("The end date must be in the future."), code="past")
        if day > add_months(today, 12 * LEGAL_HOLD_MAX_YEARS):
            raise ValidationError(
                _("A legal hold may last at most %(years)d years."),
                code="too_far",
                params={"years": LEGAL_HOLD_MAX_YEARS},
            )
        return day
