"""What the navigation offers the signed-in person (base.html), as `nav` in every page's context.

The navigation speaks of every app (expert reviews, stations, API tokens), so it is assembled here,
with the settings and the URLs, above all apps; no app imports an app above it to draw its menu
(docs/decisions/0028). Each answer is looked up once per request, and only if the page asks.
"""

from functools import cached_property
from typing import Any

from django.db.models import Q
from django.http import HttpRequest

from accounts.access import role_names, roles_of
from accounts.models import Role
from api.models import ApiToken
from reviews.models import Expert
from stations.models import Station

# Roles whose work the API serves (scripts that load or read records). Leadership reads figures on
# the pages and a postdoc has their own page: for them the menu entry is noise unless they made a
# token anyway (they keep the way to revoke it).
_API_ROLES = {Role.ADMIN, Role.SECRETARY, Role.SUPERVISOR}


class Navigation:
    def __init__(self, user: Any) -> None:
        self.user = user
        self.signed_in = bool(getattr(user, "is_authenticated", False))

    @cached_property
    def is_expert(self) -> bool:
        """Whether the person sits in the expert pool (their own reviews: "My reviews")."""
        if not self.signed_in:
            return False
        return Expert.objects.filter(Q(user=self.user) | Q(supervisor__user=self.user)).exists()

    @cached_property
    def shows_api_tokens(self) -> bool:
        """Whether "API tokens" is in the menu: for office administrators, station secretaries and
        supervisors; for anyone else only while they hold a token that is not revoked."""
        if not self.signed_in:
            return False
        if role_names(self.user) & _API_ROLES:
            return True
        return ApiToken.objects.filter(user=self.user, revoked_at__isnull=True).exists()

    @cached_property
    def role_labels(self) -> list[str]:
        """The person's roles as words; a secretary's role names the station."""
        if not self.signed_in:
            return []
        pairs = roles_of(self.user)
        station_ids = {station for _role, station in pairs if station}
        names = {s.pk: s.name for s in Station.objects.filter(pk__in=station_ids)} if station_ids else {}
        labels = []
        for role, station in sorted(pairs, key=lambda pair: list(Role.values).index(pair[0])):
            label = str(Role(role).label)
            if station:
                label = f"{label} · {names.get(station, '')}"
            labels.append(label)
        return labels


def navigation(request: HttpRequest) -> dict[str, Navigation]:
    return {"nav": Navigation(getattr(request, "user", None))}
