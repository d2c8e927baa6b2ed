"""Amounts and certainty marks on the pages: `{% amount value %}` writes an amount the way the
signed-in user's institution chose (80,000 yuan or 8万元; funding/amounts.py), `{% certainty "G" %}`
a certainty mark that explains itself (visible short words, the explanation as its tooltip), and
`{% marked_note text %}` a note whose leading [C]/[S]/[G]/[!] becomes such a mark.

    {% load amounts %}
    <td class="num">{% amount project.amount %}</td>
    {% amount total as total_text %}{% blocktranslate %}{{ total_text }} in all{% endblocktranslate %}
"""

import re
from typing import Any
from urllib.parse import urlsplit

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from funding.amounts import amount_style_of, format_amount
from funding.models import CERTAINTY_HELP, Certainty

register = template.Library()

_BADGES = {"C": "ok", "S": "info", "G": "muted", "!": "warn"}
_LEADING_MARK = re.compile(r"^\s*\[([CSG!])\]\s*")


def _style(context: template.Context) -> str:
    """The institution's choice, read once per request."""
    request = context.get("request")
    if request is None:
        return amount_style_of(None)
    style = getattr(request, "_amount_style", None)
    if style is None:
        user = getattr(request, "user", None)
        style = amount_style_of(getattr(user, "institution_id", None))
        request._amount_style = style
    return str(style)


@register.simple_tag(takes_context=True)
def amount(context: template.Context, value: Any) -> str:
    return format_amount(value, _style(context))


@register.simple_tag
def certainty(code: str) -> SafeString | str:
    """A badge with the mark and its short words ("G · our inference"), explained in its title."""
    code = str(code or "")
    if code not in _BADGES:
        return code
    return format_html(
        '<span class="badge badge--{}" title="{}"><span class="badge__mark">{}</span> · {}</span>',
        _BADGES[code],
        CERTAINTY_HELP[code],
        code,
        Certainty(code).label,
    )


@register.simple_tag
def marked_note(text: str) -> SafeString | str:
    """A note, its leading certainty mark (as the catalogue's notes have them) shown as a badge."""
    text = str(text or "")
    found = _LEADING_MARK.match(text)
    if found is None:
        return text
    return format_html("{} {}", certainty(found.group(1)), text[found.end() :])


@register.filter
def source_site(url: str) -> str:
    """The site a source is on ("rsc.cqmu.edu.cn"), for the link's words; the address if it has none."""
    host = urlsplit(str(url or "")).hostname or ""
    return host.removeprefix("www.") or str(url or "")
