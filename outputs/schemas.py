"""The API's types for research outputs and for importing a file of references."""

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from core.api_schemas import NO_NUL_PATTERN, Day, RequestBody, example, if_given, text
from outputs.models import Output
from outputs.services import given_fields

OutputKindValue = Literal["paper", "patent", "award", "book", "standard"]
PhaseValue = Literal["before_entry", "in_station", "after_exit"]
PatentKindValue = Literal["", "invention", "utility_model", "design"]
AwardGradeValue = Literal["", "special", "first", "second", "third", "other"]
AwardLevelValue = Literal["", "national", "provincial", "municipal", "university"]
AuthorName = Annotated[str, Field(max_length=200, pattern=NO_NUL_PATTERN)]


class OutputOut(Schema):
    id: int
    appointment: int
    postdoc_no: str
    kind: OutputKindValue
    title: str
    year: int
    published_on: dt.date | None
    phase: PhaseValue = Field(description="before entry, in station or after the stay, from its date")
    authors: list[str]
    author_position: int = Field(description="the postdoc's place among the authors, 1 for the first")
    corresponding: bool
    doi: str
    journal: str
    issn: str
    volume: str
    issue: str
    pages: str
    publisher: str
    isbn: str
    number: str = Field(description="a patent's or standard's number")
    patent_kind: PatentKindValue
    granted_on: dt.date | None
    award_level: AwardLevelValue
    award_grade: AwardGradeValue
    source: Literal["manual", "bibtex", "ris", "csl_json", "refer", "refworks", "noteexpress", "pubmed", "wos"]
    recorded_at: dt.datetime


def output_out(o: Output) -> dict[str, Any]:
    """One output read with `select_related("appointment")`."""
    return {
        "id": o.pk,
        "appointment": o.appointment_id,
        "postdoc_no": o.appointment.postdoc_no,
        **given_fields(o),
        "phase": o.phase,
        "authors": o.author_list,
        "source": o.source,
        "recorded_at": o.recorded_at,
    }


class OutputFilters(Schema):
    appointment: int | None = Field(None, ge=1, description="the stay it is recorded on")
    kind: OutputKindValue | None = None
    year: int | None = Field(None, ge=1900, le=2200)
    phase: PhaseValue | None = None
    q: str | None = text(None, max_length=100, description="title, DOI or journal")


class OutputIn(RequestBody):
    model_config = example(
        {
            "kind": "paper",
            "title": "Hepatocyte plasticity in liver regeneration",
            "year": 2025,
            "authors": ["陈博士", "李四"],
            "author_position": 1,
            "doi": "10.1000/hepato.2025.1",
            "journal": "Hepatology",
        }
    )

    kind: OutputKindValue
    title: str = text(..., max_length=500)
    year: int = Field(..., ge=1900, le=2100)
    published_on: Day | None = None
    authors: list[AuthorName] = Field(..., max_length=500, description="in the order printed")
    author_position: int = Field(..., ge=1, le=500)
    corresponding: bool = False
    doi: str = text("", max_length=200)
    journal: str = text("", max_length=300)
    issn: str = text("", max_length=20)
    volume: str = text("", max_length=30)
    issue: str = text("", max_length=30)
    pages: str = text("", max_length=40)
    publisher: str = text("", max_length=200)
    isbn: str = text("", max_length=20)
    number: str = text("", max_length=100)
    patent_kind: PatentKindValue = ""
    granted_on: Day | None = None
    award_level: AwardLevelValue = ""
    award_grade: AwardGradeValue = ""


class OutputUpdateIn(RequestBody):
    """Only the fields given change; the same rules as when it was recorded."""

    model_config = example({"title": "Hepatocyte plasticity in the regenerating liver"})

    kind: OutputKindValue = if_given()
    title: str = text(None, max_length=500)
    year: int = if_given(ge=1900, le=2100)
    published_on: Day | None = None
    authors: list[AuthorName] = if_given(max_length=500)
    author_position: int = if_given(ge=1, le=500)
    corresponding: bool = if_given()
    doi: str = text(None, max_length=200)
    journal: str = text(None, max_length=300)
    issn: str = text(None, max_length=20)
    volume: str = text(None, max_length=30)
    issue: str = text(None, max_length=30)
    pages: str = text(None, max_length=40)
    publisher: str = text(None, max_length=200)
    isbn: str = text(None, max_length=20)
    number: str = text(None, max_length=100)
    patent_kind: PatentKindValue = if_given()
    granted_on: Day | None = None
    award_level: AwardLevelValue = if_given()
    award_grade: AwardGradeValue = if_given()


# Importing a file of references onto a stay: the preview, then its confirmation ------------------------

ImportStatusValue = Literal["importable", "duplicate", "refused"]
EntryIndex = Annotated[int, Field(ge=1, le=100_000)]


class ImportEntryOut(Schema):
    index: int = Field(description="its place in the file, 1 for the first")
    record: str = Field(description="how the file names it: its BibTeX key, record number or CSL id")
    line: int | None = Field(description="the line it starts on (null for CSL-JSON)")
    label: str
    status: ImportStatusValue
    reasons: list[str] = Field(
        description="why it is refused, what it repeats, or (importable) what to give first: the postdoc's position"
    )
    kind: OutputKindValue | None
    title: str
    authors: list[str]
    year: int | None
    doi: str
    journal: str
    position: int | None = Field(description="the postdoc's position among the authors, as found (null: not found)")
    position_ambiguous: bool = Field(description="several authors match the postdoc: check the position")
    corresponding: bool
    phase: PhaseValue | None


class ImportPreviewOut(Schema):
    """What importing the file would record; nothing is written until the token is confirmed."""

    file: str
    format: str
    read: int = Field(description="entries in the file, readable or not")
    importable: int
    entries: list[ImportEntryOut]
    token: str = Field(description="send it to …/outputs/import/confirm within a day, as the same user")


class ImportCorrectionIn(RequestBody):
    index: EntryIndex
    position: int = Field(..., ge=1, le=500, description="the postdoc's position among the entry's authors")
    corresponding: bool | None = Field(
        None, description="whether the postdoc is a corresponding author (null: as the file says)"
    )


class ImportConfirmIn(RequestBody):
    model_config = example({"token": "…", "indexes": [1, 3], "corrections": [{"index": 3, "position": 2}]})

    token: str = text(..., max_length=3_000_000, description="the preview's token")
    indexes: list[EntryIndex] | None = Field(
        None, max_length=500, description="the entries to record; default: every entry the preview found importable"
    )
    corrections: list[ImportCorrectionIn] = Field(default_factory=list, max_length=500)


class ImportDoneOut(Schema):
    created: list[OutputOut]
    skipped: list[str] = Field(description="a sentence per duplicate left out, naming what it repeats")
