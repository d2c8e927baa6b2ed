from typing import Any

from django import template

from accounts.access import Perm, has_perm

register = template.Library()


@register.filter
def may_manage_accounts(user: Any) -> bool:
    """Office administrators: the Users page in the navigation."""
    return has_perm(user, Perm.MANAGE_ACCOUNTS)


@register.filter
def sees_institution(user: Any) -> bool:
    """Office administrators and leadership: the institution-wide sections of the navigation."""
    return has_perm(user, Perm.VIEW_INSTITUTION)
