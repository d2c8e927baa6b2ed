"""The supervisors' list exports exactly what it shows, every page, as the workbook's Supervisors sheet."""

import pytest
from django.urls import reverse

from tests.core.test_list_exports import _body, _column, _csv_text, _xlsx

EXPORT_ANSWERS = {"admin": 200, "secretary": 200, "leadership": 200, "outsider": 200, "supervisor": 403, "postdoc": 403}


@pytest.mark.parametrize("persona", sorted(EXPORT_ANSWERS))
def test_each_persona_exports_exactly_the_supervisors_its_list_shows(signed_in, world, settings, persona):
    settings.PAGE_SIZE = 1  # the export has every page, not the one shown
    client = signed_in(persona)
    url = reverse("people:supervisor-export", kwargs={"fmt": "xlsx"})
    response = client.get(url)
    assert response.status_code == EXPORT_ANSWERS[persona]
    if response.status_code != 200:
        return
    listed = [
        s.staff_no
        for s in client.get(reverse("people:supervisor-list"), {"page": 1}).context["page_obj"].paginator.object_list
    ]
    workbook = _xlsx(response)
    assert list(workbook) == ["Supervisors"]
    assert _column(workbook["Supervisors"], "Supervisors", "staff_no") == listed
    rows = _csv_text(_body(client.get(reverse("people:supervisor-export", kwargs={"fmt": "csv"}))))
    assert _column(rows, "Supervisors", "staff_no") == listed
    mine = {world.supervisor.staff_no}
    expected = {
        "admin": mine | {world.other_supervisor.staff_no},
        "leadership": mine | {world.other_supervisor.staff_no},
        "secretary": mine,
    }
    if persona in expected:
        assert set(listed) == expected[persona]
    else:
        assert not set(listed) & (mine | {world.other_supervisor.staff_no})


def test_the_export_follows_the_search(signed_in, world):
    client = signed_in("admin")
    response = client.get(reverse("people:supervisor-export", kwargs={"fmt": "csv"}), {"q": world.supervisor.name})
    assert _column(_csv_text(_body(response)), "Supervisors", "staff_no") == [world.supervisor.staff_no]


def test_an_unknown_format_is_404(signed_in, world):
    assert signed_in("admin").get(reverse("people:supervisor-export", kwargs={"fmt": "pdf"})).status_code == 404


def test_a_supervisors_page_lists_their_postdocs_a_page_at_a_time(signed_in, world, settings):
    from tests.factories import make_appointment

    make_appointment(world.station, world.supervisor, world.admin)
    settings.PAGE_SIZE = 1
    client = signed_in("admin")
    url = reverse("people:supervisor-detail", kwargs={"pk": world.supervisor.pk})
    first, second = (client.get(url, {"page": n}).context["page_obj"] for n in (1, 2))
    assert first.paginator.count == 2 and len(first) == len(second) == 1
    assert first[0].pk != second[0].pk
