"""Forms of the review pages. They only collect input; the services decide (and say why not)."""

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.models import Discipline, Unit
from core.forms import DateInput, ServiceForm, choice_field, model_choice_field
from people.models import Supervisor
from reviews.models import Criterion, Expert, Form, Kind, KindRules, Rank, Relation, Review

TRI_STATE = [("", _("as the rules say")), ("yes", _("yes")), ("no", _("no"))]


def tri_state(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


# ---- the review list --------------------------------------------------------------------------


class ReviewFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Title, postdoc name or number")}),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("all kinds")), *Kind.choices])
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("all statuses")), *Review.Status.choices]
    )
    deadline_from = forms.DateField(label=_("Deadline from"), required=False, widget=DateInput)
    deadline_to = forms.DateField(label=_("Deadline until"), required=False, widget=DateInput)


# ---- starting a review ------------------------------------------------------------------------


class NewReviewForm(ServiceForm):
    """The kind, the deadline and, optionally, this review's own panel rules (left empty, the
    institution's rules for the kind apply)."""

    field_aliases = {"subject": None}
    RULE_FIELDS = ("min_size", "min_external_percent", "min_rank", "doctoral_supervisors_only", "blind")

    kind = forms.ChoiceField(label=_("Kind of review"))
    deadline = forms.DateField(label=_("Deadline for the experts"), widget=DateInput)
    title = forms.CharField(
        label=_("Title of the review"),
        max_length=200,
        required=False,
        help_text=_("Leave empty for the kind and the subject, e.g. “mid-term assessment · BH0001 Chen”."),
    )
    form = forms.ModelChoiceField(
        label=_("Scoring form"),
        queryset=Form.objects.none(),
        required=False,
        empty_label=_("the form of the rules for this kind"),
    )
    min_size = forms.IntegerField(label=_("Panel size"), required=False, min_value=1, max_value=50)
    min_external_percent = forms.IntegerField(
        label=_("Minimum share of external members (%)"), required=False, min_value=0, max_value=100
    )
    min_rank = forms.TypedChoiceField(
        label=_("Minimum seniority"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("as the rules say")), *Rank.choices],
    )
    doctoral_supervisors_only = forms.ChoiceField(
        label=_("Doctoral supervisors only"), required=False, choices=TRI_STATE
    )
    blind = forms.ChoiceField(label=_("Blind review"), required=False, choices=TRI_STATE)

    def __init__(self, *args: Any, kinds: Sequence[tuple[str, Any]], forms_qs: QuerySet[Form], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"deadline": timezone.localdate() + dt.timedelta(days=30)})
        super().__init__(*args, **kwargs)
        choice_field(self, "kind").choices = list(kinds)
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0][0]
        model_choice_field(self, "form").queryset = forms_qs

    def rule_overrides(self) -> dict[str, Any]:
        """Only the rules the user set: the others come from the institution's rules."""
        data = self.cleaned_data
        overrides: dict[str, Any] = {}
        for name in ("min_size", "min_external_percent", "min_rank"):
            if data.get(name) is not None:
                overrides[name] = data[name]
        for name in ("doctoral_supervisors_only", "blind"):
            value = tri_state(data.get(name) or "")
            if value is not None:
                overrides[name] = value
        return overrides

    def rule_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.RULE_FIELDS]


# ---- the steps of a review --------------------------------------------------------------------


