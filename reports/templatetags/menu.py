"""What the navigation offers a signed-in person (base.html)."""

from typing import Any

from django import template

from accounts.access import role_names
from accounts.models import Role
from api.models import ApiToken

register = template.Library()

# Roles whose work the API serves (scripts that load or read records). Leadership reads figures on
# the pages and a postdoc has their own page: for them the menu entry is noise unless they made a
# token anyway (they keep the way to revoke it).
_API_ROLES = {Role.ADMIN, Role.SECRETARY, Role.SUPERVISOR}


@register.filter
def shows_api_tokens(user: Any) -> bool:
    """Whether "API tokens" is in the menu: for office administrators, station secretaries and
    supervisors; for anyone else only while they hold a token that is not revoked. At most one query."""
    if not getattr(user, "is_authenticated", False):
        return False
    if role_names(user) & _API_ROLES:
        return True
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
