"""Forms of the import pages: the upload and the filter of the jobs list."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.forms import ServiceForm
from exchange.models import ImportJob
from exchange.services import upload_refusal


class UploadForm(ServiceForm):
    file = forms.FileField(
        label=_("Workbook"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.zip"}),
        error_messages={
            "required": _("Choose the file to upload."),
            "empty": _("The file is empty (0 bytes)."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "An .xlsx workbook, a .csv file named after its sheet (e.g. Postdocs.csv), or a .zip of such CSV files; at most %(limit)s MB."
        ) % {"limit": settings.IMPORT_MAX_MB}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        refusal = upload_refusal(upload.name or "", upload.size or 0)
        if refusal:
            raise forms.ValidationError(refusal)
        return upload


class JobFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("all states")), *ImportJob.State.choices]
    )