class ExpertChoiceField(forms.ModelChoiceField[Expert]):
    """Experts named with what the office needs to choose: external or unit, seniority, and why
    the rules would keep them off this panel."""

    def __init__(self, *args: Any, notes: dict[int, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.notes = notes or {}

    def label_from_instance(self, obj: Any) -> str:
        where = obj.affiliation if obj.is_external else (obj.unit.name if obj.unit else "")
        label = (
            f"{obj.name} · {where} · {obj.get_rank_display()}" if where else f"{obj.name} · {obj.get_rank_display()}"
        )
        note = self.notes.get(obj.pk)
        return f"{label} — {note}" if note else label


class MemberAddForm(ServiceForm):
    expert = ExpertChoiceField(label=_("Expert"), queryset=Expert.objects.none(), empty_label="—")

    def __init__(self, *args: Any, experts: QuerySet[Expert], notes: dict[int, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = model_choice_field(self, "expert")
        assert isinstance(field, ExpertChoiceField)
        field.queryset = experts
        field.notes = notes
        field.help_text = _(
            "Experts of the pool in the subject's disciplines who are not on the panel yet. Those the rules "
            "would keep off are marked; a conflicted expert is refused."
        )


class ConfirmForm(ServiceForm):
    confirm = forms.BooleanField(
        label=_("I confirm this step."),
        required=True,
        error_messages={"required": _("Tick the box to confirm this step.")},
    )


class DrawForm(ServiceForm):
    seed = forms.IntegerField(
        label=_("Seed (optional)"),
        required=False,
        min_value=0,
        max_value=2**62,
        help_text=_(
            "Leave empty for a random seed. The seed is recorded: the same seed over the same pool draws the "
            "same experts, so anyone can check the draw."
        ),
    )


class DeclineForm(ServiceForm):
    reason = forms.CharField(
        max_length=2000,
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the expert cannot review (as they said)."),
    )
    conflict = forms.BooleanField(
        label=_("The expert declares a conflict of interest with the subject (kept for later reviews)"),
        required=False,
    )


class ExpertDeclineForm(ServiceForm):
    """The expert's own "I cannot review" or "I have a conflict"."""

    reason = forms.CharField(
        max_length=2000,
        label=_("Why you cannot review"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    conflict = forms.BooleanField(
        label=_("I have a conflict of interest with the subject of this review"),
        required=False,
        help_text=_("The office records it, so that you are not drawn for the same postdoc or unit again."),
    )


class EmptyForm(ServiceForm):
    """A step without input (replace a declined expert, open the review)."""


class CloseForm(ServiceForm):
    note = forms.CharField(
        max_length=2000,
        label=_("Why the review closes now"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when some experts have not scored."),
    )
    confirm = forms.BooleanField(
        label=_("I confirm closing the review although some experts have not scored."), required=False
    )

    def __init__(self, *args: Any, early: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.early = early
        if not early:
            del self.fields["confirm"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.early and not data.get("confirm"):
            self.add_error("confirm", _("Tick the box to close the review without every expert's scores."))
        return data


class DecideForm(ServiceForm):
    decision = forms.ChoiceField(label=_("Decision"))
    reason = forms.CharField(
        max_length=2000, label=_("Reason for the decision"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    minutes = forms.CharField(
        max_length=10000,
        label=_("Minutes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The minutes of the panel's meeting, if it met."),
    )
    new_exit_date = forms.DateField(
        label=_("New planned exit date"),
        required=False,
        widget=DateInput,
        help_text=_("For a supported extension: the date the stay is extended to."),
    )

    def __init__(self, *args: Any, choices: list[tuple[str, Any]], extension: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "decision").choices = [("", "—"), *choices]
        if not extension:
            del self.fields["new_exit_date"]


class ScoreForm(ServiceForm):
    """One number per criterion (`c<criterion id>`, the field the service names), the overall
    judgement and comments. The service checks the numbers, so that its sentences are the ones shown."""

    overall = forms.ChoiceField(label=_("Overall judgement"), required=False)
    comments = forms.CharField(
        max_length=5000, label=_("Comments"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(
        self, *args: Any, criteria: Sequence[Criterion], overall: list[tuple[str, Any]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        scores: dict[str, forms.Field] = {}
        for criterion in self.criteria:
            scores[f"c{criterion.pk}"] = forms.CharField(
                label=criterion.name,
                required=False,
                widget=forms.NumberInput(attrs={"min": 0, "max": criterion.scale_max, "step": "any"}),
                help_text=_("0 to %(max)s · weight %(weight)s")
                % {"max": criterion.scale_max, "weight": criterion.weight},
            )
        self.fields = {**scores, **self.fields}
        choice_field(self, "overall").choices = [("", "—"), *overall]

    def values(self) -> dict[int, str]:
        return {c.pk: self.cleaned_data.get(f"c{c.pk}", "") for c in self.criteria}

    def score_fields(self) -> list[forms.BoundField]:
        return [self[f"c{c.pk}"] for c in self.criteria]


# ---- the expert pool --------------------------------------------------------------------------


class ExpertFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, number or affiliation")}),
    )
    external = forms.ChoiceField(
        label=_("External or internal"),
        required=False,
        choices=[("", _("both")), ("external", _("external")), ("internal", _("internal"))],
    )
    discipline = forms.ModelChoiceField(label=_("Discipline"), queryset=Discipline.objects.none(), required=False)
    active = forms.ChoiceField(
        label=_("In the pool"),
        required=False,
        choices=[("", _("active and inactive")), ("yes", _("active")), ("no", _("no longer in the pool"))],
    )

    def __init__(self, *args: Any, disciplines: QuerySet[Discipline], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = model_choice_field(self, "discipline")
        field.queryset = disciplines
        field.empty_label = _("all disciplines")


class DisciplineChoiceField(forms.ModelMultipleChoiceField[Discipline]):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"


class ExpertForm(ServiceForm):
    FIELDS = (
        "name",
        "name_en",
        "code",
        "is_external",
        "affiliation",
        "unit",
        "supervisor",
        "title",
        "rank",
        "is_doctoral_supervisor",
        "email",
        "phone",
        "language",
        "is_active",
    )

    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    name_en = forms.CharField(label=_("Name in Latin letters"), max_length=100, required=False)
    code = forms.CharField(
        label=_("Expert number"),
        max_length=30,
        required=False,
        help_text=_("The office's own number for the expert; the exchange workbook matches experts by it."),
    )
    is_external = forms.BooleanField(label=_("External expert (from another institution)"), required=False)
    affiliation = forms.CharField(
        label=_("Affiliation"), max_length=200, required=False, help_text=_("An external expert's institution.")
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label="—",
        help_text=_("An internal expert's college or hospital: conflicts are found through it."),
    )
    supervisor = forms.ModelChoiceField(
        label=_("Staff record"),
        queryset=Supervisor.objects.none(),
        required=False,
        empty_label="—",
        help_text=_(
            "An internal expert who is also a supervisor: conflicts with their own postdocs are found through it."
        ),
    )
    title = forms.CharField(
        label=_("Professional title"), max_length=50, required=False, help_text=_("e.g. 教授, 主任医师")
    )
    rank = forms.TypedChoiceField(label=_("Seniority"), coerce=int, choices=Rank.choices, initial=Rank.FULL)
    is_doctoral_supervisor = forms.BooleanField(label=_("Doctoral supervisor"), required=False)
    disciplines = DisciplineChoiceField(
        label=_("Disciplines of expertise"),
        queryset=Discipline.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several. Draws take experts of the subject's discipline."),
    )
    email = forms.EmailField(label=_("Email"), required=False, help_text=_("Invitations and reminders go here."))
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    language = forms.ChoiceField(label=_("Language of the mail"), choices=[])
    is_active = forms.BooleanField(label=_("In the pool (may be chosen or drawn)"), required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        units: QuerySet[Unit],
        supervisors: QuerySet[Supervisor],
        disciplines: QuerySet[Discipline],
        languages: Sequence[tuple[str, Any]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "unit").queryset = units
        model_choice_field(self, "supervisor").queryset = supervisors
        model_choice_field(self, "disciplines").queryset = disciplines
        choice_field(self, "language").choices = list(languages)

    @classmethod
    def initial_for(cls, expert: Expert) -> dict[str, Any]:
        initial = {name: getattr(expert, name) for name in cls.FIELDS}
        initial["unit"] = expert.unit_id
        initial["supervisor"] = expert.supervisor_id
        initial["disciplines"] = [d.pk for d in expert.disciplines.all()]
        return initial

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {name: data[name] for name in self.FIELDS}
        if fields["is_external"]:
            # An external expert has no unit or staff record of this institution: what the form
            # still holds from an internal choice is dropped rather than refused.
            fields["unit"] = None
            fields["supervisor"] = None
        return fields


class RelationForm(ServiceForm):
    field_aliases = {"party": None}

    kind = forms.ChoiceField(label=_("Kind of relation"), choices=[("", "—"), *Relation.Kind.choices])
    postdoc_no = forms.CharField(
        label=_("Postdoc (postdoc number)"), max_length=30, required=False, help_text=_("Name one party only.")
    )
    supervisor = forms.ModelChoiceField(
        label=_("or a supervisor"), queryset=Supervisor.objects.none(), required=False, empty_label="—"
    )
    unit = forms.ModelChoiceField(label=_("or a unit"), queryset=Unit.objects.none(), required=False, empty_label="—")
    declared_by = forms.ChoiceField(
        label=_("Declared by"), choices=Relation.DeclaredBy.choices, initial=Relation.DeclaredBy.OFFICE
    )
    on = forms.DateField(
        label=_("Date"),
        widget=DateInput,
        help_text=_("A collaboration conflicts for the rules' window from this date."),
    )
    note = forms.CharField(max_length=2000, label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, units: QuerySet[Unit], supervisors: QuerySet[Supervisor], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        model_choice_field(self, "unit").queryset = units
        model_choice_field(self, "supervisor").queryset = supervisors


# ---- rules and forms --------------------------------------------------------------------------


class KindRulesForm(ServiceForm):
    form = forms.ModelChoiceField(label=_("Scoring form"), queryset=Form.objects.none(), empty_label="—")
    min_size = forms.IntegerField(label=_("Panel size"), min_value=1, max_value=50, initial=5)
    min_external_percent = forms.IntegerField(
        label=_("Minimum share of external members (%)"), min_value=0, max_value=100, initial=0
    )
    min_rank = forms.TypedChoiceField(
        label=_("Minimum seniority"), coerce=int, choices=Rank.choices, initial=Rank.ASSOCIATE
    )
    doctoral_supervisors_only = forms.BooleanField(label=_("Doctoral supervisors only"), required=False)
    blind = forms.BooleanField(label=_("Blind review"), required=False)
    collaboration_window_years = forms.IntegerField(
        label=_("A collaboration conflicts for (years)"), min_value=0, max_value=20, initial=3
    )

    RULES = ("min_size", "min_external_percent", "min_rank", "doctoral_supervisors_only", "blind")

    def __init__(self, *args: Any, forms_qs: QuerySet[Form], rules: KindRules | None, **kwargs: Any) -> None:
        if rules is not None:
            kwargs.setdefault(
                "initial",
                {
                    "form": rules.form_id,
                    "collaboration_window_years": rules.collaboration_window_years,
                    **{name: getattr(rules, name) for name in self.RULES},
                },
            )
        super().__init__(*args, **kwargs)
        model_choice_field(self, "form").queryset = forms_qs


CRITERIA_HELP = _(
    "One criterion a line: Chinese name | English name | weight | highest score, "
    "e.g. “研究进展 | Progress | 3 | 10”. The English name may be left empty."
)


class FormCreateForm(ServiceForm):
    field_aliases = {"thresholds": "excellent_from"}

    name = forms.CharField(label=_("Name of the form"), max_length=200, required=False)
    outcome = forms.ChoiceField(label=_("Each expert concludes with"), choices=Form.Outcome.choices)
    criteria = forms.CharField(
        max_length=5000,
        label=_("Criteria"),
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "研究进展 | Progress | 3 | 10"}),
        help_text=CRITERIA_HELP,
        required=False,
    )
    excellent_from = forms.IntegerField(
        label=_("Excellent from (points of 100)"), min_value=0, max_value=100, initial=90
    )
    good_from = forms.IntegerField(label=_("Good from (points of 100)"), min_value=0, max_value=100, initial=75)
    pass_from = forms.IntegerField(label=_("Pass from (points of 100)"), min_value=0, max_value=100, initial=60)
    disagreement_points = forms.IntegerField(
        label=_("Flag disagreement when scores differ by more than (points of 100)"),
        min_value=0,
        max_value=100,
        initial=20,
    )
    hides_subject = forms.BooleanField(
        label=_("In blind reviews, hide who the subject is from the experts"), required=False
    )

    def clean_criteria(self) -> list[tuple[str, str, int, int]]:
        return parse_criteria(self.cleaned_data.get("criteria", ""))

    def thresholds(self) -> tuple[int, int, int]:
        data = self.cleaned_data
        return (data["excellent_from"], data["good_from"], data["pass_from"])


_SEPARATOR = re.compile(r"\s*[|｜]\s*")


def parse_criteria(text: str) -> list[tuple[str, str, int, int]]:
    """Lines "中文名 | English name | weight | highest score" (blank lines skipped); a malformed
    line is refused with a sentence naming it."""
    criteria = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = _SEPARATOR.split(line.strip())
        if len(parts) != 4:
            raise forms.ValidationError(
                _(
                    "Line %(number)s (“%(line)s”) needs four parts separated by “|”: Chinese name | English name | weight | highest score."
                ),
                params={"number": number, "line": line.strip()},
            )
        name_zh, name_en, weight, scale = parts
        if not name_zh:
            raise forms.ValidationError(
                _("Line %(number)s (“%(line)s”) has no Chinese name."), params={"number": number, "line": line.strip()}
            )
        try:
            numbers = (int(weight), int(scale))
        except ValueError:
            raise forms.ValidationError(
                _("Line %(number)s (“%(line)s”): the weight and the highest score must be whole numbers."),
                params={"number": number, "line": line.strip()},
            ) from None
        if min(numbers) <= 0:
            raise forms.ValidationError(
                _("Line %(number)s (“%(line)s”): the weight and the highest score must be above zero."),
                params={"number": number, "line": line.strip()},
            )
        criteria.append((name_zh, name_en, *numbers))
    if not criteria:
        raise forms.ValidationError(_("Enter at least one criterion."))
    return criteria
