"""Finding postdocs by any part of their name, Latin name or pinyin, through the grams' index
(core/search.py, docs/decisions/0066)."""

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from core.search import query_grams
from people.models import Person


def people_named(text: str) -> QuerySet[Person]:
    """People whose name, Latin name or name's pinyin contains `text` (case aside)."""
    text = text.strip()
    people = Person.objects.filter(Q(name__icontains=text) | Q(name_en__icontains=text) | Q(name_sort__icontains=text))
    holding = _holding(query_grams(text))
    return people if holding is None else people.filter(pk__in=holding)


def _holding(grams: list[str]) -> RawSQL | None:
    """The ids of the people holding every gram, from the database's index (None: no index to ask)."""
    if not grams:
        return None
    if connection.vendor == "sqlite":
        # Each gram a quoted FTS5 string (grams are letters and digits only); side by side they AND.
        match = " ".join(f'"{gram}"' for gram in grams)
        return RawSQL("SELECT rowid FROM people_person_grams WHERE people_person_grams MATCH %s", [match])
    if connection.vendor == "postgresql":
        return RawSQL("SELECT id FROM people_person WHERE string_to_array(name_grams, ' ') @> %s::text[]", [grams])
    return None
