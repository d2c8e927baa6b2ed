"""Behind the reverse proxy, sign-ins are counted and logged by the client's address, not the proxy's."""

from django.test import RequestFactory, override_settings

from core.middleware import ClientAddressMiddleware


def address_seen(remote: str, forwarded: str | None) -> str:
    seen = {}

    def view(request):  # type: ignore[no-untyped-def]
        seen["address"] = request.META["REMOTE_ADDR"]

    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    ClientAddressMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))
    return seen["address"]


@override_settings(BEHIND_HTTPS_PROXY=True, TRUSTED_PROXIES=["127.0.0.1", "::1"])
def test_behind_the_proxy_the_address_it_appended_counts():
    assert address_seen("127.0.0.1", "203.0.113.9") == "203.0.113.9"
    # A client's own X-Forwarded-For comes first; the proxy appends what it saw last.
    assert address_seen("127.0.0.1", "10.9.9.9, 203.0.113.9") == "203.0.113.9"
    assert address_seen("127.0.0.1", None) == "127.0.0.1"


@override_settings(BEHIND_HTTPS_PROXY=True, TRUSTED_PROXIES=["127.0.0.1"])
def test_a_request_from_anyone_but_the_proxy_keeps_its_own_address():
    assert address_seen("198.51.100.7", "203.0.113.9") == "198.51.100.7"


@override_settings(BEHIND_HTTPS_PROXY=False)
def test_without_a_proxy_the_header_is_ignored():
    assert address_seen("127.0.0.1", "203.0.113.9") == "127.0.0.1"
