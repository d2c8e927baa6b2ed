"""Award lists and the institution's names in funders' lists, to read: they change only through
the award-list pages (`awardlists.services`), which audit each change."""

from django.contrib import admin

from accounts.admin_base import ReadOnlyAdmin
from awardlists.models import AwardList, HostName


@admin.register(AwardList)
class AwardListAdmin(ReadOnlyAdmin):
    list_display = [
        "programme",
        "batch",
        "awarded_on",
        "status",
        "row_count",
        "exact_count",
        "uncertain_count",
        "unmatched_count",
        "other_count",
        "awarded_count",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["batch", "original_name"]
    exclude = ["file"]


@admin.register(HostName)
class HostNameAdmin(ReadOnlyAdmin):
    list_display = ["name", "created_by", "created_at"]
    search_fields = ["name"]
