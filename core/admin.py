"""The admin site's titles. Its shared rules (scoped to the user's institution, written through the
services) are in accounts/admin_base.py."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Postdoc Office")
admin.site.site_title = _("Postdoc Office")
admin.site.index_title = _("Reference data and records")
