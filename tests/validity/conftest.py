from tests.api.conftest import api_as, media  # noqa: F401  (the API's fixtures, for the API tests here)
from tests.pages.conftest import signed_in  # noqa: F401
