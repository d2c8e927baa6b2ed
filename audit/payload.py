"""The compact form of a bulk service's event data (docs/decisions/0069).

A bulk import writes one audit event per record, each with the record's values as `after`. Stored
as JSON objects, 100,000s of them repeat the same keys in every row: two thirds of the audit
table's bytes. In the compact form the keys of each object are stored once (an `AuditPayloadKeys`
row, named by a digest of the keys, so the same keys always have the same name in every database)
and the event keeps only the values:

- the top-level object `{"a": 1, "b": {"c": 2}}` is stored as the array `[name, 1, {"": [name2, 2]}]`;
- an object inside it as `{"": [name, *values]}`; lists and other values as they are.

Every event's data stays an object (`record_event`'s `before` and `after` are dicts), so a stored
array is always the compact form and nothing else; an object with the key "" is never compacted
(the data is then stored as it is), so `{"": [...]}` inside a compact array is never ambiguous.
Reading (`audit.models.PayloadField`) turns the array back into the very same object.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

KeyNames = tuple[str, ...]


def keys_name(keys: KeyNames) -> str:
    """The name of a set of keys (in their order): the same keys, the same name, everywhere."""
    return hashlib.sha256(json.dumps(keys, ensure_ascii=False).encode()).hexdigest()[:12]


class Compactor:
    """Turns event data into its compact form, remembering the sets of keys it used."""

    def __init__(self) -> None:
        self.keys: dict[str, KeyNames] = {}
        # Each set of keys is checked and named once: a bulk import's 100,000s of events share a
        # handful (hashing them for every object cost a tenth of the import).
        self._names: dict[KeyNames, str] = {}

    def compact(self, data: dict[str, Any]) -> list[Any] | dict[str, Any]:
        """The compact form of an event's data, or the data itself if it cannot take that form."""
        try:
            return [self._name(data), *[v if type(v) in _SCALARS else self._value(v) for v in data.values()]]
        except _NotCompactable:
            return data

    def _name(self, data: dict[Any, Any]) -> str:
        keys = tuple(data)
        name = self._names.get(keys)
        if name is None:
            if not all(isinstance(key, str) and key != "" for key in keys):
                raise _NotCompactable
            name = self._names[keys] = keys_name(keys)
            self.keys.setdefault(name, keys)
        return name

    def _value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {"": [self._name(value), *(self._value(item) for item in value.values())]}
        if isinstance(value, list | tuple):
            return [self._value(item) for item in value]
        return value


# Values kept as they are (most of a record's): checked by type before `_value` is called.
_SCALARS = frozenset({str, int, bool, float, type(None)})


class _NotCompactable(Exception):
    """An object whose keys are not all non-empty strings: the data is stored as it is."""


def expand(stored: list[Any], keys_of: Callable[[str], KeyNames]) -> dict[str, Any]:
    """The event data a compact array stands for."""
    return _object(stored, keys_of)


def _object(stored: list[Any], keys_of: Callable[[str], KeyNames]) -> dict[str, Any]:
    keys = keys_of(stored[0])
    return {key: _expanded(item, keys_of) for key, item in zip(keys, stored[1:], strict=True)}


def _expanded(value: Any, keys_of: Callable[[str], KeyNames]) -> Any:
    if isinstance(value, dict):
        return _object(value[""], keys_of)  # inside a compact array, an object is always {"": [...]}
    if isinstance(value, list):
        return [_expanded(item, keys_of) for item in value]
    return value
