from django.contrib import admin

from accounts.admin_base import ReadOnlyAdmin
from funding.models import Project


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ["project_no", "title", "level", "funder", "awarded_on", "amount", "holder"]
    list_filter = ["level", "status"]
    list_select_related = ["holder", "holder__person"]
    search_fields = ["project_no", "title", "funder"]
