"""A realistic mix of reference files, written here the way Web of Science, Scopus, PubMed,
Zotero, CNKI (中国知网) and Wanfang (万方) export them — 40 entries in 12 files, a few of them
genuinely bad — and the share of it that imports. The lead quotes this share in issue 12."""

import json

from outputs.names import find, name_forms
from outputs.parsers import format_of, parse

WOS_BIB = r"""@Article{ WOS:001000000000001,
Author = {Chen, Boshi and Luo, Yaoqun and Fang, Mingyue},
Title = {{Hepatocyte zonation in $\beta$-catenin deficient organoids}},
Journal = {JOURNAL OF HEPATOLOGY},
Year = {2024},
Volume = {80},
Number = {6},
Pages = {900-912},
Month = {JUN},
DOI = {10.1016/j.jhep.2024.01.001},
ISSN = {0168-8278},
EISSN = {1600-0641},
Affiliation = {Chen, BS (Corresponding Author), Yuzhou Med Univ, Chongqing, Peoples R China.},
}

@InProceedings{ WOS:001000000000002,
Author = {Chen, B. and Li, S.},
Title = {Organoid chips for toxicology},
BookTitle = {2024 IEEE International Conference on Bioinformatics and Biomedicine (BIBM)},
Year = {2024},
Pages = {101-106},
DOI = {10.1109/BIBM62325.2024.10822\_001},
}

@Article{ WOS:001000000000003,
Author = {Zhang, San and Chen, Boshi},
Title = {Liver regeneration after partial hepatectomy},
Journal = {HEPATOLOGY},
Year = {2023},
ISSN = {0270-9139},
}
"""

SCOPUS_RIS = """TY  - JOUR
AU  - Chen, B.
AU  - Wang, W.
TI  - Bile duct organoids in cholestasis
PY  - 2024
T2  - Hepatology Communications
J2  - Hepatol. Commun.
VL  - 8
IS  - 3
SP  - e0401
SN  - 24711047 (ISSN)
DO  - 10.1097/HC9.0000000000000401
N1  - Correspondence Address: Chen, B.; Yuzhou Medical University
ER  -

TY  - CONF
AU  - Chen, B.
TI  - Organoid screening at scale
PY  - 2023
T2  - Proceedings of the 2023 Conference on Organoids
SP  - 55
EP  - 60
ER  -

TY  - JOUR
AU  - Chen, B.
TI  - Unfinished export
PY  - 2024
"""

SCOPUS_BIB = r"""Scopus
EXPORT DATE: 01 March 2025

@ARTICLE{Chen2024101,
	author = {Chen, B. and Zhang, S.},
	title = {Organoid-derived hepatocytes for transplantation},
	year = {2024},
	journal = {Stem Cell Reports},
	volume = {19},
	number = {2},
	pages = {101 – 115},
	doi = {10.1016/j.stemcr.2024.01.002},
	issn = {22136711},
	document_type = {Article},
	source = {Scopus}
}

@ARTICLE{Chen2023a,
	author = {Chen, Boshi},
	title = {Metabolic zonation \& organoids},
	year = {2023},
	journal = {Cell Metabolism},
	volume = {35},
	issn = {15504131; 19327420},
	source = {Scopus}
}

@CONFERENCE{Chen2023b,
	author = {Chen, B.},
	title = {Bioprinting liver tissue},
	year = {2023},
	journal = {Proceedings of the International Conference on Biofabrication},
	pages = {12 – 18},
	source = {Scopus}
}

@BOOK{Chen2022,
	author = {Chen, B.},
	title = {Organoid Methods},
	year = {2022},
	publisher = {Elsevier},
	isbn = {978-012345678-6; 978-012345679-3},
	source = {Scopus}
}
"""

PUBMED_RIS = """TY  - JOUR
DB  - PubMed
AU  - Chen, Boshi
AU  - Li, Si
T1  - Stress hormones and liver organoids.
LA  - eng
SN  - 1873-3360 (Electronic)
SN  - 0306-4530 (Linking)
Y1  - 2023/03/
JF  - Psychoneuroendocrinology
JA  - Psychoneuroendocrinology
VL  - 150
SP  - 106012
DO  - 10.1016/j.psyneuen.2023.106012
ER  -

TY  - JOUR
AU  - Chen, Boshi
T1  - Cortisol and hepatocytes.
SN  - 1873-3360 (Electronic)
Y1  - 2022/11/
JF  - Psychoneuroendocrinology
ER  -
"""

