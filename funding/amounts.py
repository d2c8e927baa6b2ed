"""Amounts of money as the institution's pages write them: 80,000 yuan (digits grouped by
thousands) or 8万 yuan (in ten thousands, as Chinese notices write them), one choice of the
institution's for both languages (`FundingRules.amount_style`). Exports and the API keep numbers.

Nothing is rounded away: 1,234,567 yuan is 123.4567万, and an amount with fen keeps them
(1,234,567.89 is 123.456789万)."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import get_language

from funding.models import AmountStyle, FundingRules

WAN = Decimal(10000)


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool) or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _plain(number: Decimal) -> str:
    """The digits without exponent nor trailing zeros after the point: 8, 8.5, 123.4567."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _yuan(number: Decimal, grouped: bool) -> str:
    """Whole yuan as they are, fen with two decimals: 80,000 / 80,000.50 (or 9999 / 9999.50); more
    decimals than fen, if a figure has them, are kept too."""
    places = 0
    if number != number.to_integral_value():
        exponent = number.normalize().as_tuple().exponent
        places = max(2, -exponent if isinstance(exponent, int) else 2)
    return format(number, f"{',' if grouped else ''}.{places}f")


def amount_parts(value: Any, style: str) -> tuple[str, bool] | None:
    """The number as written and whether it counts in 万; None when there is no amount."""
    number = _decimal(value)
    if number is None:
        return None
    if style == AmountStyle.WAN:
        if abs(number) >= WAN:
            return _plain(number / WAN), True
        return _yuan(number, grouped=False), False
    return _yuan(number, grouped=True), False


# The units as each language writes them after the number: a matter of the locale's form (like
# the digits' grouping), so kept here rather than in the message catalogue.
UNITS = {"zh": ("元", "万元"), "en": (" yuan", " wan yuan")}


def format_amount(value: Any, style: str = AmountStyle.GROUPED, language: str | None = None) -> str:
    """An amount of yuan in the page's language (or `language`): "80,000 yuan", "8 wan yuan",
    "80,000元", "8万元". A blank or missing amount is "—"; text that is no number is shown as it is."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "—"
    parts = amount_parts(value, style)
    if parts is None:
        return str(value)
    number, in_wan = parts
    yuan, wan = UNITS["zh" if (language or get_language() or "").startswith("zh") else "en"]
    return f"{number}{wan if in_wan else yuan}"


def amount_style_of(institution_id: int | None) -> str:
    """The institution's choice (one query), the grouped digits when it has made none."""
    style = None
    if institution_id is not None:
        style = (
            FundingRules.objects.filter(institution_id=institution_id).values_list("amount_style", flat=True).first()
        )
    return style or AmountStyle.GROUPED
