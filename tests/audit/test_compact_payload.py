"""The events of bulk services keep their data in a compact form (audit.payload, decision 69) and
read back as the very same objects; events written one by one stay plain JSON objects."""

import json
from typing import Any

import pytest
from django.db import connection, transaction

from audit.events import Event
from audit.models import AuditEvent, AuditPayloadKeys
from audit.payload import Compactor, expand, keys_name
from audit.services import EventBatch, record_event
from tests.factories import World

DATA: list[dict[str, Any]] = [
    {"id": 1, "name": "王月", "is_foreign": False, "email": "", "user": None, "amount": "50000.00"},
    {"id": 2, "person": {"id": 7, "name": "李雷", "birth_date": "1990-01-02"}, "status": "in_post"},
    {"policy_exceptions": [{"rule": "age", "reason": "特批"}, {"rule": "exit"}], "drawn": [3, 4], "scores": {"5": 2}},
    {"nested": {"deeper": {"list": [[1, 2], [{"a": None}]]}}},
    {},
    {"": "a key that is empty", "other": 1},  # cannot take the compact form: stored as it is
    {"inner": {"": 1}},
]


def _raw_after(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT after FROM audit_auditevent WHERE id = %s", [pk])
        (raw,) = cursor.fetchone()
    return raw if isinstance(raw, str) else json.dumps(raw)


def _batch(world: World, data: list[dict[str, Any]]) -> list[AuditEvent]:
    batch = EventBatch(actor=world.admin, institution_id=world.institution.pk, note="导入")
    for after in data:
        batch.add(event=Event.SUPERVISOR_CREATED, target=world.supervisor, after=after, before=after or None)
    batch.save()
    return list(AuditEvent.objects.filter(event=Event.SUPERVISOR_CREATED, note="导入").order_by("pk"))


@pytest.mark.django_db
def test_bulk_event_data_reads_back_as_written(world: World) -> None:
    events = _batch(world, DATA)
    assert [event.after for event in events] == DATA
    assert [event.before for event in events] == [after or None for after in DATA]
    # Read through values() and the API's and timeline's paths too: the same objects.
    pks = [event.pk for event in events]
    assert list(AuditEvent.objects.filter(pk__in=pks).order_by("pk").values_list("after", flat=True)) == DATA


@pytest.mark.django_db
def test_bulk_event_data_is_stored_without_its_keys(world: World) -> None:
    (event, *_rest) = _batch(world, DATA[:1])
    stored = json.loads(_raw_after(event.pk))
    assert stored == [keys_name(tuple(DATA[0])), 1, "王月", False, "", None, "50000.00"]
    assert AuditPayloadKeys.objects.get(name=stored[0]).keys == list(DATA[0])
    uncompactable = _batch(world, DATA[5:6])[-1]
    assert json.loads(_raw_after(uncompactable.pk)) == DATA[5]


@pytest.mark.django_db
def test_an_event_written_alone_stays_a_plain_object(world: World) -> None:
    event = record_event(actor=world.admin, event=Event.SUPERVISOR_CREATED, target=world.supervisor, after=DATA[0])
    assert json.loads(_raw_after(event.pk)) == DATA[0]
    assert AuditEvent.objects.get(pk=event.pk).after == DATA[0]


@pytest.mark.django_db
def test_keys_written_in_a_transaction_rolled_back_are_written_again(world: World) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        _batch(world, DATA[1:2])
        raise RuntimeError
    assert not AuditPayloadKeys.objects.exists()
    assert [event.after for event in _batch(world, DATA[1:2])] == DATA[1:2]


@pytest.mark.django_db
def test_keys_are_append_only(world: World) -> None:
    _batch(world, DATA[:1])
    keys = AuditPayloadKeys.objects.get()
    with pytest.raises(PermissionError):
        keys.save()
    with pytest.raises(PermissionError):
        keys.delete()


def test_the_compact_form_round_trips_without_a_database() -> None:
    compactor = Compactor()
    stored = [compactor.compact(data) for data in DATA]
    assert [expand(s, compactor.keys.__getitem__) if isinstance(s, list) else s for s in stored] == DATA


def test_each_set_of_keys_is_named_once_however_many_events_share_it(monkeypatch: pytest.MonkeyPatch) -> None:
    named: list[tuple[str, ...]] = []

    def counting(keys: tuple[str, ...]) -> str:
        named.append(keys)
        return keys_name(keys)

    monkeypatch.setattr("audit.payload.keys_name", counting)
    compactor = Compactor()
    stored = [compactor.compact({"id": n, "person": {"id": n, "name": "王月"}}) for n in range(500)]
    assert sorted(named) == [("id", "name"), ("id", "person")]
    assert expand(stored[499], compactor.keys.__getitem__) == {"id": 499, "person": {"id": 499, "name": "王月"}}  # type: ignore[arg-type]
    # A set of keys refused once is refused again (the data stays as it is), not remembered as named.
    assert compactor.compact({"": 1}) == {"": 1} and compactor.compact({"": 2}) == {"": 2}
