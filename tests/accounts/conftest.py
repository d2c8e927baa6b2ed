from tests.api.conftest import api_as  # noqa: F401 - the API's persona clients
from tests.pages.conftest import PERSONAS, signed_in  # noqa: F401 - the pages' persona sign-in

__all__ = ["PERSONAS"]
