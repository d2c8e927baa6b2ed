"""Documents: only PDFs (by name and by content) within the size limit, kept under
MEDIA_ROOT/establishment/, removed with their file, downloaded only by those who may read them."""

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from catalogue.models import Discipline
from core.errors import DomainError
from establishment import services
from establishment.models import Document
from tests.establishment.conftest import PDF, Setup, pdf, today

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
FORM = Document.Kind.APPLICATION_FORM


def files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []


def add(setup: Setup, upload=None, kind: str = FORM) -> Document:
    return services.document_add(application=setup.application, kind=kind, upload=upload or pdf(), by=setup.world.admin)


def test_a_pdf_is_kept_under_media_establishment_with_its_name_size_and_digest(setup, media):
    events = AuditEvent.objects.count()
    document = add(setup)
    assert document.original_name == "申请书.pdf" and document.size == len(PDF)
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert document.uploaded_by == setup.world.admin
    stored = Path(document.file.path)
    assert stored.is_relative_to(media / "establishment" / str(setup.application.pk))
    assert stored.suffix == ".pdf" and stored.name != "申请书.pdf"  # stored under a random name
    assert stored.read_bytes() == PDF
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.get(event="document.added")
    assert event.parent_type == "establishment.application" and event.parent_id == str(setup.application.pk)
    assert event.after["original_name"] == "申请书.pdf" and event.after["sha256"] == document.sha256


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "申请书.pdf",
            b"PK\x03\x04 a Word document renamed",
            "“申请书.pdf” is named .pdf but its content is not a PDF",
        ),
        ("report.PDF", b"<html>%PDF-</html>", "is named .pdf but its content is not a PDF"),
        ("申请书.docx", PDF, "“申请书.docx” is not a PDF: upload the document as a .pdf file."),
        ("申请书", PDF, "is not a PDF: upload the document as a .pdf file."),
        ("empty.pdf", b"", "“empty.pdf” is empty (0 bytes)."),
    ],
)
def test_anything_but_a_pdf_is_refused_and_nothing_is_kept(setup, media, name, content, message):
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as caught:
        add(setup, SimpleUploadedFile(name, content))
    assert message in caught.value.message and caught.value.field == "file"
    assert not Document.objects.exists() and files(media) == []
    assert AuditEvent.objects.count() == events


def test_an_uppercase_extension_is_a_pdf(setup):
    assert add(setup, SimpleUploadedFile("REPORT.PDF", PDF)).original_name == "REPORT.PDF"


def test_a_document_above_the_limit_is_refused(setup, media, settings):
    settings.ESTABLISHMENT_DOCUMENT_MAX_MB = 1
    events = AuditEvent.objects.count()
    big = PDF + b"0" * (1024 * 1024 + 1 - len(PDF))
    with pytest.raises(DomainError) as caught:
        add(setup, SimpleUploadedFile("big.pdf", big))
    assert "“big.pdf” is 1.0\xa0MB; a document may be at most 1 MB." in caught.value.message
    assert not Document.objects.exists() and files(media) == [] and AuditEvent.objects.count() == events
    exactly = PDF + b"0" * (1024 * 1024 - len(PDF))
    assert add(setup, SimpleUploadedFile("exactly.pdf", exactly)).size == 1024 * 1024


def test_an_unknown_kind_is_refused(setup, media):
    with pytest.raises(DomainError, match="Choose the kind of document."):
        add(setup, kind="minutes")
    assert files(media) == []


def test_documents_are_added_during_the_internal_review_but_not_after_submission(setup, media):
    by = setup.world.admin
    application = services.application_review_start(application=setup.application, by=by)
    add(setup, pdf("论证报告.pdf"), kind=Document.Kind.DEMONSTRATION_REPORT)
    application = services.application_review_record(application=application, supported=True, by=by)
    services.application_submit(application=application, on=today(), by=by)
    with pytest.raises(DomainError, match="Documents can be added until the application is submitted."):
        add(setup, pdf("late.pdf"))
    assert [d.original_name for d in Document.objects.all()] == ["论证报告.pdf"]
    assert len(files(media)) == 1


def test_a_removed_document_leaves_its_event_and_its_file_goes_on_commit(
    setup, media, django_capture_on_commit_callbacks
):
    document = add(setup)
    stored = Path(document.file.path)
    events = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        services.document_remove(document=document, by=setup.world.admin)
    assert not Document.objects.exists() and not stored.exists()
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.get(event="document.removed")
    assert event.before["original_name"] == "申请书.pdf" and event.after is None
    assert event.target_id == str(document.pk) and event.parent_id == str(setup.application.pk)


