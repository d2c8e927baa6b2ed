"""The eligibility checklist of an establishment application, computed from the records on a date.

The conditions are those of 人社部函〔2023〕47号 (shared/domain/facts.md §1.8): (1) doctoral
degree-granting rights in the first-level discipline and doctoral students enrolled, (2) doctoral
supervisors, (3) provincial-or-higher projects, (4) research conditions; and a discipline has at
most one mobile station (2006 规定 Art. 3). The thresholds are the round's.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from catalogue.models import DoctoralRight
from core.dates import add_years
from establishment.models import Application
from funding.models import Level, Project
from stations.models import Station

# The levels that count as "provincial or higher" (省部级及以上).
PROVINCIAL_OR_HIGHER = (Level.NATIONAL, Level.PROVINCIAL)


@dataclass(frozen=True)
class Item:
    key: str
    title: str | Promise
    met: bool
    figure: str
    sentence: str


@dataclass(frozen=True)
class Checklist:
    on: dt.date
    items: list[Item]

    @property
    def met(self) -> bool:
        return all(item.met for item in self.items)

    @property
    def unmet(self) -> list[Item]:
        return [item for item in self.items if not item.met]


TITLES = {
    "doctoral_rights": gettext_lazy("Doctoral rights and enrolled PhD students"),
    "supervisors": gettext_lazy("Doctoral supervisors among the applicants"),
    "projects": gettext_lazy("Provincial-or-higher projects"),
    "facilities": gettext_lazy("Research facilities"),
    "no_station": gettext_lazy("No mobile station in the discipline yet"),
}


def live_mobile_station(application: Application) -> Station | None:
    """The institution's mobile station in the application's discipline that is not revoked, if any."""
    return (
        Station.objects.filter(
            institution_id=application.institution_id, discipline_id=application.discipline_id, kind=Station.Kind.MOBILE
        )
        .exclude(status=Station.Status.REVOKED)
        .first()
    )


def window_start(application: Application, on: dt.date) -> dt.date:
    """Projects count when awarded in (on − the round's years, on], as the headline figures count."""
    return add_years(on, -application.round.project_years)


def qualifying_projects(application: Application, on: dt.date) -> "Q":
    """Provincial-or-higher projects awarded in the round's window up to `on`, held by postdocs of
    the applying unit (its stations, or supervised in it) or supervised by one of the applicants."""
    applicants = list(application.applicants.values_list("pk", flat=True))
    held_by = (
        Q(holder__station__unit_id=application.unit_id)
        | Q(holder__primary_supervisor__unit_id=application.unit_id)
        | Q(holder__primary_supervisor_id__in=applicants)
        | Q(holder__co_supervisor_id__in=applicants)
    )
    since = window_start(application, on)
    return (
        Q(institution_id=application.institution_id, level__in=PROVINCIAL_OR_HIGHER)
        & Q(awarded_on__gt=since, awarded_on__lte=on)
        & held_by
    )


def checklist(application: Application, on: dt.date) -> Checklist:
    """Every condition, met or not, with its figure and a sentence saying why."""
    return Checklist(
        on=on,
        items=[
            _doctoral_rights(application, on),
            _supervisors(application),
            _projects(application, on),
            _facilities(application),
            _no_station(application),
        ],
    )


def _item(key: str, met: bool, figure: object, sentence: str) -> Item:
    return Item(key=key, title=TITLES[key], met=met, figure=str(figure), sentence=sentence)


def _doctoral_rights(application: Application, on: dt.date) -> Item:
    discipline = application.discipline
    right = (
        DoctoralRight.objects.filter(
            institution_id=application.institution_id, discipline_id=application.discipline_id, since__lte=on
        )
        .filter(Q(until__isnull=True) | Q(until__gt=on))
        .first()
    )
    students = application.enrolled_phd_students
    if right is None:
        sentence = _("The institution has no doctoral degree-granting rights in %(discipline)s on %(date)s.") % {
            "discipline": discipline,
            "date": date_format(on),
        }
        return _item("doctoral_rights", False, students, sentence)
    if students <= 0:
        sentence = _(
            "Doctoral rights in %(discipline)s since %(since)s, but no PhD students are enrolled (the attested count is 0)."
        ) % {"discipline": discipline, "since": date_format(right.since)}
        return _item("doctoral_rights", False, students, sentence)
    sentence = ngettext(
        "Doctoral rights in %(discipline)s since %(since)s; %(n)s PhD student enrolled.",
        "Doctoral rights in %(discipline)s since %(since)s; %(n)s PhD students enrolled.",
        students,
    ) % {"discipline": discipline, "since": date_format(right.since), "n": students}
    return _item("doctoral_rights", True, students, sentence)


def _supervisors(application: Application) -> Item:
    needed = application.round.min_doctoral_supervisors
    count = application.applicants.filter(is_doctoral_supervisor=True).count()
    sentence = ngettext(
        "%(n)s of the applicants is a doctoral supervisor; the round asks for at least %(min)s.",
        "%(n)s of the applicants are doctoral supervisors; the round asks for at least %(min)s.",
        count,
    ) % {"n": count, "min": needed}
    return _item("supervisors", count >= needed, f"{count} / {needed}", sentence)


def _projects(application: Application, on: dt.date) -> Item:
    needed = application.round.min_projects
    count = Project.objects.filter(qualifying_projects(application, on)).count()
    sentence = ngettext(
        "%(n)s provincial-or-higher project awarded after %(since)s, held by postdocs of %(unit)s or supervised "
        "by the applicants; the round asks for at least %(min)s.",
        "%(n)s provincial-or-higher projects awarded after %(since)s, held by postdocs of %(unit)s or supervised "
        "by the applicants; the round asks for at least %(min)s.",
        count,
    ) % {
        "n": count,
        "since": date_format(window_start(application, on)),
        "unit": application.unit,
        "min": needed,
    }
    return _item("projects", count >= needed, f"{count} / {needed}", sentence)


def _facilities(application: Application) -> Item:
    described = bool(application.facilities.strip())
    met = described and application.facilities_attested
    if met:
        sentence = _("The applying unit describes and attests its research facilities.")
    elif described:
        sentence = _("The facilities are described but the applying unit has not attested them.")
    else:
        sentence = _("Describe the research facilities and have the applying unit attest them.")
    return _item("facilities", met, _("yes") if met else _("no"), sentence)


def _no_station(application: Application) -> Item:
    station = live_mobile_station(application)
    if station is not None and station.pk == application.station_id:
        sentence = _("%(discipline)s has its mobile station from this application: %(station)s.") % {
            "discipline": application.discipline,
            "station": station,
        }
        return _item("no_station", True, "1", sentence)
    if station is None:
        sentence = _("%(discipline)s has no mobile station in the institution yet.") % {
            "discipline": application.discipline
        }
        return _item("no_station", True, "0", sentence)
    sentence = _("%(discipline)s already has a mobile station: %(station)s.") % {
        "discipline": application.discipline,
        "station": station,
    }
    return _item("no_station", False, "1", sentence)
