from typing import Any

from django import template

from accounts.access import Perm, has_perm

register = template.Library()


@register.filter
def may_manage_accounts(user: Any) -> bool:
    """Office administrators: the Users page in the navigation."""
    return has_perm(user, Perm.MANAGE_ACCOUNTS)
