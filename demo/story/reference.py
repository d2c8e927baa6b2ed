"""The demo institution's reference data: its name, the story's figures, units, stations, supervisors per station, entrants per period."""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from catalogue.models import Unit
from stations.models import Station

DEMO_CODE = "YZMU"
DEMO_NAME_ZH = "渝州医科大学"
DEMO_NAME_EN = "Yuzhou Medical University"
DEFAULT_TODAY = dt.date(2026, 11, 15)
SEED = 20231115
EARLIEST_TODAY = dt.date(2024, 6, 1)

# The story (facts.md §0) and the window its figures are read over: (as_of − 3 years, as_of].
STORY_AS_OF = dt.date(2023, 11, 30)
STORY_YEARS = 3
STORY_WINDOW = (dt.date(2020, 11, 30), STORY_AS_OF)
STORY_RECRUITED = 642
STORY_STILL_IN_STATION = 632
STORY_PROJECTS = 1263

SIGN_IN_URL = "http://127.0.0.1:8000/"


CATALOGUE_CSV = Path(__file__).resolve().parents[2] / "catalogue" / "data" / "disciplines.csv"

# ---------------------------------------------------------------------------------------------
# Reference data of the demo institution
# ---------------------------------------------------------------------------------------------

UNITS: list[tuple[str, str, str, str]] = [
    # code, name_zh, name_en, kind
    ("C01", "基础医学院", "College of Basic Medicine", Unit.Kind.COLLEGE),
    ("C02", "第一临床学院", "First Clinical College", Unit.Kind.COLLEGE),
    ("C03", "第二临床学院", "Second Clinical College", Unit.Kind.COLLEGE),
    ("C04", "儿科学院", "College of Pediatrics", Unit.Kind.COLLEGE),
    ("C05", "口腔医学院", "College of Stomatology", Unit.Kind.COLLEGE),
    ("C06", "公共卫生学院", "School of Public Health", Unit.Kind.COLLEGE),
    ("C07", "药学院", "College of Pharmacy", Unit.Kind.COLLEGE),
    ("C08", "中医药学院", "College of Traditional Chinese Medicine", Unit.Kind.COLLEGE),
    ("C09", "护理学院", "School of Nursing", Unit.Kind.COLLEGE),
    ("C10", "医学检验学院", "College of Laboratory Medicine", Unit.Kind.COLLEGE),
    ("H01", "附属第一医院", "The First Affiliated Hospital", Unit.Kind.HOSPITAL),
    ("H02", "附属第二医院", "The Second Affiliated Hospital", Unit.Kind.HOSPITAL),
    ("H03", "附属儿童医院", "Children's Hospital", Unit.Kind.HOSPITAL),
    ("H04", "附属口腔医院", "Stomatological Hospital", Unit.Kind.HOSPITAL),
    ("H05", "附属第三医院", "The Third Affiliated Hospital", Unit.Kind.HOSPITAL),
    ("H06", "附属中医医院", "Affiliated Hospital of Traditional Chinese Medicine", Unit.Kind.HOSPITAL),
    ("I01", "生命科学研究院", "Institute of Life Sciences", Unit.Kind.INSTITUTE),
    ("E01", "渝州康华生物医药有限公司", "Yuzhou Kanghua Biopharmaceutical Co., Ltd.", Unit.Kind.ENTERPRISE),
]


@dataclass(frozen=True)
class StationPlan:
    code: str
    kind: str
    discipline: str | None
    unit: str
    name_zh: str
    name_en: str
    established_on: dt.date
    approval_no: str
    right_since: dt.date | None  # doctoral degree-granting right in the discipline


