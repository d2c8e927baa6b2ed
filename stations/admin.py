from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.admin_base import acting_user
from catalogue.admin import ReferenceAdmin
from stations.models import Station
from stations.services import station_create


@admin.register(Station)
class StationAdmin(ReferenceAdmin):
    list_display = ["code", "name_zh", "kind", "discipline", "unit", "established_on", "status"]
    list_filter = ["kind", "status"]
    list_select_related = ["discipline", "unit"]
    search_fields = ["code", "name_zh", "name_en"]
    autocomplete_fields = ["discipline"]

    def save_through_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_through_service(request, obj, form, change)
            return
        # A new station goes through its own service: a mobile station needs doctoral rights.
        created = station_create(
            institution=obj.institution,
            code=obj.code,
            kind=obj.kind,
            unit=obj.unit,
            name_zh=obj.name_zh,
            name_en=obj.name_en,
            established_on=obj.established_on,
            discipline=obj.discipline,
            approval_no=obj.approval_no,
            by=acting_user(request),
        )
        obj.pk = created.pk
        obj._state.adding = False
