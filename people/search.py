"""Finding postdocs by any part of their name, Latin name or pinyin, through the grams' index
(core/search.py, docs/decisions/0066)."""

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from core.search import query_grams
from people.models import Person


def people_named(text: str) -> QuerySet[Person]:
    """People whose name, Latin name or name's pinyin contains `text` (case aside), in no order."""
    text = text.strip()
    containing = Q(name__icontains=text) | Q(name_en__icontains=text) | Q(name_sort__icontains=text)
    grams = query_grams(text)
    holding = _holding(grams)
    if holding is None:
        return Person.objects.filter(containing).order_by()
    people = Person.objects.filter(holding).order_by()
    if grams == [text.lower()]:
        # One run of up to six letters is a gram itself: holding it is containing it, with no
        # second look at each name (张 or huang: about one name in a hundred, docs/decisions/0075).
        return people
    return people.filter(containing)


def _holding(grams: list[str]) -> Q | RawSQL | None:
    """The condition that a person holds every gram, answered by the database's index (None: no
    index to ask)."""
    if not grams:
        return None
    if connection.vendor == "sqlite":
        # Each gram a quoted FTS5 string (grams are letters and digits only); side by side they AND.
        match = " ".join(f'"{gram}"' for gram in grams)
        return Q(pk__in=RawSQL("SELECT rowid FROM people_person_grams WHERE people_person_grams MATCH %s", [match]))
    if connection.vendor == "postgresql":
        # On the row itself (not `id IN (…)`), so that the planner reads the index and the rows once.
        return RawSQL("string_to_array(name_grams, ' ') @> %s::text[]", [grams], output_field=BooleanField())
    return None
