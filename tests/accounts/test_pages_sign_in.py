from django.urls import reverse


def test_sign_in_page_renders(client, world):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


def test_bad_credentials_get_a_clear_message(client, world):
    response = client.post(reverse("login"), {"username": "secretary", "password": "wrong"})
    assert response.status_code == 200
    assert "The user name or the password is wrong." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_good_credentials_lead_to_the_dashboard(client, world):
    response = client.post(reverse("login"), {"username": "secretary", "password": "pw-secretary-123"})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_sign_in_returns_to_the_page_asked_for(client, world):
    response = client.post(
        reverse("login") + "?next=/postdocs/",
        {"username": "secretary", "password": "pw-secretary-123", "next": "/postdocs/"},
    )
    assert response["Location"] == "/postdocs/"


def test_sign_out_is_a_post_and_ends_the_session(signed_in):
    client = signed_in("admin")
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get(reverse("dashboard")).status_code == 302


def test_the_top_bar_names_the_user_and_role(signed_in, world):
    page = signed_in("secretary").get(reverse("dashboard")).content.decode()
    assert "secretary" in page
    assert f"station secretary · {world.station.name_zh}" in page
    assert "Sign out" in page
    assert reverse("admin:index") not in page  # not staff


def test_the_admin_link_is_for_staff_only(signed_in, staff):
    assert reverse("admin:index") in signed_in("admin").get(reverse("dashboard")).content.decode()
