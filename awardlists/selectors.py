"""What matching an award list reads of the institution, in four queries (the matching itself, in
`awardlists.matching`, reads no database)."""

from appointments.models import Appointment
from awardlists.matching import (
    Candidate,
    DisciplineIndex,
    MatchContext,
    has_han,
    host_names,
    likely_forms,
    number_key,
    person_keys,
)
from awardlists.models import HostName
from catalogue.models import Discipline, Institution, Unit


def load_context(institution: Institution) -> MatchContext:
    """What matching needs of an institution, in four queries whatever the list's length: its
    names (its own, its units', the aliases kept in `HostName`, the likely forms of its name), the discipline catalogue and its
    appointments with their people and stations."""
    names = [institution.name_zh, institution.name_en]
    zh_names = [institution.name_zh]
    likely = likely_forms(institution.name_zh, institution.province)
    for name_zh, name_en in Unit.objects.filter(institution=institution).order_by().values_list("name_zh", "name_en"):
        names += [name_zh, name_en]
    aliases = list(HostName.objects.filter(institution=institution).order_by().values_list("name", flat=True))
    names += aliases
    zh_names += [alias for alias in aliases if has_han(alias)]
    disciplines = DisciplineIndex.build(Discipline.objects.order_by().values_list("code", "name_zh", "name_en"))
    rows = (
        Appointment.objects.filter(institution=institution)
        .order_by()
        .values_list(
            "pk",
            "person_id",
            "person__name",
            "person__name_en",
            "postdoc_no",
            "station_id",
            "station__name_zh",
            "station__discipline__code",
            "entry_date",
            "status",
        )
    )
    candidates: dict[int, Candidate] = {}
    by_number: dict[str, Candidate] = {}
    for pk, person_id, name, name_en, number, station_id, station, code, entry, status in rows:
        candidate = Candidate(pk, person_id, name, name_en, number, station_id, station, code, entry, status)
        candidate.keys = person_keys(name, name_en)
        candidates[pk] = candidate
        by_number[number_key(number)] = candidate
    return MatchContext(host_names(names, zh_names, likely), disciplines, candidates, by_number)
