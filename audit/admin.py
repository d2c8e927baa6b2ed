from django.contrib import admin

from audit.models import AuditEvent
from core.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit log, to read: it is never added to, changed or deleted from the admin."""

    list_display = ["occurred_at", "actor_label", "event", "target_label"]
    list_filter = ["event"]
    search_fields = ["actor_label", "event", "target_label", "target_id"]
    date_hierarchy = "occurred_at"
    exclude = ["actor", "institution"]