ZOTERO_CSL = [
    {
        "id": "http://zotero.org/users/1/items/AAA",
        "type": "article-journal",
        "title": "肝脏类器官的冷冻保存",
        "container-title": "中华肝脏病杂志",
        "author": [{"family": "陈", "given": "博士"}, {"family": "罗", "given": "耀群"}],
        "issued": {"date-parts": [["2024", 2, 20]]},
        "ISSN": "1007-3418",
    },
    {
        "id": "http://zotero.org/users/1/items/BBB",
        "type": "paper-conference",
        "title": "Organoids <i>in vitro</i>",
        "container-title": "Proceedings of the Organoid Society",
        "author": [{"family": "Chen", "given": "Boshi"}],
        "issued": {"date-parts": [[2023]]},
    },
    {
        "id": "http://zotero.org/users/1/items/CCC",
        "type": "chapter",
        "title": "Liver organoids",
        "container-title": "Methods in Organoid Biology",
        "author": [{"family": "Chen", "given": "Boshi"}],
        "publisher": "Springer",
        "ISBN": "978-0-12-345678-6 978-0-12-345679-3",
        "issued": {"date-parts": [[2022]]},
    },
    {
        "id": "http://zotero.org/users/1/items/DDD",
        "type": "webpage",
        "title": "Lab homepage",
        "author": [{"family": "Chen", "given": "Boshi"}],
        "issued": {"date-parts": [[2024]]},
    },
]

ZOTERO_BIB = r"""@article{chen_organoid_2024,
	title = {Organoid models of {NAFLD}},
	volume = {12},
	issn = {2045-2322},
	doi = {10.1038/s41598-024-00001-2},
	journal = {Scientific Reports},
	author = {Chen, Boshi and 方, 明月},
	year = {2024},
}

@misc{chen_dataset_2023,
	title = {Organoid imaging dataset},
	author = {Chen, Boshi},
	year = {2023},
}

@article{chen_broken_2022,
	title = {Unbalanced {brace,
	author = {Chen, Boshi},
	year = {2022},
}

@book{chen_book_2021,
	title = {Organoids: a primer},
	publisher = {Science Press},
	author = {Chen, Boshi},
	isbn = {978-7-03-036789-1 (hardcover)},
	year = {2021},
}
"""

CNKI_ENDNOTE_TXT = """%0 Journal Article
%A 陈博士;罗耀群;方明月
%+ 渝州医科大学附属第一医院;
%T 肝脏类器官在药物肝毒性评价中的应用
%J 中华肝脏病杂志
%D 2023
%V 31
%N 05
%P 455-460
%@ 1007-3418
%W CNKI

%0 Journal Article
%A 陈博士;王五
%T 类器官芯片研究进展
%J 中国组织工程研究
%D 2024
%N 09
%P 1401-1406
%@ 2095-4344
%W CNKI

%0 Thesis
%A 陈博士
%T 肝脏类器官的构建与应用
%I 渝州医科大学
%9 博士
%D 2022
%W CNKI
"""

CNKI_REFWORKS_TXT = """RT Journal Article
SR 1
A1 陈博士;李四
T1 胆管类器官模型的建立
JF 中国普外基础与临床杂志
YR 2023
IS 08
vo 30
OP 901-906
SN 1007-9424
DS CNKI

RT Journal Article
SR 1
A1 陈博士
T1 类器官与精准医学
JF 医学研究杂志
IS 02
OP 1-5
SN 1673-548X
DS CNKI
"""

