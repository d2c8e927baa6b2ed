from django.contrib import admin
from django.http import HttpRequest

from catalogue.models import Discipline, DoctoralRight, Institution, Unit
from core.admin import ReferenceAdmin


@admin.register(Discipline)
class DisciplineAdmin(ReferenceAdmin):
    institution_lookup = None  # the national catalogue, shared by every institution
    list_display = ["code", "name_zh", "name_en", "category_name", "edition", "source_marker", "is_active"]
    list_filter = ["edition", "is_active", "source_marker"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(Institution)
class InstitutionAdmin(ReferenceAdmin):
    institution_lookup = "pk"
    list_display = ["code", "name_zh", "name_en", "kind", "province"]
    search_fields = ["code", "name_zh", "name_en"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A new host institution is set up by whoever runs the system, not by one of its offices.
        return bool(request.user.is_superuser)


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
