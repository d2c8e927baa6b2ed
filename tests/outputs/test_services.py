"""The outputs services: identifiers and years checked, the phase computed from the date, duplicates
by DOI and by normalised title refused (typed in) or skipped and listed (imported), refusals that
write nothing, and who may write."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from appointments.services import appointment_exit, appointment_transfer, assessment_record
from audit.models import AuditEvent
from core.errors import DomainError
from outputs import importing
from outputs.models import Output
from outputs.parsers import BIBTEX, parse
from outputs.services import ImportRefused, output_remove, output_update, outputs_import
from tests.factories import make_appointment
from tests.outputs.conftest import BIBTEX as BIB_SAMPLE
from tests.outputs.conftest import record

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int]:
    return Output.objects.count(), AuditEvent.objects.filter(event__startswith="output.").count()


def every(entries: list[dict]) -> set[int]:
    return {entry["index"] for entry in entries}


def entries_of(world, text: str = BIB_SAMPLE) -> list[dict]:
    parsed = parse(text, BIBTEX)
    assert parsed.problems == []
    person = world.appointment.person
    importing.suggest(parsed.entries, importing.name_forms(person.name, person.name_en))
    return parsed.entries


# ---- recording one output --------------------------------------------------------------------------


def test_an_output_is_recorded_with_its_derived_columns_and_one_event(world):
    output = record(world, doi="https://doi.org/10.1000/ABC.1", title="Hepatocyte  Plasticity!", corresponding=True)
    assert output.doi == "10.1000/abc.1"
    assert output.normalised_title == "hepatocyteplasticity"
    assert (output.author_count, output.author_position, output.authors) == (2, 1, "陈博士\n李四")
    assert output.phase == Output.Phase.IN_STATION and output.dated_on == dt.date(2024, 6, 1)
    assert (output.person_id, output.institution_id) == (world.appointment.person_id, world.institution.pk)
    event = AuditEvent.objects.get(event="output.recorded")
    assert event.target_id == str(output.pk) and event.parent_id == str(world.appointment.pk)
    assert event.after["doi"] == "10.1000/abc.1" and "normalised_title" not in event.after


@pytest.mark.parametrize(
    ("details", "phase", "dated_on"),
    [
        ({"published_on": dt.date(2024, 2, 29), "year": 2024}, "before_entry", dt.date(2024, 2, 29)),
        ({"published_on": dt.date(2024, 3, 1), "year": 2024}, "in_station", dt.date(2024, 3, 1)),  # entry day
        ({"published_on": None, "year": 2024}, "in_station", dt.date(2024, 7, 1)),  # 1 July of the year
        ({"published_on": None, "year": 2023}, "before_entry", dt.date(2023, 7, 1)),
        ({"published_on": dt.date(2023, 12, 1), "year": None}, "before_entry", dt.date(2023, 12, 1)),
    ],
)
def test_the_phase_is_computed_from_the_date_against_the_stay(world, details, phase, dated_on):
    output = record(world, **details)
    assert (output.phase, output.dated_on) == (phase, dated_on)


def test_an_output_after_the_stay_ended_is_after_exit(world):
    assessment_record(
        appointment=world.appointment, kind="exit", held_on=dt.date(2025, 12, 1), grade="good", by=world.admin
    )
    appointment_exit(appointment=world.appointment, on=dt.date(2025, 12, 10), by=world.admin)
    # The service reads the stay as it is now, not the caller's copy (which still looks live).
    assert record(world, published_on=dt.date(2025, 12, 10), year=2025).phase == "after_exit"
    assert record(world, published_on=dt.date(2025, 12, 9), year=2025, title="B", doi="").phase == "in_station"


def test_an_exit_recorded_later_moves_the_outputs_made_after_it_out_of_the_stay(world):
    # Recorded while the postdoc was in station: in station then.
    late = record(world, published_on=dt.date(2025, 12, 20), year=2025)
    early = record(world, published_on=dt.date(2025, 11, 1), year=2025, title="Earlier", doi="")
    before_entry = record(world, published_on=dt.date(2024, 1, 5), year=2024, title="Before", doi="")
    assert [o.phase for o in (late, early, before_entry)] == ["in_station", "in_station", "before_entry"]
    assessment_record(
        appointment=world.appointment, kind="exit", held_on=dt.date(2025, 12, 1), grade="good", by=world.admin
    )
    appointment_exit(appointment=world.appointment, on=dt.date(2025, 12, 10), by=world.admin)
    for output in (late, early, before_entry):
        output.refresh_from_db()
    assert [o.phase for o in (late, early, before_entry)] == ["after_exit", "in_station", "before_entry"]


def test_a_duplicate_doi_is_refused_naming_the_output_it_repeats(world):
    first = record(world, doi="10.1000/same")
    before = counts()
    with pytest.raises(DomainError) as refused:
        record(world, title="Another title", doi="https://doi.org/10.1000/SAME")
    assert refused.value.field == "doi"
    assert refused.value.message == (
        f"The DOI 10.1000/same is already recorded for this postdoc: “{first.title}” (paper, 2024, postdoc number "
        f"{world.appointment.postdoc_no})."
    )
    assert counts() == before


def test_a_duplicate_title_is_refused_across_the_persons_stays(world):
    record(world, title="Liver zonation: a study", doi="")
    # The same person, a second stay (after a transfer elsewhere and back).
    appointment_transfer(appointment=world.appointment, on=dt.date(2025, 1, 10), to="外校", by=world.admin)
    second = make_appointment(
        world.station, world.supervisor, world.admin, person=world.appointment.person, entry_date=dt.date(2025, 3, 1)
    )
    before = counts()
    with pytest.raises(DomainError) as refused:
        record(world, appointment=second, title="LIVER ZONATION — A STUDY", doi="", year=2025, published_on=None)
    assert refused.value.field == "title"
    assert "This postdoc already has this paper: “Liver zonation: a study”" in refused.value.message
    assert counts() == before


def test_the_same_title_of_another_kind_or_person_is_no_duplicate(world):
    record(world, title="Liver organoids", doi="")
    assert record(world, kind="book", title="Liver organoids", doi="").pk
    other = record(world, appointment=world.other_appointment, title="Liver organoids", doi="10.1000/hepato.2024.1")
    assert other.person_id != world.appointment.person_id


@pytest.mark.parametrize(
    ("details", "field", "sentence"),
    [
        ({"doi": "10.10/x"}, "doi", "“10.10/x” is not a DOI"),
        ({"issn": "1234-5678"}, "issn", "“1234-5678” is not a valid ISSN (its check digit is wrong)"),
        ({"isbn": "9787030123450"}, "isbn", "“9787030123450” is not a valid ISBN (its check digit is wrong)"),
        ({"year": 1899, "published_on": None}, "year", "The year 1899 is outside 1900–"),
        ({"year": 2024, "published_on": dt.date(2023, 5, 1)}, "published_on", "The date 2023-05-01 is not in 2024"),
        ({"author_position": 3}, "author_position", "Position 3 is beyond the 2 authors listed."),
        ({"authors": "  \n "}, "authors", "List the authors"),
        ({"title": "!!!"}, "title", "The title needs letters or digits."),
        ({"kind": "poster"}, "kind", "Choose the kind of output"),
        ({"kind": "patent"}, "number", "Give the patent's or standard's number."),
        ({"kind": "award", "doi": ""}, "award_level", "Give the level of the award"),
        ({"patent_kind": "invention"}, "patent_kind", "The kind of patent is for patents only."),
        ({"journal": "J" * 301}, "journal", "At most 300 characters"),
    ],
)
def test_a_refused_output_names_the_field_and_writes_nothing(world, details, field, sentence):
    before = counts()
    with pytest.raises(DomainError) as refused:
        record(world, **details)
    assert refused.value.field == field
    assert refused.value.message.startswith(sentence)
    assert counts() == before


def test_a_patent_and_an_award_keep_their_own_details(world):
    patent = record(
        world,
        kind="patent",
        title="一种培养装置",
        doi="",
        number="ZL202410000001.2",
        patent_kind="invention",
        granted_on=dt.date(2025, 1, 2),
    )
    award = record(
        world, kind="award", title="重庆市科技进步奖", doi="", award_level="provincial", award_grade="second"
    )
    assert (patent.patent_kind, patent.number) == ("invention", "ZL202410000001.2")
    assert (award.award_level, award.award_grade) == ("provincial", "second")


@pytest.mark.parametrize(("persona", "allowed"), [("secretary", True), ("postdoc", True), ("supervisor", False)])
def test_those_who_manage_the_stay_and_the_postdoc_on_their_own_record_write(world, persona, allowed):
    user = world.personas()[persona]
    if allowed:
        assert record(world, by=user).recorded_by == user
    else:
        with pytest.raises(DomainError, match="You may not record research outputs for this postdoc."):
            record(world, by=user)


@pytest.mark.parametrize("persona", ["postdoc", "secretary", "leadership", "outsider"])
def test_nobody_writes_on_a_stay_they_do_not_manage(world, persona):
    before = counts()
    with pytest.raises(DomainError):
        record(world, appointment=world.other_appointment, by=world.personas()[persona])
    assert counts() == before


# ---- changing and removing ---------------------------------------------------------------------------


def test_a_change_is_checked_again_and_audited_with_before_and_after(world):
    output = record(world)
    changed = output_update(output=output, year=2023, published_on=dt.date(2023, 5, 1), by=world.postdoc_user)
    assert changed.phase == "before_entry"
    event = AuditEvent.objects.get(event="output.changed")
    assert (event.before["year"], event.after["year"]) == (2024, 2023)
    assert (event.before["phase"], event.after["phase"]) == ("in_station", "before_entry")


def test_a_change_into_a_duplicate_is_refused(world):
    record(world, title="First", doi="10.1000/first")
    second = record(world, title="Second", doi="10.1000/second")
    with pytest.raises(DomainError, match="The DOI 10.1000/first is already recorded"):
        output_update(output=second, doi="10.1000/FIRST", by=world.admin)
    second.refresh_from_db()
    assert second.doi == "10.1000/second"
    assert not AuditEvent.objects.filter(event="output.changed").exists()


def test_an_unchanged_save_writes_no_event(world):
    output = record(world)
    output_update(output=output, title=output.title, by=world.admin)
    assert not AuditEvent.objects.filter(event="output.changed").exists()


def test_a_removal_keeps_the_record_in_the_audit_trail(world):
    output = record(world)
    pk = output.pk
    output_remove(output=output, by=world.secretary)
    assert not Output.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(event="output.removed")
    assert event.before["title"] == "Hepatocyte plasticity" and event.target_id == str(pk)


def test_the_supervisor_cannot_remove(world):
    output = record(world)
    with pytest.raises(DomainError):
        output_remove(output=output, by=world.supervisor_user)
    assert Output.objects.filter(pk=output.pk).exists()


# ---- importing ---------------------------------------------------------------------------------------


def test_an_import_writes_every_new_entry_with_one_event_each(world):
    entries = entries_of(world)
    assert [e["author_position"] for e in entries] == [1, 2, 1]  # Chen, Boshi / 陈博士 / B. Chen
    assert [e["corresponding"] for e in entries] == [True, False, False]
    imported = outputs_import(
        appointment=world.appointment, entries=entries, chosen=every(entries), source="bibtex", by=world.postdoc_user
    )
    assert len(imported.created) == 3 and imported.skipped == []
    assert set(Output.objects.values_list("source", flat=True)) == {"bibtex"}
    events = AuditEvent.objects.filter(event="output.imported")
    assert events.count() == 3
    assert {e.target_id for e in events} == {str(o.pk) for o in imported.created}
    paper = Output.objects.get(doi="10.1038/s41467-024-00001-x")
    assert paper.phase == "in_station" and paper.corresponding


def line_of(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if line.startswith(start))


def test_duplicates_in_an_import_are_skipped_and_listed(world):
    existing = record(world, title="Whatever", doi="10.1038/s41467-024-00001-x")
    record(world, title="肝脏类器官的构建与应用", doi="", published_on=None, year=2023)
    imported = outputs_import(
        appointment=world.appointment, entries=entries_of(world), chosen={3}, source="bibtex", by=world.admin
    )
    assert [o.title for o in imported.created] == ["Liver Organoids"]
    assert imported.skipped == [
        "Entry “chen2024cells” (line 2) repeats an output already recorded and is skipped: The DOI "
        f"10.1038/s41467-024-00001-x is already recorded for this postdoc: “{existing.title}” (paper, 2024, "
        f"postdoc number {world.appointment.postdoc_no}).",
        f"Entry “zhang2023conf” (line {line_of(BIB_SAMPLE, '@inproceedings')}) repeats an output already recorded "
        "and is skipped: This postdoc already has this paper: “肝脏类器官的构建与应用” (2023, postdoc number "
        f"{world.appointment.postdoc_no}).",
    ]
    assert Output.objects.count() == 3
    assert AuditEvent.objects.filter(event="output.imported").count() == 1


def test_an_entry_repeated_within_the_file_is_skipped_naming_the_first(world):
    again = (
        "@article{again, title={Another title}, author={Chen, Boshi}, year={2024}, doi={10.1038/S41467-024-00001-X}}"
    )
    text = BIB_SAMPLE + again
    imported = outputs_import(
        appointment=world.appointment,
        entries=entries_of(world, text),
        chosen={1, 2, 3},
        source="bibtex",
        by=world.admin,
    )
    assert len(imported.created) == 3
    assert imported.skipped == [
        f"Entry “again” (line {line_of(text, '@article{again')}) repeats Entry “chen2024cells” (line 2) of the "
        "same file and is skipped."
    ]


def test_an_import_with_one_bad_entry_chosen_writes_nothing(world):
    entries = entries_of(world)
    entries[2]["author_position"] = None  # not found, and not corrected
    before = counts()
    with pytest.raises(ImportRefused) as refused:
        outputs_import(
            appointment=world.appointment, entries=entries, chosen=every(entries), source="bibtex", by=world.admin
        )
    assert refused.value.problems == [
        f"Entry “chen2025book” (line {line_of(BIB_SAMPLE, '@book')}): Give the postdoc's position among the authors "
        "(1 for the first author)."
    ]
    assert counts() == before


def test_an_import_by_someone_who_may_not_write_is_refused(world):
    before = counts()
    with pytest.raises(DomainError):
        entries = entries_of(world)
        outputs_import(
            appointment=world.appointment, entries=entries, chosen=every(entries), source="bibtex", by=world.leadership
        )
    assert counts() == before


def test_entries_left_out_of_the_choice_are_not_written(world):
    entries = entries_of(world)
    imported = outputs_import(
        appointment=world.appointment, entries=entries, chosen={1, 3}, source="bibtex", by=world.admin
    )
    assert sorted(o.title for o in imported.created) == [
        "Liver Organoids",
        "Single-cell atlas of the Human liver: a CRISPR screen",
    ]
    assert counts() == (2, 2) and imported.skipped == []


def test_a_chosen_entry_that_became_a_duplicate_since_the_preview_refuses_the_import(world):
    entries = entries_of(world)  # the preview: all three importable
    existing = record(world, title="Recorded meanwhile", doi="10.1038/s41467-024-00001-x")
    before = counts()
    with pytest.raises(ImportRefused) as refused:
        outputs_import(
            appointment=world.appointment, entries=entries, chosen=every(entries), source="bibtex", by=world.admin
        )
    assert refused.value.problems == [
        "Entry “chen2024cells” (line 2) can no longer be imported: The DOI 10.1038/s41467-024-00001-x is already "
        f"recorded for this postdoc: “{existing.title}” (paper, 2024, postdoc number {world.appointment.postdoc_no}). "
        "Leave it out, or upload the file again."
    ]
    assert counts() == before


def test_a_choice_of_no_entry_or_of_one_the_file_does_not_hold_is_refused(world):
    entries = entries_of(world)
    with pytest.raises(DomainError, match="Choose at least one entry to import."):
        outputs_import(appointment=world.appointment, entries=entries, chosen=set(), source="bibtex", by=world.admin)
    with pytest.raises(ImportRefused, match="Entry 9 of the file cannot be read or is not in it"):
        outputs_import(appointment=world.appointment, entries=entries, chosen={1, 9}, source="bibtex", by=world.admin)
    assert counts() == (0, 0)


# ---- the database guards what the services check ----------------------------------------------------


def _raw(world, **changes) -> Output:
    output = record(world)
    for name, value in changes.items():
        setattr(output, name, value)
    return output


@pytest.mark.parametrize(
    "changes",
    [
        {"doi": "10.1000/UPPER"},
        {"author_position": 3},
        {"author_position": 0},
        {"phase": "sometime"},
        {"normalised_title": ""},
        {"patent_kind": "invention"},
        {"award_level": "national"},
    ],
)
def test_the_database_refuses_rows_that_break_the_rules(world, changes):
    output = _raw(world, **changes)
    with pytest.raises(IntegrityError), transaction.atomic():
        output.save()


def test_the_database_refuses_a_second_row_with_the_same_doi_for_a_person(world):
    first = record(world)
    copy = Output.objects.get(pk=first.pk)
    copy.pk, copy.title, copy.normalised_title = None, "Other", "other"
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()
