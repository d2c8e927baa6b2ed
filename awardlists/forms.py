"""Forms of the award-list pages. They only collect input; the services decide (and say why not)."""

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from awardlists.models import AwardList
from awardlists.services import programmes_for, upload_refusal
from core.forms import DateInput, ServiceForm, model_choice_field
from funding.models import Programme


class ProgrammeChoice(forms.ModelChoiceField[Programme]):
    def label_from_instance(self, obj: Any) -> str:
        programme: Programme = obj
        return f"{programme.funder.name_zh} · {programme.name_zh}"


def _programmes(institution_id: int) -> QuerySet[Programme]:
    programmes: QuerySet[Programme] = programmes_for(institution_id).order_by(
        "funder__institution_id", "funder__code", "code"
    )
    return programmes


class UploadForm(ServiceForm):
    programme = ProgrammeChoice(label=_("Programme"), queryset=Programme.objects.none())
    batch = forms.CharField(
        label=_("Batch"),
        max_length=50,
        help_text=_("As the funder names it, e.g. 第69批. Used in the awards' numbers."),
    )
    awarded_on = forms.DateField(label=_("Award date"), widget=DateInput)
    file = forms.FileField(
        label=_("The funder's list"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        error_messages={"required": _("Choose the file to upload."), "empty": _("The file is empty (0 bytes).")},
    )

    def __init__(self, *args: Any, institution_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"awarded_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        model_choice_field(self, "programme").queryset = _programmes(institution_id)
        self.fields["file"].help_text = _(
            "An .xlsx workbook or a .csv file (UTF-8 or GB18030) with the columns 序号, 省份, 设站单位名称, 姓名, 博士后编号, 一级学科, 资助等级; at most %(limit)s MB."
        ) % {"limit": settings.IMPORT_MAX_MB}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        refusal = upload_refusal(upload.name or "", upload.size or 0)
        if refusal:
            raise forms.ValidationError(refusal)
        return upload


class ListFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("all statuses")), *AwardList.Status.choices]
    )
    programme = ProgrammeChoice(label=_("Programme"), queryset=Programme.objects.none(), required=False)

    def __init__(self, *args: Any, institution_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = model_choice_field(self, "programme")
        field.queryset = _programmes(institution_id)
        field.empty_label = _("all programmes")


class ConfirmForm(forms.Form):
    acknowledged = forms.BooleanField(
        label=_("I have read the warnings and confirm the awards all the same."), required=False
    )


class HostNameForm(ServiceForm):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("A name funders write for the institution: an older name, an abbreviation, an English form."),
    )
