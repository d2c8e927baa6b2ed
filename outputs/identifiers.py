"""The identifiers of a research output, checked and written one way: DOI, ISSN, ISBN, the year,
and the normalised title that finds duplicates. Pure functions; the parsers and the services both
call them, so a file's entry and a typed-in output are held to the same rules.

Each checker returns the stored form or raises `DomainError` with a sentence naming the value.
"""

import datetime as dt
import re
import unicodedata
from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import isbn as stdnum_isbn
from stdnum import issn as stdnum_issn
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as NumberError

from core.errors import DomainError

FIRST_YEAR = 1900
# A DOI is "10." + a registrant code of digits + "/" + a suffix (DOI Handbook §2.2; Crossref
# recommends this pattern for matching modern DOIs). Stored lower-case: DOIs are case-insensitive.
DOI_PATTERN = re.compile(r"10\.\d{4,9}/\S+")
DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi.org/", "doi:")
DOI_MAX = 200
# `\_` or `{\_}`: how BibTeX writes an underscore, percent sign, ampersand or hash in a DOI.
LATEX_ESCAPE = re.compile(r"\{?\\([_%&#$])\}?")


def clean_doi(value: str) -> str:
    """The DOI in its stored form (lower-case, without a resolver or `doi:` prefix), or "" for none.
    Characters BibTeX escapes (`10.1007/978-3-030-95398-0\\_10`, `{\\_}`, `\\%`) are read as themselves."""
    text = LATEX_ESCAPE.sub(r"\1", (value or "").strip())
    lowered = text.lower()
    for prefix in DOI_PREFIXES:
        if lowered.startswith(prefix):
            text = text[len(prefix) :].strip()
            break
    if not text:
        return ""
    if not DOI_PATTERN.fullmatch(text) or len(text) > DOI_MAX:
        raise DomainError(
            _("“%(value)s” is not a DOI: a DOI reads 10.<4 to 9 digits>/<suffix>, e.g. 10.1038/s41586-020-2649-2.")
            % {"value": value.strip()},
            field="doi",
        )
    return text.lower()


def doi_for_search(text: str) -> str:
    """A DOI as stored (lower-case, without a resolver or "doi:"), so a pasted link finds it."""
    lowered = text.lower()
    for prefix in DOI_PREFIXES:
        if lowered.startswith(prefix):
            return lowered[len(prefix) :].strip()
    return lowered


def clean_issn(value: str) -> str:
    """The ISSN as 1234-567X (checked by its check digit), or "" for none."""
    text = (value or "").strip()
    if not text:
        return ""
    try:
        return str(stdnum_issn.format(stdnum_issn.validate(text)))
    except NumberError as error:
        raise DomainError(
            _("“%(value)s” is not a valid ISSN (%(reason)s); an ISSN has eight characters, e.g. 0028-0836.")
            % {"value": text, "reason": _number_reason(error)},
            field="issn",
        ) from error


def clean_isbn(value: str) -> str:
    """The ISBN as 13 digits (an ISBN-10 is converted), checked by its check digit, or "" for none."""
    text = (value or "").strip()
    if not text:
        return ""
    try:
        return str(stdnum_isbn.to_isbn13(stdnum_isbn.validate(text)))
    except NumberError as error:
        raise DomainError(
            _("“%(value)s” is not a valid ISBN (%(reason)s); an ISBN has 10 or 13 digits, e.g. 978-7-03-036789-3.")
            % {"value": text, "reason": _number_reason(error)},
            field="isbn",
        ) from error


# What databases write around an ISSN or ISBN: "03064530 (ISSN)", "1873-3360 (Electronic)",
# "ISSN 0306-4530", "978-7-117-12345-6 (hardcover)", "eISSN: 1873-3360".
_SERIAL_DECORATION = re.compile(
    r"\([^)]*\)|\[[^\]]*\]|\b[ep]-?ISSN\b|\bISSN\b|\bISBN(?:-?1[03])?\b|\b(?:print|electronic|online|hardcover|"
    r"paperback|pbk|hbk|ebook|linking)\b|[:：]",
    re.IGNORECASE,
)


def _serial_parts(value: str) -> list[str]:
    text = _SERIAL_DECORATION.sub(" ", value or "")
    return [part for part in re.split(r"[\s,;，；/]+", text) if part.strip("-")]


def _first_of(value: str, validate: Callable[[str], object], clean: Callable[[str], str]) -> str:
    """The first valid of the identifiers a field holds. A number of the right length whose check
    digit is wrong is named even when another is right (it may be the one meant); words and
    fragments are named only when no valid number is there."""
    valid, wrong_check, malformed = [], [], []
    for part in _serial_parts(value):
        try:
            validate(part)
        except InvalidChecksum:
            wrong_check.append(part)
        except NumberError:
            malformed.append(part)
        else:
            valid.append(part)
    for part in wrong_check:
        clean(part)  # raises, naming the number
    if valid:
        return clean(valid[0])
    # Only words or fragments: the field read as one number ("0306 4530" is one), else named whole.
    return clean(" ".join(_SERIAL_DECORATION.sub(" ", value or "").split())) if malformed else ""


def first_issn(value: str) -> str:
    """The first valid ISSN of a field as databases write it ("0306-4530; 1873-3360", "03064530 (ISSN)")."""
    return _first_of(value, stdnum_issn.validate, clean_issn)


def first_isbn(value: str) -> str:
    """The first valid ISBN of a field as databases write it ("9780123456786 9780123456793", "… (hardcover)")."""
    return _first_of(value, stdnum_isbn.validate, clean_isbn)


def _number_reason(error: NumberError) -> str:
    if isinstance(error, InvalidChecksum):
        return _("its check digit is wrong")
    if isinstance(error, InvalidLength):
        return _("it has the wrong number of characters")
    return _("it has characters that do not belong in it")


def last_year() -> int:
    """Outputs may be dated up to next year: journals print next year's volume in the autumn."""
    return timezone.localdate().year + 1


def clean_year(value: object) -> int:
    """The year as a number between 1900 and next year."""
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError) as error:
        raise DomainError(
            _("“%(value)s” is not a year; give it as four digits, e.g. 2024.") % {"value": value}, field="year"
        ) from error
    if not FIRST_YEAR <= year <= last_year():
        raise DomainError(
            _("The year %(year)s is outside %(first)s–%(last)s.")
            % {"year": year, "first": FIRST_YEAR, "last": last_year()},
            field="year",
        )
    return year


def normalise_title(title: str) -> str:
    """The title as duplicates are found by: NFKC, case-folded, only its letters and digits (so
    punctuation, spaces, full-width forms and LaTeX braces make no difference)."""
    folded = unicodedata.normalize("NFKC", title or "").casefold()
    return "".join(char for char in folded if unicodedata.category(char)[0] in "LN")


def dated_on(published_on: dt.date | None, year: int) -> dt.date:
    """The day an output is counted on: its publication date, else the middle of its year (1 July),
    so that an output known only by its year falls on the side of an entry or exit where most of
    that year lies."""
    return published_on or dt.date(year, 7, 1)
