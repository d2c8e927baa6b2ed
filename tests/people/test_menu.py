"""The menu leads to the supervisors' list for those who may see it, and only for them."""

import pytest
from django.urls import reverse

LIST_READERS = {"admin", "secretary", "leadership", "outsider"}


@pytest.mark.parametrize("persona", ["admin", "secretary", "supervisor", "postdoc", "leadership", "outsider"])
def test_the_menu_shows_supervisors_to_who_may_list_them(signed_in, persona):
    page = signed_in(persona).get(reverse("station-list")).content.decode()
    link = f'href="{reverse("people:supervisor-list")}"'
    assert (link in page) == (persona in LIST_READERS)
