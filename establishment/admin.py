"""Rounds, applications and their documents, to read: they change only through the establishment
pages (`establishment.services`), which keep the steps in order and audit each change."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.admin_base import ReadOnlyAdmin
from establishment.models import Application, Document, Round


@admin.register(Round)
class RoundAdmin(ReadOnlyAdmin):
    list_display = ["year", "notice_no", "internal_deadline", "submission_deadline", "min_doctoral_supervisors"]
    search_fields = ["notice_no"]


class DocumentInline(admin.TabularInline[Document, Application]):
    model = Document
    fields = ["kind", "original_name", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = ["kind", "original_name", "size", "uploaded_by", "uploaded_at"]
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["round", "discipline", "unit", "status", "submitted_on", "decided_on", "station"]
    list_filter = ["status", "round__year"]
    list_select_related = ["round", "discipline", "unit", "station"]
    search_fields = ["discipline__code", "discipline__name_zh", "discipline__name_en", "approval_no"]
    inlines = [DocumentInline]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    institution_lookup = "application__institution_id"
    list_display = ["original_name", "kind", "application", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["kind"]
    list_select_related = ["application", "application__round", "application__discipline", "uploaded_by"]
    search_fields = ["original_name", "sha256"]
    exclude = ["file"]  # downloaded from the application's page, which checks who asks
