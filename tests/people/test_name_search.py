"""Searching postdocs by name through the grams' index (core/search.py, docs/decisions/0066): the
same postdocs as a plain "contains" over the names, plus the name's pinyin, on SQLite and PostgreSQL."""

import datetime as dt
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.urls import reverse

from appointments.models import Appointment
from appointments.selectors import search
from core.bulk import insert_many
from core.search import name_grams, query_grams
from exchange.isolation import UndoLog
from people.models import Person
from people.search import people_named
from people.services import person_update
from tests.factories import make_appointment, make_person, make_world


def test_grams_are_every_piece_of_one_to_six_letters():
    assert name_grams("张伟明").split() == ["张", "伟", "明", "张伟", "伟明", "张伟明"]
    assert set(name_grams("O'Brien").split()) >= {"o", "b", "br", "bri", "ien", "brie", "brien"}
    assert "huang" in name_grams("huang yuan bin").split()
    assert "weimin" in name_grams("Weiming").split() and "weiming" not in name_grams("Weiming").split()
    assert query_grams("张") == ["张"]
    assert query_grams("Zhang Wei") == ["zhang", "wei"]
    assert query_grams("Zhangwei") == ["zhangw", "hangwe", "angwei"]
    assert query_grams("-") == []


@pytest.mark.parametrize(
    ("text", "looks_again"),
    [("张", False), ("huang", False), ("zhuang", False), ("weiming", True), ("zhang wei", True)],
)
def test_one_run_of_up_to_six_letters_is_answered_by_the_index_alone(db, text, looks_again):
    """Holding such a gram is containing it: no second look at each name (decision 75)."""
    assert ("LIKE" in str(people_named(text).query).upper()) is looks_again


def test_the_migration_gives_every_person_the_longer_grams(world):
    refill = import_module("people.migrations.0005_person_name_grams_up_to_six").refill_grams
    person = make_person(world.institution, world.admin, name="黄远彬", name_en="Huang Yuanbin")
    three_letters = " ".join(
        gram for gram in name_grams(person.name, person.name_en, person.name_sort).split() if len(gram) <= 3
    )
    Person.objects.filter(pk=person.pk).update(name_grams=three_letters)
    assert _names("huang") == []
    refill(django_apps, SimpleNamespace(connection=connection))
    person.refresh_from_db()
    assert person.name_grams == name_grams(person.name, person.name_en, person.name_sort)
    assert _names("huang") == ["黄远彬"] and _names("yuanbi") == ["黄远彬"]


@pytest.fixture
def named(world):
    people = {
        name: make_person(world.institution, world.admin, name=name, name_en=name_en)
        for name, name_en in [
            ("张伟", "Zhang Wei"),
            ("张伟明", "Zhang Weiming"),
            ("王张", ""),
            ("欧阳娜娜", "Ouyang Nana"),
            ("Mary O'Brien", "Mary O'Brien"),
        ]
    }
    for index, person in enumerate(people.values()):
        make_appointment(world.station, world.supervisor, world.admin, person=person, postdoc_no=f"BH20249{index:02}")
    return people


def _names(text):
    return sorted(people_named(text).values_list("name", flat=True))


def _plain(text):
    """Today's rule, without the index: a name or Latin name containing the text."""
    return sorted(
        name
        for name, name_en in Person.objects.values_list("name", "name_en")
        if text.lower() in name.lower() or text.lower() in name_en.lower()
    )


@pytest.mark.parametrize(
    "text", ["张", "伟", "张伟", "张伟明", "欧阳", "阳娜", "zhang", "ZHANG WEI", "weim", "o'b", "brien", "y", "-"]
)
def test_a_name_search_finds_what_contains_finds(named, text):
    assert set(_plain(text)) <= set(_names(text))
    # The pinyin adds only names whose pinyin holds the text.
    for name in set(_names(text)) - set(_plain(text)):
        assert text.lower() in Person.objects.get(name=name).name_sort


def test_a_one_character_surname_finds_every_name_holding_it(named):
    assert _names("张") == sorted(["张伟", "张伟明", "王张", *_other_zhangs()])


def _other_zhangs():
    return [
        name
        for name in Person.objects.values_list("name", flat=True)
        if "张" in name and name not in {"张伟", "张伟明", "王张"}
    ]


def test_pinyin_finds_a_chinese_name_without_a_latin_one(named):
    assert "王张" in _names("wang zhang")
    assert "王张" in _names("wang")


def test_a_rename_is_found_at_once_and_the_old_name_no_more(world, named):
    person_update(person=named["王张"], name="李四", by=world.admin)
    assert "李四" in _names("李四")
    assert _names("王张") == []


