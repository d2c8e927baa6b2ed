from typing import Any

from django import template

from people.access import may_list_supervisors

register = template.Library()


@register.filter
def may_see_supervisors(user: Any) -> bool:
    """The menu shows "Supervisors" to those who may list them (people.access.may_list_supervisors)."""
    return may_list_supervisors(user)
