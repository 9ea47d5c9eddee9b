"""Forms of vacancy management (HR): validation and conversion only, no side effects."""

from __future__ import annotations

import unicodedata

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from ats.models import Department, Stage, Vacancy
from ats.selectors import HIRING_MANAGER

MAX_CRITERIA = 12
MAX_CRITERION_LENGTH = 80


def _max_length(model: type[Model], field: str) -> int:
    return model._meta.get_field(field).max_length


def reject_control_characters(value: str) -> None:
    """NUL and other control characters (what undecodable bytes become, too) are refused
    with a message, never stored or turned into a server error."""
    for character in value:
        if character in "\n\r\t":
            continue
        if unicodedata.category(character) in {"Cc", "Cs", "Co"} or character == "\ufffd":
            raise ValidationError(
                _("This field contains characters that cannot be shown: please retype it."),
                code="unprintable",
            )


class TextField(forms.CharField):
    default_validators = [reject_control_characters]


class HiringManagerField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: AbstractBaseUser) -> str:
        name = obj.get_full_name() if hasattr(obj, "get_full_name") else ""
        return f"{name} ({obj.get_username()})" if name else obj.get_username()


def hiring_managers() -> QuerySet:
    """Who may be assigned to a vacancy: active users with the hiring manager role."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=HIRING_MANAGER)
        .order_by("last_name", "first_name", "username")
        .distinct()
    )


class VacancyForm(forms.Form):
    """A vacancy's fields and team. `department` comes out as the Department chosen or,
    when a new one was typed, its name (the service reuses or creates it)."""

    title = TextField(label=_("Title"), max_length=_max_length(Vacancy, "title"))
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("(a new department)"),
        help_text=_("Choose a department, or type the name of a new one below."),
    )
    new_department = TextField(
        label=_("New department"),
        max_length=_max_length(Department, "name"),
        required=False,
        help_text=_("Only when the department is not in the list above."),
    )
    location = TextField(label=_("Location"), max_length=_max_length(Vacancy, "location"))
    employment_type = forms.ChoiceField(
        label=_("Employment type"), choices=Vacancy.EmploymentType.choices
    )
    summary = TextField(
        label=_("Summary"),
        max_length=_max_length(Vacancy, "summary"),
        required=False,
        help_text=_("One or two sentences for the job board."),
    )
    description = TextField(
        label=_("Description"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    managers = HiringManagerField(
        label=_("Hiring managers"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They see this vacancy and its applications, and no other."),
    )

    def __init__(self, *args: object, vacancy: Vacancy | None = None, **kwargs: object) -> None:
        if vacancy is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": vacancy.title,
                    "department": vacancy.department_id,
                    "location": vacancy.location,
                    "employment_type": vacancy.employment_type,
                    "summary": vacancy.summary,
                    "description": vacancy.description,
                    "managers": [user.pk for user in vacancy.hiring_managers.all()],
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["managers"].queryset = hiring_managers()

    def clean(self) -> dict:
        cleaned = super().clean()
        chosen = cleaned.get("department")
        typed = " ".join(cleaned.pop("new_department", "").split())
        if "department" in self.errors or "new_department" in self.errors:
            return cleaned
        if chosen is not None and typed:
            self.add_error(
                "new_department",
                _("Either choose a department above or type a new one here, not both."),
            )
        elif chosen is None and not typed:
            self.add_error(
                "department", _("Choose a department, or type the name of a new one below.")
            )
        elif chosen is None:
            cleaned["department"] = typed
        return cleaned


class CriteriaField(forms.CharField):
    """Scorecard criteria typed as a comma-separated list, converted to a list of names
    (blank entries dropped, repeats removed whatever their case)."""

    def prepare_value(self, value: object) -> object:
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        return value

    def to_python(self, value: object) -> list[str]:
        text = super().to_python(value)
        criteria: list[str] = []
        for item in text.split(","):
            criterion = " ".join(item.split())
            if criterion and criterion.casefold() not in {c.casefold() for c in criteria}:
                criteria.append(criterion)
        return criteria

    def validate(self, value: list[str]) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        for criterion in value:
            reject_control_characters(criterion)
        too_long = [c for c in value if len(c) > MAX_CRITERION_LENGTH]
        if too_long:
            raise ValidationError(
                _("“%(criterion)s…” is too long: a criterion has at most %(limit)d characters."),
                code="criterion_too_long",
                params={"criterion": too_long[0][:30], "limit": MAX_CRITERION_LENGTH},
            )
        if len(value) > MAX_CRITERIA:
            raise ValidationError(
                _("A stage has at most %(limit)d criteria; you typed %(count)d."),
                code="too_many_criteria",
                params={"limit": MAX_CRITERIA, "count": len(value)},
            )


class StageForm(forms.Form):
    """A stage's name and scorecard criteria, as HR edits them in place."""

    name = TextField(label=_("Name"), max_length=_max_length(Stage, "name"))
    criteria = CriteriaField(
        label=_("Scorecard criteria"),
        required=False,
        help_text=_(
            "Separated by commas, for example: Skills, Experience, Communication. "
            "An evaluation at this stage rates each from 1 to 5."
        ),
    )


class StageAddForm(StageForm):
    # A pipeline has its one "new" stage already; it is not offered again.
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(value, label) for value, label in Stage.Kind.choices if value != "new"],
        initial=Stage.Kind.OTHER,
        help_text=_("New stages go before “Hired” and “Rejected”; move them from there."),
    )

    field_order = ["name", "kind", "criteria"]


class StageChoiceForm(forms.Form):
    """Which stage of this vacancy's pipeline a button is for (others' are invalid)."""

    stage = forms.ModelChoiceField(queryset=Stage.objects.none(), widget=forms.HiddenInput)

    def __init__(self, *args: object, vacancy: Vacancy, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = Stage.objects.filter(vacancy=vacancy)


class StageMoveForm(StageChoiceForm):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])
