"""Unlinking an account from its supervisor or postdoc record: allowed for the institution's
administrator, refused for anyone else; a refusal writes nothing."""

import pytest

from audit.models import AuditEvent
from core.errors import DomainError
from people.accounts import account_unlink

pytestmark = pytest.mark.django_db

OTHERS = ["secretary", "supervisor", "postdoc", "leadership", "outsider"]


@pytest.fixture
def events():
    def count() -> int:
        return AuditEvent.objects.count()

    return count


def test_unlink_keeps_the_record_and_refuses_an_unlinked_account(world, events):
    account_unlink(user=world.supervisor_user, by=world.admin)
    world.supervisor.refresh_from_db()
    assert world.supervisor.user is None and world.supervisor.pk
    before = events()
    with pytest.raises(DomainError, match="not linked"):
        account_unlink(user=world.supervisor_user, by=world.admin)
    for persona in OTHERS:
        with pytest.raises(DomainError):
            account_unlink(user=world.postdoc_user, by=world.personas()[persona])
    assert events() == before