CNKI_NOTEEXPRESS_TXT = """{Reference Type}: Journal Article
{Title}: 肝星状细胞类器官共培养体系
{Author}: 陈博士;罗耀群;
{Journal}: 中华肝脏病杂志
{Year}: 2022
{Issue}: 11
{Pages}: 1201-1206
{ISBN/ISSN}: 1007-3418
{Database Provider}: CNKI


{Reference Type}: Patent
{Title}: 一种肝脏类器官培养装置
{Author}: 陈博士;王五
{Date}: 2025-02-14
{Notes}: CN119000001A
{SrcDatabase}: 中国专利


{Reference Type}: Newspaper Article
{Title}: 类器官走进临床
{Author}: 本报记者
{Secondary Title}: 健康报
{Date}: 2024-01-09
{Database Provider}: CNKI


{Reference Type}: Journal Article
{Title}: 类器官技术与肝病研究
{Author}: 陈博士
{Secondary Title}: 肝脏
{Year}: 2024
{ISBN/ISSN}: 1008-1704
{Database Provider}: CNKI
"""

WANFANG_ENW = """%0 Journal Article
%A 陈博士
%A 张三
%T 类器官与肝再生
%J 中国组织工程研究
%D 2024-03-08
%V 28
%N 9
%P 1401-1406
%@ 2095-4344
%R 10.12307/2024.123
%W 万方数据

%0 Journal Article
%A 陈博士
%T 肝脏类器官的标准化培养
%J 中国细胞生物学学报
%D 2023
%@ 1674-7666
%W 万方数据

%0 Journal Article
%A 陈博士
%T 检验位错误的刊号
%J 某期刊
%D 2023
%@ 1674-7667
%W 万方数据
"""


PUBMED_NBIB = """PMID- 38100001
OWN - NLM
STAT- MEDLINE
IS  - 1527-3350 (Electronic)
IS  - 0270-9139 (Linking)
VI  - 79
IP  - 4
DP  - 2024 Apr 1
TI  - Periportal hepatocytes drive regeneration after acetaminophen injury in
      human liver organoids.
PG  - 812-25
LID - 10.1097/HEP.0000000000000612 [doi]
AB  - BACKGROUND AND AIMS: Acetaminophen overdose ...
FAU - Chen, Boshi
AU  - Chen B
AD  - Yuzhou Medical University, Chongqing, China.
FAU - Luo, Yaoqun
AU  - Luo Y
LA  - eng
PT  - Journal Article
PT  - Research Support, Non-U.S. Gov't
DEP - 20231020
TA  - Hepatology
JT  - Hepatology (Baltimore, Md.)
JID - 8302946
AID - 10.1097/HEP.0000000000000612 [doi]
PST - ppublish
SO  - Hepatology. 2024 Apr 1;79(4):812-825. doi: 10.1097/HEP.0000000000000612.

PMID- 38100002
OWN - NLM
STAT- Publisher
IS  - 1471-2407 (Electronic)
VI  - 24
DP  - 2024 Jun
TI  - Organoid-based drug screening in hepatocellular carcinoma: a systematic
      review and meta-analysis.
PG  - 701
LID - 10.1186/s12885-024-12345-6 [doi]
FAU - Fang, Mingyue
AU  - Fang M
FAU - Chen, Boshi
AU  - Chen B
PT  - Systematic Review
PT  - Meta-Analysis
TA  - BMC Cancer
JT  - BMC cancer

PMID- 38100003
OWN - NLM
STAT- MEDLINE
DP  - 2024 Aug
TI  - Reply to: "Zonation or plasticity?"
PG  - E55-E56
AU  - Chen B
AU  - Luo Y
PT  - Letter
PT  - Comment
TA  - Hepatology
JT  - Hepatology (Baltimore, Md.)

PMID- 38100004
OWN - NLM
STAT- PubMed-not-MEDLINE
DP  - 2024 May
TI  - Erratum: Periportal hepatocytes drive regeneration after acetaminophen injury.
AU  - Chen B
PT  - Published Erratum
TA  - Hepatology
JT  - Hepatology (Baltimore, Md.)
"""

