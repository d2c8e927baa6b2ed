"""Every audit event the code writes has a label in both languages, so no timeline shows a raw key."""

import re
from pathlib import Path

from django.utils import translation

from audit.timeline import EVENT_LABELS

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = {".venv", "tests", "bench", "node_modules"}
# `event="project.awarded"`, and events handed on positionally to a helper (`_record(x, by, "award_list.confirmed", …)`).
LITERAL = re.compile(r"""event=["']([a-z_]+\.[a-z_]+)["']|_record\([^)]*?["']([a-z_]+\.[a-z_]+)["']""")


def written_events() -> set[str]:
    events = set()
    for path in ROOT.rglob("*.py"):
        if SKIPPED & set(path.relative_to(ROOT).parts):
            continue
        for match in LITERAL.finditer(path.read_text(encoding="utf-8")):
            events.add(match.group(1) or match.group(2))
    return events


def test_the_scan_finds_the_events_it_should():
    found = written_events()
    assert {"project.awarded", "award_list.confirmed", "output.imported", "level_rule.saved"} <= found


def test_every_written_event_has_a_label():
    assert sorted(written_events() - set(EVENT_LABELS)) == []


def test_every_label_is_translated_into_chinese():
    with translation.override("zh-hans"):
        untranslated = [key for key, label in EVENT_LABELS.items() if str(label).isascii()]
    assert untranslated == []
