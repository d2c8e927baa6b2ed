from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from accounts.admin_base import ServiceAdmin, acting_user
from catalogue.models import Discipline, DoctoralRight, Unit
from catalogue.services import reference_save


class ReferenceAdmin(ServiceAdmin):
    """Writes through `catalogue.services.reference_save` (validation, permission, audit event)."""

    def save_through_service(self, request: HttpRequest, obj: models.Model, form: Any, change: bool) -> None:
        reference_save(instance=obj, by=acting_user(request))


@admin.register(Discipline)
class DisciplineAdmin(ReferenceAdmin):
    institution_lookup = None  # the national catalogue, shared by every institution
    list_display = ["code", "name_zh", "name_en", "category_name", "edition", "source_marker", "is_active"]
    list_filter = ["edition", "is_active", "source_marker"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(Unit)
class UnitAdmin(ReferenceAdmin):
    list_display = ["code", "name_zh", "name_en", "kind", "institution"]
    list_filter = ["kind"]
    list_select_related = ["institution"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(DoctoralRight)
class DoctoralRightAdmin(ReferenceAdmin):
    list_display = ["discipline", "institution", "since", "until"]
    list_select_related = ["discipline", "institution"]
    search_fields = ["discipline__code", "discipline__name_zh"]
    autocomplete_fields = ["discipline"]
