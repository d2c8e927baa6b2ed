"""Research outputs, to read: they change only through the outputs pages (`outputs.services`),
which check identifiers and duplicates and audit each change."""

from django.contrib import admin

from accounts.admin_base import ReadOnlyAdmin
from outputs.models import Output


@admin.register(Output)
class OutputAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "year", "phase", "person", "appointment", "doi"]
    list_filter = ["kind", "phase", "year"]
    list_select_related = ["person", "appointment", "appointment__person"]
    search_fields = ["title", "doi", "journal", "person__name", "appointment__postdoc_no"]
