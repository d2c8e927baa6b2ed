"""The Chinese catalogue is complete, and the committed .mo says what the .po says."""

import ast
import gettext
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


def _po_entries(path: Path) -> list[dict[str, object]]:
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict[str, object] = {"flags": "", "msgctxt": None, "msgid": "", "msgstr": "", "obsolete": False}
        current = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#,"):
                entry["flags"] = line
            elif line.startswith(("msgctxt ", "msgid ", "msgid_plural ", "msgstr ", "msgstr[")):
                current, _, literal = line.partition(" ")
                current = "msgstr" if current == "msgstr[0]" else current
                entry[current] = ast.literal_eval(literal)
            elif line.startswith('"') and current:
                entry[current] = str(entry[current]) + ast.literal_eval(line)
        if entry["msgid"] and not entry["obsolete"]:
            entries.append(entry)
    return entries


def test_every_message_has_a_chinese_translation_and_none_is_fuzzy():
    entries = _po_entries(LOCALE / "django.po")
    assert len(entries) > 400
    assert [e["msgid"] for e in entries if not e["msgstr"]] == []
    assert [e["msgid"] for e in entries if "fuzzy" in str(e["flags"])] == []


def test_the_compiled_catalogue_matches_the_source():
    with (LOCALE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)

    def translated(entry: dict[str, object]) -> str:
        if entry["msgctxt"] is not None:
            return catalogue.pgettext(str(entry["msgctxt"]), str(entry["msgid"]))
        if "msgid_plural" in entry:
            return catalogue.ngettext(str(entry["msgid"]), str(entry["msgid_plural"]), 1)
        return catalogue.gettext(str(entry["msgid"]))

    stale = [e["msgid"] for e in _po_entries(LOCALE / "django.po") if translated(e) != e["msgstr"]]
    assert stale == [], "run `make messages` to recompile locale/zh_Hans"
