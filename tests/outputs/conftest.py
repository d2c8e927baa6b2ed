"""Research outputs around the shared world: `world.appointment` is 陈博士's stay in S1002 (entered
2024-03-01, live), linked to the `postdoc` account; sample files name her among Chinese and
English authors ("Chen Boshi", "B. Chen", "陈博士")."""

import datetime as dt
from typing import Any

from appointments.models import Appointment
from outputs.models import Output
from outputs.services import output_record
from tests.factories import World

BIBTEX = r"""% Exported from Zotero
@article{chen2024cells,
  title     = {Single-cell atlas of the {H}uman liver: a {CRISPR} screen},
  author    = {Chen, Boshi and M{\"u}ller, Hans* and Zhang, San},
  journal   = {Nature Communications},
  year      = {2024},
  month     = oct,
  day       = {15},
  volume    = {15},
  number    = {4},
  pages     = {101--115},
  doi       = {https://doi.org/10.1038/S41467-024-00001-X},
  issn      = {2041-1723},
  corresponding = {Chen, Boshi},
}

@inproceedings{zhang2023conf,
  title     = {肝脏类器官的构建与应用},
  author    = {张三 and 陈博士 and 李四},
  booktitle = {中华医学会年会论文集},
  year      = 2023,
}

@book{chen2025book,
  title     = {Liver Organoids},
  author    = {B. Chen and Wang, Wu},
  publisher = {Science Press},
  isbn      = {7-03-012345-X},
  year      = {2025},
}
"""

RIS = """TY  - JOUR
TI  - Organoid models of hepatitis
AU  - Li, Si
AU  - Chen, Boshi
PY  - 2024
DA  - 2024/06/01/
JO  - Journal of Hepatology
SN  - 0168-8278
DO  - doi:10.1016/j.jhep.2024.01.001
VL  - 80
IS  - 6
SP  - 900
EP  - 912
N1  - Corresponding author: Chen, Boshi
ER  -

TY  - PAT
TI  - 一种肝脏类器官培养装置
AU  - 陈博士
AU  - 王五
PY  - 2025
SN  - ZL202510000001.2
ER  -
"""

CSL_JSON = """[
  {
    "id": "liver-2024",
    "type": "article-journal",
    "title": "Liver zonation in mice",
    "author": [{"family": "Zhang", "given": "San"}, {"family": "Chen", "given": "Boshi"}],
    "container-title": "Cell",
    "ISSN": ["0092-8674"],
    "DOI": "10.1016/j.cell.2024.02.002",
    "issued": {"date-parts": [[2024, 5, 20]]}
  },
  {
    "id": "standard-1",
    "type": "standard",
    "title": "肝脏类器官质量控制规范",
    "author": [{"literal": "陈博士"}],
    "number": "T/CSCB 0001-2025",
    "issued": {"date-parts": [[2025]]}
  }
]
"""


def record(world: World, appointment: Appointment | None = None, **details: Any) -> Output:
    """A paper of 陈博士 in station (2024-06-01), first of two authors, through the service."""
    by = details.pop("by", world.admin)
    data: dict[str, Any] = {
        "kind": "paper",
        "title": "Hepatocyte plasticity",
        "year": 2024,
        "published_on": dt.date(2024, 6, 1),
        "authors": "陈博士\n李四",
        "author_position": 1,
        "doi": "10.1000/hepato.2024.1",
        "journal": "Hepatology",
    }
    data.update(details)
    return output_record(appointment=appointment or world.appointment, by=by, **data)
