"""Writes to funding: the institution's funders, programmes and amounts, its level mapping and
funding rules, and projects from application to end (docs/decisions/0013, 0042–0044).

Every write takes its actor (`by`), runs in one transaction and leaves one audit event. A project's
counted level (`Project.level`) is kept here: its `level_override` if it has one, else the
institution's rule for its programme, else for its funder; a change of the mapping recomputes the
projects it concerns in the same transaction.

The services live in the modules of this package by what they write (`funding_rules`, `reference`,
`levels`, `projects`, `bulk`; `project_checks` and `common` hold what they share). The public ones
are re-exported here so that callers keep writing `from funding import services` or
`from funding.services import project_record` without knowing which module holds a function.
"""

from funding.services.bulk import APPLICATION_STATUSES, applications_record, projects_record
from funding.services.funding_rules import amount_style_save, funding_rules_for, funding_rules_save
from funding.services.levels import (
    LevelMap,
    default_level_rules,
    level_change_preview,
    level_rule_remove,
    level_rule_save,
    level_rules_default,
    resolve_level,
)
from funding.services.projects import (
    UPDATABLE,
    project_apply,
    project_award,
    project_complete,
    project_record,
    project_reject,
    project_terminate,
    project_update,
)
from funding.services.reference import (
    FUNDER_FIELDS,
    GRADE_AMOUNT_FIELDS,
    PROGRAMME_FIELDS,
    funder_save,
    grade_amount_save,
    programme_save,
)

__all__ = [
    "APPLICATION_STATUSES",
    "FUNDER_FIELDS",
    "GRADE_AMOUNT_FIELDS",
    "PROGRAMME_FIELDS",
    "UPDATABLE",
    "LevelMap",
    "amount_style_save",
    "applications_record",
    "default_level_rules",
    "funder_save",
    "funding_rules_for",
    "funding_rules_save",
    "grade_amount_save",
    "level_change_preview",
    "level_rule_remove",
    "level_rule_save",
    "level_rules_default",
    "programme_save",
    "project_apply",
    "project_award",
    "project_complete",
    "project_record",
    "project_reject",
    "project_terminate",
    "project_update",
    "projects_record",
    "resolve_level",
]
