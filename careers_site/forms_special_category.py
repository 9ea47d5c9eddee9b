"""The special-category answers given later through an emailed application's signed
link: the apply form's own fields and rule, with the same explicit, unticked consent."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from careers_site.forms import (
    SPECIAL_CATEGORY_FIELDS,
    ApplicationForm,
    special_category_consent_check,
)


class SpecialCategoryForm(forms.Form):
    accommodation_needs = ApplicationForm.base_fields["accommodation_needs"]
    ethnic_origin = ApplicationForm.base_fields["ethnic_origin"]
    special_category_consent = forms.BooleanField(required=False)
    # Which version of the consent text the applicant was shown.
    special_category_text = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self) -> dict:
        data = super().clean()
        if not special_category_consent_check(self, data):
            self.add_error(
                None, _("Fill in at least one of the fields, or simply close this page.")
            )
        return data

    @property
    def answers(self) -> dict[str, str]:
        return {f: self.cleaned_data.get(f) or "" for f in SPECIAL_CATEGORY_FIELDS}
