"""The station page's tabs: each its own URL, served whole for a link and as its panel for htmx,
as protected as the page, accessible (tablist, aria-selected), reading only the open tab's records."""

import re

import pytest
from django.urls import NoReverseMatch, reverse

from tests.clients import PERSONAS, add_appointments

TABS = ["overview", "supervisors", "postdocs", "funding", "evaluations", "history"]
EVALUATION_READERS = {"admin", "secretary", "leadership"}


def _url(world, tab=None, station=None):
    url = reverse("station-detail", args=[(station or world.station).pk])
    return f"{url}?tab={tab}" if tab else url


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("htmx", [False, True])
def test_every_tab_by_persona_in_and_out_of_scope(signed_in, world, persona, htmx):
    client = signed_in(persona)
    headers = {"HX-Request": "true"} if htmx else {}
    for tab in TABS:
        response = client.get(_url(world, tab), headers=headers)
        if persona == "outsider":
            expected = 404
        elif tab == "evaluations" and persona not in EVALUATION_READERS:
            expected = 403
        else:
            expected = 200
        assert response.status_code == expected, (tab, response.status_code)
        # Outside the scope: the secretary's, supervisor's and postdoc's other station is not found.
        other = client.get(_url(world, tab, world.other_station), headers=headers)
        if persona in ("secretary", "supervisor", "postdoc", "outsider"):
            assert other.status_code == 404, tab


def test_a_plain_link_gets_the_whole_page_and_htmx_the_tabs(signed_in, world):
    client = signed_in("admin")
    page = client.get(_url(world, "supervisors")).content.decode()
    assert "<html" in page and 'role="tablist"' in page
    part = client.get(_url(world, "supervisors"), headers={"HX-Request": "true"}).content.decode()
    assert part.lstrip().startswith('<div id="station-tabs"') and "<html" not in part
    assert "李导师" in part


def test_the_open_tab_is_selected_and_every_tab_is_a_plain_link(signed_in, world):
    page = signed_in("admin").get(_url(world, "history")).content.decode()
    tabs = re.findall(r'<a role="tab"[^>]*>', page)
    assert len(tabs) == len(TABS)
    selected = [t for t in tabs if 'aria-selected="true"' in t]
    assert len(selected) == 1 and 'href="?tab=history"' in selected[0]
    assert all('href="?tab=' in t for t in tabs)
    assert 'role="tabpanel" aria-labelledby="tab-history"' in page


def test_the_default_tab_is_the_overview(signed_in, world):
    response = signed_in("admin").get(_url(world))
    assert response.context["tab"] == "overview" and "in_station" in response.context
    assert "timeline" not in response.context and "page_obj" not in response.context


def test_the_evaluations_tab_is_offered_only_to_those_who_may_see_them(signed_in, world):
    assert "?tab=evaluations" in signed_in("secretary").get(_url(world)).content.decode()
    assert "?tab=evaluations" not in signed_in("supervisor").get(_url(world)).content.decode()


def test_an_unknown_tab_is_not_found(signed_in, world):
    assert signed_in("admin").get(_url(world, "secrets")).status_code == 404


def test_the_postdocs_tab_pages_through_htmx(signed_in, world, settings):
    settings.PAGE_SIZE = 2
    add_appointments(world, 3)
    client = signed_in("admin")
    response = client.get(_url(world, "postdocs") + "&page=2", headers={"HX-Request": "true", "HX-Target": "postdocs"})
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="postdocs"')
    assert "tab=postdocs&amp;page=1" in body  # the pager keeps the tab
    assert len(response.context["page_obj"]) == 2


def test_the_supervisors_tab_adds_a_supervisor_when_the_page_exists(signed_in, world):
    try:
        add = reverse("people:supervisor-new")
    except NoReverseMatch:
        add = None
    link = f"{add}?station={world.station.pk}" if add else None
    admin_page = signed_in("admin").get(_url(world, "supervisors"))
    assert admin_page.context.get("supervisor_new_url") == link
    if link:
        assert "Add supervisor" in admin_page.content.decode()
    for persona in ("supervisor", "postdoc", "leadership"):
        response = signed_in(persona).get(_url(world, "supervisors"))
        assert "Add supervisor" not in response.content.decode()


def test_the_history_tab_tells_the_station_s_changes(signed_in, world):
    page = signed_in("leadership").get(_url(world, "history")).content.decode()
    assert "Station set up" in page
