"""The request a signed-in page's view receives."""

from django.http import HttpRequest

from accounts.models import User


class SignedInRequest(HttpRequest):
    """The request of a view behind `login_required`: its user is an account, never anonymous."""

    user: User


def api_user(request: HttpRequest) -> User:
    """The account an API operation acts for. Every operation sits behind the API's authentication
    (a token or the browser's session), and django-ninja puts what it returned, an account, in
    `request.auth`: an attribute `HttpRequest` does not declare."""
    user = getattr(request, "auth", None)
    assert isinstance(user, User), "an API operation runs only for an authenticated account"
    return user
