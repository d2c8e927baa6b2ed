from django.contrib import admin

from catalogue.admin import ReferenceAdmin
from people.models import Supervisor


@admin.register(Supervisor)
class SupervisorAdmin(ReferenceAdmin):
    list_display = ["staff_no", "name", "name_en", "title", "unit", "station", "is_external"]
    list_filter = ["is_external"]
    list_select_related = ["unit", "station"]
    search_fields = ["staff_no", "name", "name_en"]
    exclude = ["user"]  # linking an account goes through people.accounts.account_link
