"""Forms of the recruiter side of the pool: validation and conversion only."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ats.models import Vacancy
from talentpool.search import MAX_QUERY_WORDS, PoolQuery, clean_labels

EXPIRY_CHOICES = [
    ("", _("Any expiry")),
    ("7", _("Expiring within 7 days")),
    ("30", _("Expiring within 30 days")),
    ("90", _("Expiring within 90 days")),
]


def labels(value: str) -> list[str]:
    """ "Python, Machine Learning;  Go" -> ["Python", "Machine Learning", "Go"]."""
    return clean_labels(value.replace(";", ",").split(","))


class PoolSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Names, skills, tags, location and the text of their documents."),
    )
    skills = forms.CharField(
        label=_("Skills"), required=False, max_length=300, help_text=_("Separated by commas.")
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=300, help_text=_("Separated by commas.")
    )
    location = forms.CharField(label=_("Location"), required=False, max_length=120)
    expiring = forms.ChoiceField(label=_("Expiry"), choices=EXPIRY_CHOICES, required=False)

    def clean_q(self) -> str:
        from talentpool.search import words

        text = self.cleaned_data["q"]
        if len(words(text)) > MAX_QUERY_WORDS:
            raise forms.ValidationError(
                _("Search for at most %(count)d words.") % {"count": MAX_QUERY_WORDS}
            )
        return text

    def query(self) -> PoolQuery:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return PoolQuery(
            text=data.get("q", ""),
            skills=labels(data.get("skills", "")),
            tags=labels(data.get("tags", "")),
            location=data.get("location", ""),
            expiring_within_days=int(data["expiring"]) if data.get("expiring") else None,
        )


class MemberProfileForm(forms.Form):
    location = forms.CharField(label=_("Location"), required=False, max_length=120)
    skills = forms.CharField(
        label=_("Skills"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Separated by commas; at most 30, each at most 60 characters."),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Separated by commas; at most 30, each at most 60 characters."),
    )

    def clean_skills(self) -> list[str]:
        return self._labels("skills")

    def clean_tags(self) -> list[str]:
        return self._labels("tags")

    def _labels(self, name: str) -> list[str]:
        raw = self.cleaned_data[name].replace(";", ",").split(",")
        values = [" ".join(part.split()) for part in raw if part.strip()]
        if len(values) > 30:
            raise forms.ValidationError(_("Enter at most 30, separated by commas."))
        if any(len(value) > 60 for value in values):
            raise forms.ValidationError(_("Each may have at most 60 characters."))
        return clean_labels(values)

    def clean_location(self) -> str:
        return " ".join(self.cleaned_data["location"].split())


class ShareForm(forms.Form):
    vacancies = forms.ModelMultipleChoiceField(
        label=_("Share with the hiring managers of"),
        queryset=Vacancy.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, vacancies: QuerySet[Vacancy], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vacancies"].queryset = vacancies


class InviteForm(forms.Form):
    vacancy = forms.ModelChoiceField(
        label=_("Invite to apply for"), queryset=Vacancy.objects.none(), empty_label=None
    )

    def __init__(self, *args, vacancies: QuerySet[Vacancy], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vacancy"].queryset = vacancies
