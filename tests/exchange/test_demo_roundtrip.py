"""The demo institution's whole workbook imports back into an empty institution with the same
headline figures: projects of every status and research outputs included."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import User
from catalogue.models import Institution
from demo.story.reference import DEMO_CODE
from exchange.exporter import export_workbook
from exchange.importer import import_workbook
from funding.models import Project
from outputs.models import Output
from reports.selectors import headline_figures
from tests.exchange.test_workbook import problems_text
from tests.factories import make_institution

pytestmark = pytest.mark.django_db
TODAY = "2026-11-28"


def test_the_demo_export_imports_back_with_the_same_figures(tmp_path: Path) -> None:
    call_command("load_demo", "--today", TODAY, stdout=StringIO())
    source = Institution.objects.get(code=DEMO_CODE)
    admin = User.objects.get(username="admin")
    path = tmp_path / "demo.xlsx"
    rows = export_workbook(path=path, institution=source, user=admin)
    assert rows["Projects"] == Project.objects.filter(institution=source).count()
    assert rows["Outputs"] == Output.objects.filter(institution=source).count()
    target, target_admin = make_institution("DEMO2", "演示导入")
    report = import_workbook(path=path, institution=target, by=target_admin)
    assert report.ok, problems_text(report)
    for as_of, years in ((dt.date(2023, 11, 30), 3), (dt.date.fromisoformat(TODAY), 5)):
        assert headline_figures(institution_id=target.pk, as_of=as_of, years=years) == headline_figures(
            institution_id=source.pk, as_of=as_of, years=years
        )
    statuses = Project.objects.filter(institution=source).values_list("status", flat=True).distinct()
    assert set(Project.objects.filter(institution=target).values_list("status", flat=True).distinct()) == set(statuses)
