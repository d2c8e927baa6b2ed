"""Mainland resident identity numbers (GB 11643-1999): check digit, birth date, masking."""

import datetime as dt

from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


def resident_id_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def resident_id_problem(number: str, birth_date: dt.date | None) -> str | None:
    """A sentence saying what is wrong with an 18-character resident ID, or None if it is valid."""
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return _("A resident ID has 17 digits followed by a digit or X (18 characters).")
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return _("The birth date inside the resident ID (characters 7–14) is not a real date.")
    if resident_id_check_char(number[:17]) != number[17]:
        return _("The resident ID's last character does not match its check digit (GB 11643).")
    if birth_date is not None and born != birth_date:
        return _(
            "The birth date inside the resident ID (%(inside)s) differs from the birth date given (%(given)s)."
        ) % {
            "inside": born.isoformat(),
            "given": birth_date.isoformat(),
        }
    return None


def mask_id(number: str) -> str:
    """What a reader who may not see ID numbers is shown: enough to tell records apart, no more.

    A resident ID keeps its first three characters (the province and city of registration) and its
    last two; characters 7–14, the birth date, are always hidden. Any other number (a passport, a
    permit) shows at most its last three characters, and at least four are hidden."""
    if _looks_like_resident_id(number):
        return number[:3] + "*" * (len(number) - 5) + number[-2:]
    shown = min(3, max(0, len(number) - 4))
    return "*" * (len(number) - shown) + number[len(number) - shown :]


def _looks_like_resident_id(number: str) -> bool:
    return len(number) == 18 and number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")
