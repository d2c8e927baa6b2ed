from django.utils.translation import get_language, gettext_lazy


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


# Django 6's label of a select's blank choice (django.db.models.fields.BLANK_CHOICE_LABEL), which
# Django's own zh_Hans catalogue does not translate yet: ours does, and ours is read first.
BLANK_CHOICE_LABEL = gettext_lazy("- Select an option -")