STATIONS: list[StationPlan] = [
    StationPlan(
        "S1002",
        Station.Kind.MOBILE,
        "1002",
        "C02",
        "临床医学博士后科研流动站",
        "Postdoctoral Research Station of Clinical Medicine",
        dt.date(1999, 12, 10),
        "人发〔1999〕148号",
        dt.date(1998, 6, 20),
    ),
    StationPlan(
        "S1001",
        Station.Kind.MOBILE,
        "1001",
        "C01",
        "基础医学博士后科研流动站",
        "Postdoctoral Research Station of Basic Medicine",
        dt.date(2003, 9, 18),
        "国人部发〔2003〕23号",
        dt.date(1998, 6, 20),
    ),
    StationPlan(
        "S1004",
        Station.Kind.MOBILE,
        "1004",
        "C06",
        "公共卫生与预防医学博士后科研流动站",
        "Postdoctoral Research Station of Public Health and Preventive Medicine",
        dt.date(2007, 10, 24),
        "国人部发〔2007〕118号",
        dt.date(2003, 9, 1),
    ),
    StationPlan(
        "S1007",
        Station.Kind.MOBILE,
        "1007",
        "C07",
        "药学博士后科研流动站",
        "Postdoctoral Research Station of Pharmacy",
        dt.date(2009, 11, 6),
        "人社部发〔2009〕139号",
        dt.date(2006, 1, 25),
    ),
    StationPlan(
        "S1003",
        Station.Kind.MOBILE,
        "1003",
        "C05",
        "口腔医学博士后科研流动站",
        "Postdoctoral Research Station of Stomatology",
        dt.date(2012, 8, 20),
        "人社部发〔2012〕51号",
        dt.date(2006, 1, 25),
    ),
    StationPlan(
        "S1005",
        Station.Kind.MOBILE,
        "1005",
        "C08",
        "中医学博士后科研流动站",
        "Postdoctoral Research Station of Chinese Medicine",
        dt.date(2013, 11, 15),
        "人社部发〔2013〕103号",
        dt.date(2011, 3, 8),
    ),
    StationPlan(
        "S1011",
        Station.Kind.MOBILE,
        "1011",
        "C09",
        "护理学博士后科研流动站",
        "Postdoctoral Research Station of Nursing",
        dt.date(2016, 11, 18),
        "人社部发〔2016〕117号",
        dt.date(2011, 8, 5),
    ),
    StationPlan(
        "S0710",
        Station.Kind.MOBILE,
        "0710",
        "C01",
        "生物学博士后科研流动站",
        "Postdoctoral Research Station of Biology",
        dt.date(2023, 11, 15),
        "人社部函〔2023〕172号",
        dt.date(2021, 10, 18),
    ),
    StationPlan(
        "W001",
        Station.Kind.WORKSTATION,
        None,
        "E01",
        "渝州康华生物医药有限公司博士后科研工作站",
        "Postdoctoral Workstation of Yuzhou Kanghua Biopharmaceutical",
        dt.date(2016, 6, 28),
        "人社部发〔2016〕56号",
        None,
    ),
]
DOCTORAL_DISCIPLINES = ("1001", "1002", "1003", "1004", "1005", "1007", "1011", "0710")
BIOLOGY = "S0710"  # the eighth station, set up by its 2023 application (demo/reviews.py)

# Supervisors per station: (unit, how many).
SUPERVISOR_UNITS: dict[str, list[tuple[str, int]]] = {
    "S1002": [("H01", 30), ("H02", 22), ("H03", 14), ("H05", 8), ("C02", 3), ("C03", 3)],
    "S1001": [("C01", 22), ("I01", 6), ("C10", 2)],
    "S1003": [("C05", 6), ("H04", 8)],
    "S1004": [("C06", 16)],
    "S1005": [("C08", 6), ("H06", 6)],
    "S1007": [("C07", 18)],
    "S1011": [("C09", 5), ("H01", 3)],
    "S0710": [("C01", 6), ("I01", 10)],
    "W001": [("E01", 6)],
}

# Share of each year's entrants by station (the biology station admits from 2024 on).
STATION_WEIGHTS = {
    "S1002": 44,
    "S1001": 14,
    "S1004": 8,
    "S1007": 9,
    "S1003": 7,
    "S1005": 6,
    "S1011": 4,
    "S0710": 8,
}
BIOLOGY_FIRST_ENTRY = dt.date(2024, 3, 1)
JOINT_STATIONS = {"S1001", "S1007", "S0710"}

# Entrants per period: (first day, last day, how many). The three middle periods are the story's window.
PERIODS: list[tuple[dt.date, dt.date, int]] = [
    (dt.date(2015, 1, 1), dt.date(2015, 12, 31), 36),
    (dt.date(2016, 1, 1), dt.date(2016, 12, 31), 44),
    (dt.date(2017, 1, 1), dt.date(2017, 12, 31), 53),
    (dt.date(2018, 1, 1), dt.date(2018, 12, 31), 68),
    (dt.date(2019, 1, 1), dt.date(2019, 12, 31), 90),
    (dt.date(2020, 1, 1), dt.date(2020, 11, 30), 118),
    (dt.date(2020, 12, 1), dt.date(2021, 11, 30), 193),
    (dt.date(2021, 12, 1), dt.date(2022, 11, 30), 210),
    (dt.date(2022, 12, 1), dt.date(2023, 11, 30), 239),
    (dt.date(2023, 12, 1), dt.date(2024, 11, 30), 250),
    (dt.date(2024, 12, 1), dt.date(2025, 11, 30), 268),
    (dt.date(2025, 12, 1), dt.date(2026, 11, 30), 280),
]
ADMITTED_NOT_ENTERED = 24
MONTH_WEIGHTS = [6, 4, 9, 9, 8, 10, 14, 12, 13, 10, 9, 8]
