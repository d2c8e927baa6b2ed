from accounts.models import User


def test_a_chinese_name_reads_family_name_first_without_a_space():
    assert User(first_name="小明", last_name="王").get_full_name() == "王小明"


def test_a_latin_name_reads_given_name_first():
    assert User(first_name="John", last_name="Smith").get_full_name() == "John Smith"
    assert User(first_name="", last_name="").get_full_name() == ""


def test_the_users_list_sorts_by_its_headers_and_keeps_the_filters(signed_in, world):
    from django.urls import reverse

    client = signed_in("admin")
    url = reverse("user-list")
    names = [a.username for a in client.get(url, {"sort": "-username", "active": "yes"}).context["page_obj"]]
    assert names == sorted(names, reverse=True) and len(names) > 3
    page = client.get(url, {"sort": "username", "active": "yes"}).content.decode()
    assert 'aria-sort="ascending"' in page
    assert "active=yes" in page and "sort=-username" in page  # the header's next click keeps the filter
    # A column the list does not declare is ignored: its own order, by user name.
    own = [a.username for a in client.get(url, {"sort": "password"}).context["page_obj"]]
    assert own == sorted(own)
