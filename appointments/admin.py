from django.contrib import admin

from accounts.admin_base import ReadOnlyAdmin
from appointments.models import Appointment, Assessment, Policy
from catalogue.admin import ReferenceAdmin


@admin.register(Policy)
class PolicyAdmin(ReferenceAdmin):
    list_display = ["institution", "max_entry_age", "normal_months", "min_months_before_exit", "max_total_months"]
    list_select_related = ["institution"]


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    institution_lookup = "station__institution_id"
    list_display = ["postdoc_no", "person", "station", "status", "entry_date", "planned_exit_date", "ended_on"]
    list_filter = ["status"]
    list_select_related = ["person", "station"]
    search_fields = ["postdoc_no", "person__name", "person__name_en"]
    date_hierarchy = "entry_date"


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    institution_lookup = "appointment__station__institution_id"
    list_display = ["appointment", "kind", "held_on", "grade"]
    list_filter = ["kind", "grade"]
    list_select_related = ["appointment", "appointment__person"]
