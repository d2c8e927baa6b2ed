"""The station evaluations' forms: start one (the period defaults to the five years before the
cycle's year), the office's action after the grade, and the list's filters."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput, ServiceForm, choice_field
from establishment.evaluation import default_period
from establishment.evaluation_services import FIRST_CYCLE, LAST_CYCLE
from stations.models import Evaluation, Station


class EvaluationStartForm(ServiceForm):
    """Starts a station's evaluation; an empty period is the five years before the cycle's year."""

    cycle = forms.IntegerField(
        label=_("Cycle (year)"),
        min_value=FIRST_CYCLE,
        max_value=LAST_CYCLE,
        widget=forms.NumberInput(attrs={"step": 1}),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Evaluation.Kind.choices, initial=Evaluation.Kind.COMPREHENSIVE)
    period_start = forms.DateField(label=_("Period from"), required=False, widget=DateInput)
    period_end = forms.DateField(label=_("Period to"), required=False, widget=DateInput)

    def __init__(self, *args: Any, station: Station, **kwargs: Any) -> None:
        self.station = station
        cycle = kwargs.pop("cycle", None) or timezone.localdate().year
        start, end = default_period(cycle, station)
        kwargs.setdefault("initial", {"cycle": cycle, "period_start": start, "period_end": end})
        super().__init__(*args, **kwargs)
        self.fields["period_end"].help_text = _(
            "Left empty, the period is the five calendar years before the cycle's year (from the station's "
            "establishment if it is younger)."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        cycle = data.get("cycle")
        if cycle is not None:
            start, end = default_period(cycle, self.station)
            data["period_start"] = data.get("period_start") or start
            data["period_end"] = data.get("period_end") or end
        return data


class EvaluationActForm(ServiceForm):
    """The office's action after the grade. A revocation must be confirmed."""

    action = forms.ChoiceField(label=_("Action"), choices=Evaluation.Action.choices, required=False)
    rectify_by = forms.DateField(
        label=_("Rectify by"), required=False, widget=DateInput, help_text=_("For a warning: the deadline.")
    )
    on = forms.DateField(
        label=_("Revoked on"), required=False, widget=DateInput, help_text=_("For a revocation: today if left empty.")
    )
    note = forms.CharField(max_length=2000, label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(
        label=_("I confirm the revocation. The station closes and no longer counts towards coverage."),
        required=False,
    )

    field_aliases = {"status": "action"}

    def __init__(self, *args: Any, evaluation: Evaluation, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"action": evaluation.action, "rectify_by": evaluation.rectify_by})
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == Evaluation.Action.REVOCATION and not data.get("confirm"):
            self.add_error("confirm", _("Tick the box to confirm the revocation."))
        return data


GRADE_FILTERS = [("", _("all grades")), ("ungraded", _("not graded yet")), *Evaluation.Grade.choices]
ACTION_FILTERS = [
    ("", _("all actions")),
    ("no_action", _("graded, no action")),
    ("warning", _("warning in force")),
    ("overdue", _("warning past its deadline")),
    ("revocation", _("revocation")),
]


class EvaluationFilterForm(forms.Form):
    cycle = forms.TypedChoiceField(label=_("Cycle"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("all kinds")), *Evaluation.Kind.choices])
    grade = forms.ChoiceField(label=_("Grade"), required=False, choices=GRADE_FILTERS)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=ACTION_FILTERS)

    def __init__(self, *args: Any, cycles: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "cycle").choices = [("", _("all cycles")), *((c, c) for c in cycles)]
