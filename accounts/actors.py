"""The actor every service takes as `by` (docs/decisions/0061)."""

from accounts.models import User
from core.actors import AccountlessActor

# A signed-in account; someone without one (an expert through their signed link, the product on its
# schedule); or None, the set-up that creates an institution's first account. A service that only
# an account may call narrows it: `has_perm(by, …)` answers True only for a `User`.
type Actor = User | AccountlessActor | None

__all__ = ["AccountlessActor", "Actor"]
