from django.utils.translation import get_language


def pick_language(zh: str, en: str) -> str:
    """The English text on English pages when there is one; the Chinese text otherwise."""
    if en and (get_language() or "").startswith("en"):
        return en
    return zh


class BilingualName:
    """For models with `name_zh` and `name_en`: `name` follows the page's language."""

    name_zh: str
    name_en: str

    @property
    def name(self) -> str:
        return pick_language(self.name_zh, self.name_en)
