"""Ships the catalogue of funders, programmes and amounts (funding/data/funders.json) with every
installation, gives every existing institution the default level mapping, and links the projects
already recorded to the catalogue without changing the level any of them counts at.

As with the discipline catalogue (docs/decisions/0007), only what is missing is added, so running it
again changes nothing, and the shipped rows have no audit events: their history is the data file's.

A project recorded before levels were data keeps its level exactly: its funder and programme text
are matched to the catalogue (names and aliases, normalised), and where the mapping gives the same
level the project follows the mapping from now on; where it gives another one or none (an unknown
funder), the recorded level becomes the project's own (`level_override`).
"""

from django.db import migrations

from funding.shipped import NameIndex, default_levels, load_catalogue

BATCH = 2000


def forwards(apps, schema_editor):
    Funder = apps.get_model("funding", "Funder")
    Programme = apps.get_model("funding", "Programme")
    GradeAmount = apps.get_model("funding", "GradeAmount")
    LevelRule = apps.get_model("funding", "LevelRule")
    Project = apps.get_model("funding", "Project")
    Institution = apps.get_model("catalogue", "Institution")

    load_catalogue(Funder, Programme, GradeAmount)
    defaults = default_levels()
    shipped = {f.code: f for f in Funder.objects.filter(institution__isnull=True)}
    for institution in Institution.objects.all():
        for code, level in defaults.items():
            if code in shipped:
                LevelRule.objects.get_or_create(
                    institution=institution, funder=shipped[code], programme=None, defaults={"level": level}
                )

    # Ids first: the rows are updated while they are read, which a SQLite cursor does not survive.
    pending = list(
        Project.objects.filter(funder_ref__isnull=True, level_override="").order_by("pk").values_list("pk", flat=True)
    )
    if not pending:
        return
    funders = list(Funder.objects.all())
    programmes: dict[int, NameIndex] = {}
    for programme in Programme.objects.all():
        programmes.setdefault(programme.funder_id, NameIndex()).add(
            programme, programme.name_zh, programme.name_en, programme.aliases
        )
    indexes: dict[int, NameIndex] = {}
    rules: dict[int, dict[tuple[int, int | None], str]] = {}
    changed = []
    projects = (
        project
        for start in range(0, len(pending), BATCH)
        for project in Project.objects.filter(pk__in=pending[start : start + BATCH]).order_by("pk")
    )
    for project in projects:
        institution_id = project.institution_id
        if institution_id not in indexes:
            index = NameIndex()
            for funder in sorted(funders, key=lambda f: f.institution_id is None):  # its own first
                if funder.institution_id in (None, institution_id):
                    index.add(funder, funder.name_zh, funder.name_en, funder.code, funder.aliases)
            indexes[institution_id] = index
            rules[institution_id] = {
                (f, p): level
                for f, p, level in LevelRule.objects.filter(institution_id=institution_id).values_list(
                    "funder_id", "programme_id", "level"
                )
            }
        funder = indexes[institution_id].exact(project.funder)
        programme = None
        if funder is not None and project.programme and funder.pk in programmes:
            programme = programmes[funder.pk].best(project.programme)
        mapped = None
        if funder is not None:
            institution_rules = rules[institution_id]
            mapped = (programme is not None and institution_rules.get((funder.pk, programme.pk))) or institution_rules.get(
                (funder.pk, None)
            )
        project.funder_ref_id = funder.pk if funder is not None else None
        project.programme_ref_id = programme.pk if programme is not None else None
        if mapped != project.level:
            project.level_override = project.level
        changed.append(project)
        if len(changed) >= BATCH:
            Project.objects.bulk_update(changed, ["funder_ref", "programme_ref", "level_override"])
            changed = []
    if changed:
        Project.objects.bulk_update(changed, ["funder_ref", "programme_ref", "level_override"])


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0002_load_discipline_catalogue"),
        ("funding", "0002_programmes_levels_lifecycle"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
