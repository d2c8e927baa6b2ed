"""Chinese names sort by pinyin wherever people are listed: the supervisors' list, the postdoc
form's drop-down, records made one by one, in bulk and before the key existed."""

from collections.abc import Callable

from django.test.client import Client
from django.urls import reverse

from core.bulk import new_record
from people.models import Person, Supervisor
from people.services import supervisor_create, supervisor_set_active, supervisors_create
from reviews.models import Expert
from reviews.services import expert_save
from tests.factories import World

# In code-point order 安 < 张 < 曾 < 李 < 欧阳; by pinyin an < li < ou yang < zeng < zhang.
NAMES = ["张伟", "李娜", "曾国藩", "安然", "欧阳修"]
PINYIN_ORDER = ["安然", "李娜", "欧阳修", "曾国藩", "张伟"]


def _add(world: World) -> None:
    for n, name in enumerate(NAMES):
        supervisor_create(
            institution=world.institution,
            staff_no=f"PY{n}",
            name=name,
            unit=world.station.unit,
            station=world.station,
            by=world.admin,
        )


def _positions(content: str, names: list[str]) -> list[int]:
    return [content.index(name) for name in names]


def test_the_supervisors_list_sorts_by_pinyin(signed_in: Callable[[str], Client], world: World) -> None:
    _add(world)
    content = signed_in("admin").get(reverse("people:supervisor-list"), {"station": world.station.pk}).content.decode()
    positions = _positions(content, PINYIN_ORDER)
    assert positions == sorted(positions)


def test_the_new_postdoc_drop_down_sorts_by_pinyin(signed_in: Callable[[str], Client], world: World) -> None:
    _add(world)
    content = signed_in("admin").get(reverse("postdoc-new")).content.decode()
    select = content.split('name="primary_supervisor"')[1].split("</select>")[0]
    positions = _positions(select, PINYIN_ORDER)
    assert positions == sorted(positions)


def test_the_new_postdoc_drop_down_offers_the_stations_supervisors_first(
    signed_in: Callable[[str], Client], world: World
) -> None:
    content = signed_in("admin").get(reverse("postdoc-new"), {"station": world.other_station.pk}).content.decode()
    select = content.split('name="primary_supervisor"')[1].split("</select>")[0]
    assert (
        select.index("This station") < select.index("赵导师") < select.index("Other stations") < select.index("李导师")
    )


def test_a_secretary_with_one_station_sees_it_first_without_choosing(
    signed_in: Callable[[str], Client], world: World
) -> None:
    content = signed_in("secretary").get(reverse("postdoc-new")).content.decode()
    select = content.split('name="primary_supervisor"')[1].split("</select>")[0]
    assert (
        select.index("This station") < select.index("李导师") < select.index("Other stations") < select.index("赵导师")
    )


def test_an_inactive_supervisor_is_not_offered_for_a_new_appointment(
    signed_in: Callable[[str], Client], world: World
) -> None:
    supervisor_set_active(supervisor=world.other_supervisor, active=False, by=world.admin)
    content = signed_in("admin").get(reverse("postdoc-new")).content.decode()
    assert "赵导师" not in content.split('name="primary_supervisor"')[1].split("</select>")[0]


def test_a_bulk_imported_supervisor_has_its_key(world: World) -> None:
    records = [
        new_record(Supervisor, institution=world.institution, staff_no="B1", name="单雄信", unit=world.station.unit),
        new_record(
            Supervisor, institution=world.institution, staff_no="B2", name="Smith, John", unit=world.station.unit
        ),
    ]
    assert supervisors_create(institution=world.institution, supervisors=records, by=world.admin) == [None, None]
    keys = dict(Supervisor.objects.filter(staff_no__in=["B1", "B2"]).values_list("staff_no", "name_sort"))
    assert keys == {"B1": "shan xiong xin", "B2": "smith, john"}


def test_records_sort_by_their_key_by_default(world: World) -> None:
    _add(world)
    names = [s.name for s in Supervisor.objects.filter(staff_no__startswith="PY")]
    assert names == PINYIN_ORDER
    assert Person.objects.get(name="陈博士").name_sort == "chen bo shi"


def test_an_expert_gets_its_key(world: World) -> None:
    expert = expert_save(
        institution=world.institution, by=world.admin, name="曾专家", is_external=True, affiliation="重庆大学"
    )
    assert Expert.objects.get(pk=expert.pk).name_sort == "zeng zhuan jia"


def test_choosing_another_station_regroups_the_supervisors(signed_in: Callable[[str], Client], world: World) -> None:
    """The station drop-down asks the page again for that station; its supervisor selects come back
    grouped, to be swapped in by id."""
    client = signed_in("admin")
    form = client.get(reverse("postdoc-new")).content.decode()
    assert 'hx-select-oob="#id_primary_supervisor,#id_co_supervisor"' in form
    response = client.get(reverse("postdoc-new"), {"station": world.other_station.pk}, headers={"HX-Request": "true"})
    select = response.content.decode().split('id="id_primary_supervisor"')[1].split("</select>")[0]
    assert select.index("This station") < select.index("赵导师") < select.index("李导师")
