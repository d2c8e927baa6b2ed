"""After a write, an htmx form is sent on to the next page; one that only names a part of the page it is on reloads it."""

from django.test import RequestFactory

from core.views import redirect_after_post

HTMX = {"HX-Request": "true"}


def htmx_post(current_url: str) -> object:
    return RequestFactory().post("/anything/", headers={**HTMX, "HX-Current-URL": current_url})


def test_a_fragment_of_the_page_the_browser_is_on_reloads_it():
    response = redirect_after_post(htmx_post("http://testserver/applications/5/"), "/applications/5/#documents")
    assert response["HX-Refresh"] == "true" and "HX-Redirect" not in response


def test_a_fragment_of_the_same_page_with_another_fragment_still_reloads_it():
    response = redirect_after_post(htmx_post("http://testserver/lists/3/?page=2#row-1"), "/lists/3/?page=2#row-9")
    assert response["HX-Refresh"] == "true"


def test_another_page_is_a_redirect_with_its_fragment():
    response = redirect_after_post(htmx_post("http://testserver/applications/5/edit/"), "/applications/5/#documents")
    assert response["HX-Redirect"] == "/applications/5/#documents" and "HX-Refresh" not in response


def test_the_same_page_without_a_fragment_is_a_redirect():
    response = redirect_after_post(htmx_post("http://testserver/applications/5/"), "/applications/5/")
    assert response["HX-Redirect"] == "/applications/5/"


def test_a_plain_form_gets_a_302():
    response = redirect_after_post(RequestFactory().post("/anything/"), "/applications/5/#documents")
    assert response.status_code == 302 and response["Location"] == "/applications/5/#documents"
