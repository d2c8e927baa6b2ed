"""The Content-Security-Policy runs scripts and styles only from our own files (docs/decisions/0025): an
inline <script> body, a <style> block, a style="…" attribute, an on…= handler or a javascript: link in a
template would be refused by the browser, silently. This scan finds one before a person does."""

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"

# A <script> element: its attributes and its body. A body is allowed only in a data block
# (type="application/json", what json_script writes), which the browser never runs.
SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
DATA_TYPE = re.compile(r"""\btype\s*=\s*["']?application/(ld\+)?json""", re.IGNORECASE)
RULES = [
    ("a <style> block", re.compile(r"<style\b", re.IGNORECASE)),
    # The space before it keeps data-style= or hx-style= (none today) apart from the attribute itself.
    ("a style attribute", re.compile(r"""[\s"'](style)\s*=""", re.IGNORECASE)),
    ("an on…= event handler", re.compile(r"""[\s"']on[a-z]+\s*=\s*["'{]""", re.IGNORECASE)),
    # htmx's own inline handlers and js: values need eval, which the policy (and htmx-config) refuse.
    ("an hx-on handler", re.compile(r"\bhx-on\b", re.IGNORECASE)),
    ("a js: value for htmx", re.compile(r"""\bhx-(vals|headers)\s*=\s*["']\s*js:""", re.IGNORECASE)),
    ("a javascript: link", re.compile(r"javascript:", re.IGNORECASE)),
]
# Django template comments say what they like: {# … #} on one line, {% comment %} … {% endcomment %}.
COMMENTS = re.compile(r"\{#[^\n]*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.DOTALL)
# A {# … #} over several lines is no comment to Django: it is shown as text, and one in <head> ends the
# head there (base.html's htmx-config once landed in <body>, so htmx added its <style> after all).
UNCLOSED_COMMENT = re.compile(r"\{#(?![^\n]*#\})")


def inline_code(text: str) -> list[str]:
    """What in one template's text the policy would refuse, as "line N: what" strings."""
    text = COMMENTS.sub(lambda match: "\n" * match.group().count("\n"), text)
    found = [(match.start(), "a {# comment over several lines") for match in UNCLOSED_COMMENT.finditer(text)]
    for match in SCRIPT.finditer(text):
        if match.group("body").strip() and not DATA_TYPE.search(match.group("attrs")):
            found.append((match.start(), "an inline <script> body"))
    for what, pattern in RULES:
        found.extend((match.start(), what) for match in pattern.finditer(text))
    return [f"line {text.count(chr(10), 0, at) + 1}: {what}" for at, what in sorted(found)]


def test_no_template_holds_inline_script_style_or_handlers():
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 50  # the scan reads the real folder
    problems = {str(path.relative_to(TEMPLATES)): inline_code(path.read_text(encoding="utf-8")) for path in templates}
    assert {name: found for name, found in problems.items() if found} == {}


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>document.title = 'x';</script>",
        "<SCRIPT type='text/javascript'>\n  go();\n</SCRIPT>",
        "<style>.x { color: red }</style>",
        '<div class="a" style="margin-top: 1rem">',
        "<span\n   style='width: {{ p }}%'>",
        '<button onclick="history.back()">',
        "<body onload='start()'>",
        '<a href="javascript:history.back()">',
        '<form hx-on::after-request="this.reset()">',
        "<div hx-vals='js:{a: 1}'>",
        "{# a comment that goes on\n   to the next line #}",
    ],
)
def test_the_scan_finds_each_kind_of_inline_code(snippet):
    assert inline_code(f"<main>\n{snippet}\n</main>")


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="/static/office.js" defer></script>',
        '<script id="s" type="application/json">{"a": 1}</script>',
        '<link rel="stylesheet" href="/static/office.css">',
        '<div data-style="compact" class="onward" data-online="1">',
        '{# a style="…" attribute would be refused #}',
        "{% comment %}<script>old()</script>{% endcomment %}",
    ],
)
def test_the_scan_lets_files_and_data_through(snippet):
    assert inline_code(f"<main>\n{snippet}\n</main>") == []


def test_the_scan_says_where():
    assert inline_code("<p>one</p>\n{# note #}\n<p style='x'>three</p>") == ["line 3: a style attribute"]