def test_a_latin_name_change_is_found_at_once(world, named):
    person_update(person=named["张伟"], name_en="Chang Wai", by=world.admin)
    assert "张伟" in _names("chang w")


def test_a_deleted_person_leaves_the_index(named):
    Appointment.objects.filter(person=named["欧阳娜娜"]).delete()
    named["欧阳娜娜"].delete()
    assert _names("欧阳") == []


def test_people_written_in_bulk_are_found(world):
    people = [
        Person(
            institution=world.institution,
            name=name,
            gender=Person.Gender.MALE,
            birth_date=dt.date(1990, 1, 1),
            id_type=Person.IdType.PASSPORT,
            id_number=f"P{index}",
        )
        for index, name in enumerate(["司马光", "诸葛亮"])
    ]
    insert_many(people)
    assert _names("司马") == ["司马光"] and _names("zhu ge") == ["诸葛亮"]
    Person.objects.bulk_create(
        [
            Person(
                institution=world.institution,
                name="上官婉儿",
                name_grams=name_grams("上官婉儿"),
                gender=Person.Gender.FEMALE,
                birth_date=dt.date(1990, 1, 1),
                id_type=Person.IdType.PASSPORT,
                id_number="P9",
            )
        ]
    )
    assert _names("婉儿") == ["上官婉儿"]


def test_the_list_finds_names_and_postdoc_numbers(signed_in, named):
    client = signed_in("admin")

    def numbers(text):
        response = client.get(reverse("postdoc-list"), {"q": text})
        return sorted(a.postdoc_no for a in response.context["page_obj"])

    assert numbers("张伟明") == ["BH2024901"]
    assert numbers("欧阳") == ["BH2024903"]
    assert numbers("2024904") == ["BH2024904"]
    assert numbers("bh20249") == [f"BH20249{index:02}" for index in range(5)]
    assert numbers("Ouyang") == ["BH2024903"]


def test_search_of_the_list_is_the_same_set_as_contains(named):
    """A text with a digit is looked for in postdoc numbers, any other in names (decision 70)."""
    appointments = Appointment.objects.all()
    texts = [
        "张",
        "张伟",
        "zhang",
        "Zhang Wei",
        "an",
        "weiming",
        "eimin",
        "brien",
        "uyang",
        "BH2024902",
        "2024",
        "h20",
        "nobody",
    ]
    for text in texts:
        found = set(search(appointments, text).values_list("pk", flat=True))
        needle = text.lower()
        if any(character.isdigit() for character in text):
            plain = {a.pk for a in appointments if needle in a.postdoc_no.lower()}
        else:
            plain = {
                a.pk
                for a in appointments.select_related("person")
                if needle in a.person.name.lower() or needle in a.person.name_en.lower() or needle in a.person.name_sort
            }
        assert found == plain, text
        assert bool(found) == (text != "nobody"), text


def test_a_surname_matching_more_people_than_are_listed_is_found_through_a_subquery(named, monkeypatch):
    monkeypatch.setattr("appointments.selectors.FOUND_PEOPLE_LISTED", 1)
    appointments = Appointment.objects.all()
    found = set(search(appointments, "张").values_list("pk", flat=True))
    assert found == {a.pk for a in appointments.select_related("person") if "张" in a.person.name}
    assert len(found) > 1


def test_a_search_for_letters_alone_does_not_look_in_postdoc_numbers(named):
    # Every number starts BH: its letters alone would find everyone.
    assert not search(Appointment.objects.all(), "bh").exists()


def test_the_index_is_the_databases_own(db):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'people_person_grams'")
        else:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname = 'people_person_grams'")
        assert cursor.fetchone() is not None


def test_an_undone_import_takes_its_names_out_of_the_index(file_db):
    """An import on SQLite is undone by replaying its log (exchange/isolation.py); the index follows
    its table's triggers, so it is never logged itself."""
    world = make_world()
    log = UndoLog("name-search-test")
    with log:
        person = make_person(world.institution, world.admin, name="司徒雷")
        person_update(person=person, name="司徒雷登", by=world.admin)
    assert _names("雷登") == ["司徒雷登"]
    log.undo()
    assert _names("司徒") == []


def test_postdoc_numbers_have_a_trigram_index_on_postgresql(db):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite scans the list's covering index, which holds the number")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'appt_postdoc_no_trgm'")
        (definition,) = cursor.fetchone()
    assert "gin_trgm_ops" in definition and "upper" in definition.lower()
