"""The API's types for the headline figures."""

from ninja import Field, Schema


class CoverageOut(Schema):
    with_station: int
    doctoral_disciplines: int
    missing: list[str]


class ProjectsByLevelOut(Schema):
    national: int
    provincial: int
    municipal: int
    university: int


class StatsOut(Schema):
    as_of: str
    window_years: int
    recruited: int
    recruited_still_in_station: int
    in_station: int
    projects: int
    projects_by_level: ProjectsByLevelOut = Field(
        description="the same projects by the level each counts at (the institution's mapping); sums to projects"
    )
    coverage: CoverageOut
