"""The admin pages that span apps: host institutions (adding one sets it up: ops.institutions) and
the audit log (which hides the events of reviews the reader has a conflict in)."""

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from accounts.admin_base import ReadOnlyAdmin, acting_user
from audit.models import AuditEvent
from catalogue.admin import ReferenceAdmin
from catalogue.models import Institution
from ops.institutions import institution_add
from reviews.access import conflicted_review_ids
from reviews.models import Member


@admin.register(Institution)
class InstitutionAdmin(ReferenceAdmin):
    institution_lookup = "pk"
    list_display = ["code", "name_zh", "name_en", "kind", "province"]
    search_fields = ["code", "name_zh", "name_en"]

    def save_through_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        institution_add(institution=obj, by=acting_user(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A new host institution is set up by whoever runs the system, not by one of its offices.
        return bool(request.user.is_superuser)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit log, to read: it is never added to, changed or deleted from the admin."""

    list_display = ["occurred_at", "actor_label", "event", "target_label"]
    list_filter = ["event"]
    search_fields = ["actor_label", "event", "target_label", "target_id"]
    date_hierarchy = "occurred_at"
    exclude = ["actor", "institution"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        """Without the events of reviews the user has a conflict in: they name the reviewers and
        their scores, which a conflicted person never sees, administrators included."""
        queryset = super().get_queryset(request)
        hidden = [str(pk) for pk in conflicted_review_ids(request.user)]
        if not hidden:
            return queryset
        members = [str(pk) for pk in Member.objects.filter(review_id__in=hidden).values_list("pk", flat=True)]
        return queryset.exclude(
            Q(target_type="reviews.review", target_id__in=hidden)
            | Q(parent_type="reviews.review", parent_id__in=hidden)
            | Q(target_type="reviews.member", target_id__in=members)
        )