def test_documents_of_a_submitted_application_are_not_removed(setup, media):
    document = add(setup)
    by = setup.world.admin
    application = services.application_review_start(application=setup.application, by=by)
    application = services.application_review_record(application=application, supported=True, by=by)
    services.application_submit(application=application, on=today(), by=by)
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError, match="Documents can be removed until the application is submitted."):
        services.document_remove(document=document, by=by)
    assert Document.objects.count() == 1 and Path(document.file.path).exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("persona", ["secretary", "leadership", "outsider"])
def test_only_an_office_administrator_removes_a_document(setup, persona):
    document = add(setup)
    with pytest.raises(DomainError, match="Only an office administrator of this institution"):
        services.document_remove(document=document, by=setup.world.personas()[persona])
    assert Document.objects.count() == 1


# ---------------------------------------------------------------------------------------------
# Through the page


def _upload_url(setup: Setup) -> str:
    return reverse("establishment:document-upload", kwargs={"pk": setup.application.pk})


def test_the_page_uploads_a_pdf_and_returns_to_the_documents(signed_in, setup):
    response = signed_in("admin").post(_upload_url(setup), {"kind": FORM, "file": pdf()})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/establishment/{setup.application.pk}/#documents")
    assert Document.objects.get().original_name == "申请书.pdf"


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_the_page_shows_why_a_renamed_file_is_refused(signed_in, setup, media, headers):
    client = signed_in("admin")
    upload = SimpleUploadedFile("申请书.pdf", b"\xd0\xcf\x11\xe0 an old .doc")
    response = client.post(_upload_url(setup), {"kind": FORM, "file": upload}, headers=headers)
    assert response.status_code == 200
    page = response.content.decode()
    assert "“申请书.pdf” is named .pdf but its content is not a PDF; export or scan it as a PDF again." in page
    assert 'id="documents"' in page
    assert ("<html" in page) is (headers == {})  # the partial alone for htmx
    assert not Document.objects.exists() and files(media) == []


def test_the_page_says_the_limit_of_a_too_large_file(signed_in, setup, settings):
    settings.ESTABLISHMENT_DOCUMENT_MAX_MB = 1
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (2 * 1024 * 1024))
    page = signed_in("admin").post(_upload_url(setup), {"kind": FORM, "file": big}).content.decode()
    assert "a document may be at most 1 MB." in page
    assert "A PDF of at most 1 MB." in page  # the help text says so before too
    assert not Document.objects.exists()


def test_the_page_asks_for_a_file_and_a_kind(signed_in, setup):
    page = signed_in("admin").post(_upload_url(setup), {}).content.decode()
    assert "Choose the PDF to upload." in page and "This field is required." in page


@pytest.mark.parametrize(("persona", "expected"), [("admin", 200), ("leadership", 200), ("secretary", 403)])
def test_a_download_gives_the_stored_pdf_as_an_attachment(client, setup, persona, expected):
    document = add(setup)
    client.force_login(setup.world.personas()[persona])
    url = reverse("establishment:document-download", kwargs={"pk": setup.application.pk, "document_pk": document.pk})
    response = client.get(url)
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert b"".join(response.streaming_content) == PDF  # consumed: the response is closed


def test_a_document_is_not_downloaded_through_another_application(signed_in, setup):
    document = add(setup)
    other = services.application_create(
        round=setup.round,
        discipline=Discipline.objects.get(code="1003"),
        unit=setup.unit,
        by=setup.world.admin,
    )
    url = reverse("establishment:document-download", kwargs={"pk": other.pk, "document_pk": document.pk})
    assert signed_in("admin").get(url).status_code == 404


def test_a_document_whose_file_is_gone_is_404(signed_in, setup):
    document = add(setup)
    Path(document.file.path).unlink()
    url = reverse("establishment:document-download", kwargs={"pk": setup.application.pk, "document_pk": document.pk})
    assert signed_in("admin").get(url).status_code == 404


def test_removing_on_the_page_needs_the_confirmation(signed_in, setup, django_capture_on_commit_callbacks):
    document = add(setup)
    client = signed_in("admin")
    url = reverse("establishment:document-remove", kwargs={"pk": setup.application.pk, "document_pk": document.pk})
    form = client.get(url, headers=HTMX).content.decode()
    assert "Remove this document." in form and "<html" not in form
    unconfirmed = client.post(url, {})
    assert unconfirmed.status_code == 200 and "Tick the box to confirm the removal." in unconfirmed.content.decode()
    assert Document.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302 and not Document.objects.exists()
    assert not Path(document.file.path).exists()
