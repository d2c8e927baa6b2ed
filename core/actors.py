"""Who acts without an account, and who the audit trail can name (docs/decisions/0061).

Every service takes the actor as `by`; its type, `accounts.actors.Actor`, is a signed-in `User`, an
`AccountlessActor` (an expert through a signed link, the product on its schedule) or None (a set-up
creating the first account). `core` and `audit` sit below `accounts`, so what they need lives here:
the accountless base class, and `RecordedActor`, the actor as the audit trail sees it (any account,
named by its username).
"""

from django.contrib.auth.base_user import AbstractBaseUser


class AccountlessActor:
    """Someone acting without a sign-in account: the audit trail records them by name (`str`), with
    no account to link. Subclasses say who they are in `__str__`."""

    pk: None = None


class NamedActor(AccountlessActor):
    """An actor known only by a name: the product on its schedule, or an address trying to sign in."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return self.name


type RecordedActor = AbstractBaseUser | AccountlessActor | None
