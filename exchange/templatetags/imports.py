"""Whether the signed-in user may use the import pages (for the navigation)."""

from typing import Any

from django import template

from accounts.access import Perm, has_perm

register = template.Library()


@register.filter
def may_import(user: Any) -> bool:
    return has_perm(user, Perm.MANAGE_REFERENCE)