WOS_TXT = """FN Clarivate Analytics Web of Science
VR 1.0
PT J
AU Chen, BS
   Luo, YQ
   Fang, MY
AF Chen, Boshi
   Luo, Yaoqun
   Fang, Mingyue
TI Spatial transcriptomics of bile duct organoids in primary sclerosing
   cholangitis
SO JOURNAL OF HEPATOLOGY
LA English
DT Article
C1 [Chen, Boshi; Luo, Yaoqun] Yuzhou Med Univ, Chongqing 400016, Peoples R China.
RP Chen, BS (corresponding author), Yuzhou Med Univ, Chongqing 400016, Peoples R China.
J9 J HEPATOL
JI J. Hepatol.
PD NOV
PY 2024
VL 81
IS 5
BP 845
EP 858
DI 10.1016/j.jhep.2024.06.020
SN 0168-8278
EI 1600-0641
UT WOS:001300000000001
ER

PT J
AU Wang, W
   Chen, BS
AF Wang, Wu
   Chen, Boshi
TI Organoids as models of drug-induced liver injury
SO HEPATOLOGY COMMUNICATIONS
DT Review
PD JAN 2
PY 2025
VL 9
IS 1
AR e0610
DI 10.1097/HC9.0000000000000610
EI 2471-254X
UT WOS:001400000000002
ER

PT S
AU Chen, B
AF Chen, Boshi
TI Deep learning segmentation of hepatic organoid images
SO Lecture Notes in Computer Science
DT Proceedings Paper
PY 2024
VL 15003
BP 55
EP 64
DI 10.1007/978-3-031-72384-1_6
SN 0302-9743
BN 978-3-031-72383-4
UT WOS:001340000000003
ER

PT J
AU Chen, BS
AF Chen, Boshi
TI Correction to: Spatial transcriptomics of bile duct organoids
SO JOURNAL OF HEPATOLOGY
DT Correction
PY 2025
VL 82
DI 10.1016/j.jhep.2025.01.003
SN 0168-8278
UT WOS:001400000000004
ER

EF
"""


def mixed_files() -> list[tuple[str, str]]:
    return [
        ("savedrecs.bib", WOS_BIB),
        ("scopus.ris", SCOPUS_RIS),
        ("scopus.bib", SCOPUS_BIB),
        ("pubmed-chenboshi.nbib.ris", PUBMED_RIS),
        ("My Library.json", json.dumps(ZOTERO_CSL, ensure_ascii=False, indent=2)),
        ("My Library.bib", ZOTERO_BIB),
        ("CNKI-638400000000000000.txt", CNKI_ENDNOTE_TXT),
        ("CNKI-refworks.txt", CNKI_REFWORKS_TXT),
        ("CNKI-noteexpress.txt", CNKI_NOTEEXPRESS_TXT),
        ("wanfang.enw", WANFANG_ENW),
        ("pubmed-chenboshi-set.nbib", PUBMED_NBIB),
        ("savedrecs.txt", WOS_TXT),
    ]


def test_a_realistic_mix_of_reference_files_mostly_imports():
    read, importable, refused = 0, [], []
    for name, text in mixed_files():
        fmt = format_of(name)
        assert fmt is not None, name
        parsed = parse(text.encode(), fmt)
        assert parsed.problems == [], (name, parsed.problems)
        read += parsed.read
        importable += parsed.entries
        refused += [(name, r["label"], r["reasons"][0]) for r in parsed.refused]
    reasons = sorted(reason.split(";")[0].split(" (")[0] for _name, _label, reason in refused)
    assert reasons == [
        "it cannot be read: a brace or quote is not closed, a comma or an equals sign is missing, or the entry key is not followed by a comma.",
        "it does not end with an ER line.",
        "it has no year.",
        "it is a notice about another paper",
        "it is a notice about another paper",
        "its type “@misc” is not one recorded here",
        "its type “Newspaper Article” is not one recorded here",
        "its type “Thesis” is not one recorded here",
        "its type “webpage” is not one recorded here",
        "“1674-7667” is not a valid ISSN",
    ]
    # 75 %: 4 are kinds not recorded here, 2 notices about another paper (an erratum, a correction), 4 broken
    assert (read, len(importable)) == (40, 30)
    # Every importable entry names the postdoc, in whatever form the database printed her name.
    forms = name_forms("陈博士", "Boshi Chen")
    assert all(find(entry["authors"], forms).position for entry in importable)
