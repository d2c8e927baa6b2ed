"""Forms of the establishment pages. They only collect input; the services decide (and say why not)."""

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.models import Discipline, Unit
from core.forms import DateInput, ServiceForm, model_choice_field
from establishment.models import Application, Document, Round
from establishment.services import document_refusal, read_head
from people.models import Supervisor


class ApplicationFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Discipline code or name")}),
    )
    round = forms.ModelChoiceField(label=_("Round"), queryset=Round.objects.none(), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("all statuses")), *Application.Status.choices]
    )

    def __init__(self, *args: Any, rounds: QuerySet[Round], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "round").queryset = rounds
        model_choice_field(self, "round").empty_label = _("all rounds")


class RoundForm(ServiceForm):
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    notice_no = forms.CharField(
        label=_("Notice number"),
        max_length=100,
        required=False,
        help_text=_("The national notice that opens the round, e.g. 人社部函〔2023〕47号."),
    )
    internal_deadline = forms.DateField(label=_("Internal deadline"), widget=DateInput)
    submission_deadline = forms.DateField(label=_("Submission deadline"), widget=DateInput, required=False)
    min_doctoral_supervisors = forms.IntegerField(
        label=_("Doctoral supervisors needed among the applicants"), min_value=1, initial=3
    )
    min_projects = forms.IntegerField(label=_("Provincial-or-higher projects needed"), min_value=0, initial=1)
    project_years = forms.IntegerField(label=_("Projects counted over the last (years)"), min_value=1, initial=5)

    def __init__(self, *args: Any, round: Round | None = None, **kwargs: Any) -> None:
        if round is not None:
            kwargs.setdefault("initial", {name: getattr(round, name) for name in self.base_fields})
        else:
            kwargs.setdefault("initial", {"year": timezone.localdate().year})
        super().__init__(*args, **kwargs)


class ApplicationForm(ServiceForm):
    """A draft's details; the round is chosen only when the application starts."""

    DETAIL_FIELDS = ["discipline", "unit", "applicants", "enrolled_phd_students", "facilities", "facilities_attested"]

    round = forms.ModelChoiceField(label=_("Round"), queryset=Round.objects.none(), empty_label="—")
    discipline = forms.ModelChoiceField(
        label=_("First-level discipline"), queryset=Discipline.objects.none(), empty_label="—"
    )
    unit = forms.ModelChoiceField(label=_("Applying unit"), queryset=Unit.objects.none(), empty_label="—")
    applicants = forms.ModelMultipleChoiceField(
        label=_("Applicants (the team)"),
        queryset=Supervisor.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("The supervisors who apply; doctoral supervisors count towards the checklist."),
    )
    enrolled_phd_students = forms.IntegerField(
        label=_("PhD students enrolled now"),
        min_value=0,
        initial=0,
        help_text=_("The count the graduate school attests for the discipline."),
    )
    facilities = forms.CharField(
        max_length=5000,
        label=_("Research facilities"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Laboratories, platforms, equipment and funds the postdocs will work with."),
    )
    facilities_attested = forms.BooleanField(label=_("The applying unit attests the facilities"), required=False)

    def __init__(
        self,
        *args: Any,
        institution_id: int,
        rounds: QuerySet[Round] | None = None,
        application: Application | None = None,
        **kwargs: Any,
    ) -> None:
        if application is not None:
            initial = {name: getattr(application, name) for name in self.DETAIL_FIELDS if name != "applicants"}
            initial["applicants"] = list(application.applicants.all())
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        if rounds is None:
            del self.fields["round"]
        else:
            model_choice_field(self, "round").queryset = rounds
        model_choice_field(self, "discipline").queryset = Discipline.objects.filter(is_active=True).order_by("code")
        model_choice_field(self, "unit").queryset = Unit.objects.filter(institution_id=institution_id).order_by("code")
        model_choice_field(self, "applicants").queryset = Supervisor.objects.filter(
            institution_id=institution_id, is_external=False
        ).order_by("name_sort", "name", "staff_no")
        # Per-form option labels: the stubs let only a subclass replace this method.
        model_choice_field(self, "applicants").label_from_instance = _applicant_label  # type: ignore[method-assign, assignment]


def _applicant_label(supervisor: Supervisor) -> str:
    label = f"{supervisor.name} ({supervisor.staff_no})"
    if supervisor.is_doctoral_supervisor:
        label += " · " + str(_("doctoral supervisor"))
    return label


class DocumentForm(ServiceForm):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=[("", "—"), *Document.Kind.choices])
    file = forms.FileField(
        label=_("PDF file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
        error_messages={"required": _("Choose the PDF to upload."), "empty": _("The file is empty (0 bytes).")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("A PDF of at most %(limit)s MB.") % {
            "limit": settings.ESTABLISHMENT_DOCUMENT_MAX_MB
        }

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        refusal = document_refusal(upload.name or "", upload.size or 0, read_head(upload))
        if refusal:
            raise forms.ValidationError(refusal)
        return upload


class ConfirmMixin(forms.Form):
    confirm = forms.BooleanField(
        label=_("I confirm this step. It cannot be undone here."),
        required=True,
        error_messages={"required": _("Tick the box to confirm this step.")},
    )


class StepForm(ServiceForm):
    """A step's form; it knows the application it acts on."""

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        self.application = application
        super().__init__(*args, **kwargs)


class StartReviewForm(StepForm):
    pass


class SubmitForm(StepForm):
    on = forms.DateField(label=_("Submitted on"), widget=DateInput)

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, application=application, **kwargs)


class DecideForm(ConfirmMixin, StepForm):
    # station_create's refusals name the station's fields.
    field_aliases = {"code": "station_code", "discipline": None, "unit": None, "established_on": "on"}

    DECISIONS = [("approved", _("approved: set up the station")), ("rejected", _("not approved"))]

    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    on = forms.DateField(label=_("Decided on"), widget=DateInput)
    approval_no = forms.CharField(
        label=_("Approval number"), max_length=100, required=False, help_text=_("Needed for an approval.")
    )
    station_code = forms.CharField(label=_("New station's code"), max_length=30, required=False)
    name_zh = forms.CharField(label=_("New station's Chinese name"), max_length=200, required=False)
    name_en = forms.CharField(label=_("New station's English name"), max_length=200, required=False)

    field_order = ["decision", "on", "approval_no", "station_code", "name_zh", "name_en", "confirm"]

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        discipline = application.discipline
        kwargs.setdefault(
            "initial",
            {
                "on": timezone.localdate(),
                "station_code": f"S{discipline.code}",
                "name_zh": f"{discipline.name_zh}博士后科研流动站",
                "name_en": f"Postdoctoral Research Station of {discipline.name_en}" if discipline.name_en else "",
            },
        )
        super().__init__(*args, application=application, **kwargs)


class WithdrawForm(ConfirmMixin, StepForm):
    reason = forms.CharField(max_length=2000, label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    field_order = ["reason", "confirm"]


class RemoveDocumentForm(ServiceForm):
    confirm = forms.BooleanField(
        label=_("Remove this document. Its file is deleted; the audit log keeps the record of it."),
        required=True,
        error_messages={"required": _("Tick the box to confirm the removal.")},
    )


class ChecklistForm(forms.Form):
    on = forms.DateField(label=_("Check on"), widget=DateInput, required=False)
