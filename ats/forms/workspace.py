"""Forms of the pipeline and the candidate file: validation and conversion only."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ats.models import Evaluation, Stage


class MoveForm(forms.Form):
    stage = forms.ModelChoiceField(queryset=Stage.objects.none(), label=_("Move to"))

    def __init__(self, *args, application, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = Stage.objects.filter(
            vacancy_id=application.vacancy_id
        ).order_by("position")


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Visible to HR and the hiring managers of this vacancy. "
            "Write @username to notify a colleague."
        ),
    )


class EvaluationForm(forms.Form):
    overall = forms.TypedChoiceField(
        label=_("Overall rating"), choices=[(i, str(i)) for i in range(1, 6)], coerce=int
    )
    recommendation = forms.ChoiceField(
        label=_("Recommendation"), choices=Evaluation.Recommendation.choices
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, criteria: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for index, criterion in enumerate(criteria):
            self.fields[f"criterion_{index}"] = forms.TypedChoiceField(
                label=criterion, choices=[(i, str(i)) for i in range(1, 6)], coerce=int
            )

    def ratings(self) -> dict[str, int]:
        return {c: self.cleaned_data[f"criterion_{i}"] for i, c in enumerate(self.criteria)}


class ApplicationFilterForm(forms.Form):
    SORTS = {
        "newest": "-submitted_at",
        "oldest": "submitted_at",
        "name": "candidate__last_name",
        "stage": "stage__position",
    }
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    vacancy = forms.TypedChoiceField(
        label=_("Vacancy"), required=False, coerce=int, empty_value=None
    )
    stage_kind = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("Any stage")), *Stage.Kind.choices]
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("newest", _("Newest first")),
            ("oldest", _("Oldest first")),
            ("name", _("Last name")),
            ("stage", _("Stage")),
        ],
    )

    def __init__(self, *args, vacancies, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vacancy"].choices = [("", _("All vacancies"))] + [
            (v.pk, v.title) for v in vacancies
        ]
