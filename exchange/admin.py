from django.contrib import admin

from accounts.admin_base import ReadOnlyAdmin
from exchange.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    """Import jobs, to read: they change only through the import pages and the worker."""

    list_display = ["created_at", "original_name", "created_by", "state", "rows_done", "finished_at"]
    list_filter = ["state"]
    list_select_related = ["created_by"]
    search_fields = ["original_name", "sha256"]
    date_hierarchy = "created_at"
    exclude = ["report", "file"]  # the report is long; the file is downloaded from the job's page
