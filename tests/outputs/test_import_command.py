"""`manage.py import_outputs`: the JSON report (counts, duplicates and refused entries with their
reasons, every entry with the postdoc's position), the same writing as the page (one event per
output), a dry run that writes nothing, and the user's scope and role checked."""

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEvent
from outputs.models import Output
from tests.outputs.conftest import record
from tests.outputs.test_import_preview import MIXED

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int]:
    return Output.objects.count(), AuditEvent.objects.filter(event__startswith="output.").count()


def run(path: Path, postdoc_no: str, user: Any, *options: str) -> str:
    out = io.StringIO()
    call_command("import_outputs", str(path), "--postdoc", postdoc_no, "--as-user", user.username, *options, stdout=out)
    return out.getvalue()


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    path = tmp_path / "mixed.bib"
    path.write_text(MIXED, encoding="utf-8")
    return path


def test_the_json_report_lists_every_entry_and_the_importable_ones_are_written(world, mixed):
    record(world)
    report = json.loads(run(mixed, world.appointment.postdoc_no, world.admin, "--format", "json"))
    assert (report["file"], report["format"], report["read"], report["importable"]) == ("mixed.bib", "bibtex", 5, 2)
    assert report["imported"] == 2 and report["dry_run"] is False and report["problems"] == []
    assert [d["record"] for d in report["duplicates"]] == ["dup"]
    assert "The DOI 10.1000/hepato.2024.1 is already recorded for this postdoc" in report["duplicates"][0]["reason"]
    assert [(r["record"], r["line"]) for r in report["refused"]] == [("baddoi", 4), ("nonumber", 5)]
    assert "“10.1/x” is not a DOI" in report["refused"][0]["reason"]
    assert report["entries"][0] == {
        "record": "good",
        "kind": "paper",
        "title": "Liver zonation in mice",
        "authors": ["Chen, Boshi", "Li, Si"],
        "year": 2024,
        "doi": "10.1000/good.1",
        "journal": "Cell",
        "position": 1,
        "status": "importable",
        "reason": "",
    }
    assert [e["status"] for e in report["entries"]] == ["importable", "duplicate", "refused", "refused", "importable"]
    assert report["entries"][2]["position"] is None and report["entries"][2]["authors"] == []
    assert set(Output.objects.filter(source="bibtex").values_list("title", flat=True)) == {
        "Liver zonation in mice",
        "Liver Organoids",
    }
    assert AuditEvent.objects.filter(event="output.imported", note="Imported from mixed.bib.").count() == 2


def test_a_dry_run_reports_the_same_and_writes_nothing(world, mixed):
    before = counts()
    report = json.loads(run(mixed, world.appointment.postdoc_no, world.admin, "--dry-run", "--format", "json"))
    assert report["importable"] == 3 and report["imported"] == 0 and report["dry_run"] is True
    assert counts() == before


def test_the_text_report_reads_as_a_summary(world, mixed):
    text = run(mixed, world.appointment.postdoc_no, world.postdoc_user, "--dry-run")
    assert text.startswith("mixed.bib (bibtex): 5 read, 3 importable, 0 duplicate, 2 refused.")
    assert "importable good  Liver zonation in mice (2024)  the postdoc is author 1" in text
    assert "Entry “nonumber” (line 5): Give the patent's or standard's number." in text
    assert text.rstrip().endswith("Dry run: nothing is written.")


def test_an_entry_without_the_postdoc_among_its_authors_is_refused_saying_where_to_import_it(world, tmp_path):
    path = tmp_path / "other.bib"
    path.write_text("@article{other, title={Kidney}, author={Wang, Wu and Li, Si}, year={2024}}", encoding="utf-8")
    report = json.loads(run(path, world.appointment.postdoc_no, world.admin, "--format", "json"))
    assert report["importable"] == 0 and report["imported"] == 0
    assert report["refused"][0]["reason"].startswith(
        "Entry “other” (line 1): The postdoc is not found among its authors; import it on the postdoc's page"
    )
    assert counts() == (0, 0)


@pytest.mark.parametrize(
    ("persona", "stay", "sentence"),
    [
        ("secretary", "other_appointment", "There is no postdoc numbered"),  # another station's
        ("outsider", "appointment", "There is no postdoc numbered"),  # another institution's
        ("supervisor", "appointment", "may not record research outputs for postdoc"),
        ("leadership", "appointment", "may not record research outputs for postdoc"),
    ],
)
def test_a_user_outside_the_scope_or_who_may_not_record_is_refused(world, mixed, persona, stay, sentence):
    with pytest.raises(CommandError, match=sentence):
        run(mixed, getattr(world, stay).postdoc_no, world.personas()[persona])
    assert counts() == (0, 0)


def test_an_unknown_postdoc_number_reads_as_one_outside_the_scope(world, mixed):
    with pytest.raises(CommandError, match="There is no postdoc numbered “NO-SUCH” that"):
        run(mixed, "NO-SUCH", world.admin)


def test_a_file_that_cannot_be_read_fails_the_command(world, tmp_path):
    gbk = tmp_path / "gbk.bib"
    gbk.write_bytes("@article{a, title={肝}, author={陈博士}, year={2024}}".encode("gbk"))
    with pytest.raises(CommandError, match="The file is not UTF-8 text"):
        run(gbk, world.appointment.postdoc_no, world.admin)
    with pytest.raises(CommandError, match="cannot be opened"):
        run(tmp_path / "missing.bib", world.appointment.postdoc_no, world.admin)
    not_json = tmp_path / "items.json"
    not_json.write_text('{"type": "article-journal"}', encoding="utf-8")
    with pytest.raises(CommandError, match="The file cannot be read: nothing is imported."):
        run(not_json, world.appointment.postdoc_no, world.admin, "--format", "json")
    assert counts() == (0, 0)
