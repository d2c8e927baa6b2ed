"""The demo institution: 渝州医科大学 (Yuzhou Medical University, invented), built through the services.

It retells the story of shared/domain/facts.md §0 with invented people: eight first-level
disciplines with doctoral rights, one mobile station for each (biology's opened on 2023-11-15),
an enterprise workstation for joint training, about two hundred supervisors and some two thousand
postdocs from 2015 on, with every path through the life cycle and projects at every level.

Two stages: `build_plan` decides everything in memory from a seeded random generator and a fixed
"today" (so two loads are identical), and `load_demo` carries the plan out through the services,
so every record has its audit trail. The plan is tuned so that the figures as of 2023-11-30 over
three years are the story's: 642 recruited, 632 of them still in station, 1,263 projects.
"""

import csv
import datetime as dt
import hashlib
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import account_link, institution_set_up, role_assign, user_create
from appointments.models import Appointment, Grade
from appointments.services import (
    appointment_admit,
    appointment_enter,
    appointment_exit,
    appointment_extend,
    appointment_transfer,
    appointment_withdraw,
    assessment_record,
    phd_certificate_record,
)
from catalogue.models import Discipline, Institution, Unit
from catalogue.services import discipline_save, doctoral_right_grant, unit_save
from core import demo_reviews
from core.bulk import new_record, refresh_statistics
from core.dates import add_months, full_months_between, full_years_between
from core.errors import DomainError
from core.idnumbers import resident_id_check_char
from funding.lookup import FunderIndex
from funding.models import Funder, Level, Programme, Project
from funding.services import (
    funder_save,
    level_rule_save,
    programme_save,
    project_apply,
    project_reject,
    projects_record,
)
from outputs.services import output_record
from people.models import Person, Supervisor
from people.services import person_create, supervisor_save
from stations.models import Station
from stations.services import station_create

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
ADMIN_PASSWORD = "admin"  # noqa: S105 - the demo's documented sign-in
DEMO_PASSWORD = "demo"  # noqa: S105 - the demo's documented sign-in
DEMO_ACCOUNTS = ("admin", "secretary", "supervisor", "postdoc", "leadership")

CATALOGUE_CSV = Path(__file__).resolve().parent.parent / "catalogue" / "data" / "disciplines.csv"

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
BIOLOGY = "S0710"  # the eighth station, set up by its 2023 application (core/demo_reviews.py)

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

# ---------------------------------------------------------------------------------------------
# Names (invented: family and given names drawn from lists), places, institutions
# ---------------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


FAMILY_NAMES = _words(
    "王Wang 李Li 张Zhang 刘Liu 陈Chen 杨Yang 黄Huang 赵Zhao 吴Wu 周Zhou 徐Xu 孙Sun 马Ma 朱Zhu 胡Hu 郭Guo 何He 高Gao 林Lin "
    "罗Luo 郑Zheng 梁Liang 谢Xie 宋Song 唐Tang 许Xu 韩Han 冯Feng 邓Deng 曹Cao 彭Peng 曾Zeng 肖Xiao 田Tian 董Dong 袁Yuan "
    "潘Pan 蒋Jiang 蔡Cai 余Yu 杜Du 叶Ye 程Cheng 苏Su 魏Wei 吕Lyu 丁Ding 任Ren 沈Shen 姚Yao 卢Lu 钟Zhong 谭Tan 陆Lu 汪Wang "
    "范Fan 石Shi 廖Liao 贾Jia 夏Xia 付Fu 方Fang 邹Zou 熊Xiong 秦Qin 江Jiang 尹Yin 薛Xue 段Duan 雷Lei 侯Hou 龙Long 陶Tao 黎Li "
    "贺He 顾Gu 毛Mao 龚Gong 万Wan 向Xiang 冉Ran 牟Mou 文Wen 蒲Pu 代Dai 游You 谯Qiao 母Mu 易Yi 况Kuang"
)
MALE_GIVEN = _words(
    "伟Wei 强Qiang 磊Lei 军Jun 勇Yong 杰Jie 涛Tao 斌Bin 超Chao 明Ming 刚Gang 平Ping 辉Hui 鹏Peng 华Hua 飞Fei 鑫Xin 波Bo 宇Yu "
    "浩Hao 凯Kai 健Jian 俊Jun 帆Fan 旭Xu 宁Ning 龙Long 阳Yang 峰Feng 建Jian 志Zhi 博Bo 晨Chen 亮Liang 成Cheng 立Li 家Jia "
    "天Tian 振Zhen 国Guo 海Hai 睿Rui 川Chuan 毅Yi 彬Bin 昊Hao 然Ran 远Yuan 铭Ming 哲Zhe 翔Xiang 航Hang 坤Kun 松Song 春Chun "
    "文Wen 嘉Jia 思Si 子Zi 一Yi"
)
FEMALE_GIVEN = _words(
    "芳Fang 娜Na 敏Min 静Jing 丽Li 艳Yan 娟Juan 霞Xia 燕Yan 玲Ling 婷Ting 雪Xue 琳Lin 慧Hui 颖Ying 倩Qian 洁Jie 蕾Lei 璐Lu "
    "萍Ping 红Hong 佳Jia 欣Xin 月Yue 晶Jing 梅Mei 瑶Yao 悦Yue 琪Qi 雯Wen 思Si 雨Yu 晓Xiao 梦Meng 诗Shi 嘉Jia 妍Yan 蓉Rong "
    "莉Li 丹Dan 春Chun 秋Qiu 露Lu 薇Wei 岚Lan 一Yi"
)

FOREIGN_PEOPLE: list[tuple[str, list[str], list[str]]] = [
    # nationality, given names, family names (combined at random)
    ("巴基斯坦", ["Ahmad", "Bilal", "Imran", "Sana", "Ayesha", "Usman"], ["Qureshi", "Siddiqui", "Javed", "Malik"]),
    ("尼泊尔", ["Rajan", "Sita", "Bikash", "Anita"], ["Shrestha", "Karki", "Gurung", "Thapa"]),
    ("孟加拉国", ["Rahim", "Nusrat", "Tanvir"], ["Hossain", "Chowdhury", "Akter"]),
    ("埃及", ["Omar", "Nadia", "Karim"], ["Mahmoud", "Saleh", "Fathy"]),
]

# Chongqing county-level region codes (first six characters of a resident ID).
REGION_CODES = _words(
    "500101 500102 500103 500104 500105 500106 500107 500108 500109 500110 500111 500112 500113 500114 "
    "500115 500116 500117 500118 500119 500120 500151 500152 500153 500154 500155 500156 500229 500230 "
    "500231 500233 500235 500236 500237 500238 500240 500241 500242 500243"
)

PHD_INSTITUTIONS = [
    (DEMO_NAME_ZH, 16),
    ("四川大学", 10),
    ("重庆大学", 6),
    ("陆军军医大学", 7),
    ("西南大学", 4),
    ("中南大学", 6),
    ("华中科技大学", 6),
    ("武汉大学", 4),
    ("中山大学", 4),
    ("复旦大学", 3),
    ("上海交通大学", 3),
    ("浙江大学", 3),
    ("北京大学", 2),
    ("北京协和医学院", 2),
    ("首都医科大学", 2),
    ("南京医科大学", 3),
    ("中国医科大学", 2),
    ("山东大学", 2),
    ("吉林大学", 2),
    ("西安交通大学", 3),
    ("南方医科大学", 3),
    ("中国药科大学", 2),
    ("成都中医药大学", 3),
    ("北京中医药大学", 1),
    ("兰州大学", 2),
    ("郑州大学", 2),
    ("温州医科大学", 1),
    ("哈尔滨医科大学", 1),
    ("苏州大学", 2),
]
TCM_PHD = ["成都中医药大学", "北京中医药大学", "广州中医药大学", "上海中医药大学", DEMO_NAME_ZH]

EXTERNAL_EXPERTS = [
    "四川大学华西医院",
    "陆军军医大学",
    "重庆大学",
    "西南大学",
    "四川大学",
    "中南大学湘雅医院",
    "重庆市疾病预防控制中心",
    "中国科学院重庆绿色智能技术研究院",
    "成都中医药大学",
    "西南医科大学",
]
TRANSFER_DESTINATIONS = [
    "四川大学 基础医学博士后科研流动站",
    "陆军军医大学 临床医学博士后科研流动站",
    "上海交通大学 临床医学博士后科研流动站",
    "重庆大学 生物医学工程博士后科研流动站",
    "中山大学 药学博士后科研流动站",
    "西南大学 生物学博士后科研流动站",
    "浙江大学 公共卫生与预防医学博士后科研流动站",
]

# ---------------------------------------------------------------------------------------------
# Project titles by discipline group
# ---------------------------------------------------------------------------------------------

_DISEASES = {
    "S1002": [
        "肝细胞癌",
        "结直肠癌",
        "脓毒症",
        "急性肾损伤",
        "动脉粥样硬化",
        "心力衰竭",
        "儿童哮喘",
        "川崎病",
        "抑郁症",
        "非酒精性脂肪性肝病",
        "类风湿关节炎",
        "缺血性脑卒中",
        "胃癌",
        "卵巢癌",
        "新生儿缺氧缺血性脑病",
    ],
    "S1001": ["肿瘤转移", "神经退行性病变", "病毒感染", "心肌纤维化", "肝纤维化", "免疫耐受", "代谢综合征", "骨质疏松"],
    "S0710": ["细胞衰老", "干细胞分化", "线粒体稳态", "肠道菌群", "蛋白质稳态", "表观遗传重编程"],
    "S1003": ["牙周炎", "口腔鳞状细胞癌", "颌骨缺损", "种植体周围炎", "牙髓再生", "唇腭裂"],
    "S1007": ["抗肿瘤药物", "纳米递药系统", "抗菌肽", "靶向制剂", "天然产物", "药物代谢"],
    "S1004": ["慢性病", "出生缺陷", "环境暴露", "儿童肥胖", "传染病传播", "老年衰弱"],
    "S1005": ["慢性心衰", "糖尿病肾病", "溃疡性结肠炎", "失眠", "慢性胃炎", "类风湿关节炎"],
    "S1011": ["老年慢病", "肿瘤患者", "早产儿", "ICU患者", "脑卒中患者", "糖尿病患者"],
}
_MOLECULES = [
    "circRNA",
    "lncRNA",
    "m6A甲基化",
    "铁死亡",
    "焦亡",
    "外泌体",
    "NLRP3炎症小体",
    "自噬",
    "巨噬细胞极化",
    "线粒体自噬",
    "Wnt/β-catenin通路",
    "YAP/TAZ",
    "cGAS-STING通路",
    "单细胞转录组",
    "泛素化修饰",
    "代谢重编程",
]
_TEMPLATES: dict[str, list[str]] = {
    "bio": [
        "{m}调控{d}发生发展的分子机制研究",
        "基于{m}的{d}早期诊断标志物研究",
        "{m}介导{d}进展的作用及机制",
        "靶向{m}干预{d}的实验研究",
    ],
    "S1007": ["{d}的结构优化与药效学研究", "新型{d}的设计、合成及活性评价", "基于{m}的{d}作用机制研究"],
    "S1004": ["{d}的队列研究与风险预测模型构建", "{d}危险因素的流行病学研究", "{d}防控策略的卫生经济学评价"],
    "S1005": [
        "经典名方干预{d}的作用机制研究",
        "基于网络药理学的中药复方治疗{d}机制研究",
        "针刺治疗{d}的临床与机制研究",
    ],
    "S1011": ["{d}延续性护理干预方案的构建与应用", "{d}症状群管理的护理研究", "基于互联网的{d}自我管理干预研究"],
    "S1003": ["{m}在{d}中的作用机制研究", "{d}组织再生的生物材料研究", "{d}的早期诊断与干预研究"],
}

ASSESSMENT_COMMENTS = {
    ("proposal", True): [
        "选题具有重要科学意义，研究目标明确，技术路线可行，同意开题。",
        "研究方案设计合理，前期基础扎实，同意开题，建议细化实验分组。",
        "选题贴近临床需求，研究内容充实，同意开题。",
    ],
    ("proposal", False): ["研究目标不够明确，技术路线需进一步论证，请一个月内修改后重新开题。"],
    ("midterm", True): [
        "按计划完成阶段性研究任务，已发表SCI论文1篇，研究进展良好。",
        "研究工作按开题计划推进，已获中国博士后科学基金资助，考核通过。",
        "完成主要实验，数据完整，建议加快论文撰写。",
    ],
    ("midterm", False): ["研究进展明显滞后，未完成开题计划的主要任务，考勤记录不全，考核不合格。"],
    ("annual", True): ["年度工作量饱满，按计划推进研究。", "年度考核合格，科研进展符合预期。"],
    ("exit", True): [
        "完成博士后研究报告，研究成果达到出站要求，同意出站。",
        "在站期间发表高水平论文，主持省部级以上项目，研究报告质量较高，同意出站。",
        "研究报告结构完整，结论可靠，同意出站。",
    ],
}
EXTENSION_REASONS = [
    "主持国家自然科学基金青年科学基金项目，依托单位承诺延长在站期至项目结题。",
    "获中国博士后科学基金特别资助，研究需延续。",
    "动物实验周期延长，研究课题尚未完成，经合作导师同意申请延期。",
    "临床样本收集进度滞后，需延长在站时间完成研究报告。",
    "休产假，经本人申请、合作导师同意延长在站期。",
    "承担重庆市自然科学基金博士后科学基金项目，延期至项目完成。",
]
WITHDRAWAL_NOTES: dict[str, list[str]] = {
    Appointment.WithdrawalGround.PERSONAL: ["已获聘其他单位正式岗位，本人申请退站。", "因家庭原因本人申请退站。"],
    Appointment.WithdrawalGround.FAILED_ASSESSMENT: ["中期考核不合格，按学校博士后管理办法作退站处理。"],
    Appointment.WithdrawalGround.NO_PHD_CERTIFICATE: ["进站满6个月仍未提交博士学位证书，按规定退站。"],
    Appointment.WithdrawalGround.ILLNESS: ["因病不能坚持正常科研工作，本人申请退站。"],
    Appointment.WithdrawalGround.NO_EXIT_ON_EXPIRY: ["在站期满无正当理由未办理出站，按规定退站。"],
    Appointment.WithdrawalGround.OVERSTAY_ABROAD: ["出国逾期未归超过30日，按规定退站。"],
    Appointment.WithdrawalGround.DISCIPLINE: ["连续旷工超过15日，按规定退站。"],
}
AGE_EXCEPTION = "附属医院在职临床医师，进站年龄超过35周岁；经学校博士后工作领导小组审议同意，报市博士后管理办公室备案。"
PHD_YEARS_EXCEPTION = "在职人员，博士毕业已逾3年；临床科研骨干，经博士后管理办公室审核同意进站。"
SECOND_STATION_EXCEPTION = "第二站博士后，博士毕业已逾3年；经博士后管理办公室审核同意进站（在站总时间不超过6年）。"
EARLY_EXIT_EXCEPTION = (
    "已获聘高校副教授岗位，研究任务提前完成且出站考核合格；经博士后管理办公室批准提前出站（在站不足21个月）。"
)

# ---------------------------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------------------------


@dataclass
class SupervisorPlan:
    staff_no: str
    name: str
    name_en: str
    unit: str
    station: str
    title: str
    is_external: bool


@dataclass
class PersonPlan:
    key: int
    name: str
    name_en: str
    gender: str
    birth_date: dt.date
    id_type: str
    id_number: str
    nationality: str = "中国"
    is_foreign: bool = False
    phd_institution: str = ""
    phd_date: dt.date | None = None
    prior_postdoc_months: int = 0
    email: str = ""


@dataclass
class Step:
    on: dt.date
    kind: str  # enter, certificate, assessment, extend, exit, withdraw, transfer
    data: dict[str, Any] = field(default_factory=dict)


_STEP_ORDER = {"enter": 0, "certificate": 1, "assessment": 2, "extend": 3, "exit": 5, "withdraw": 5, "transfer": 5}
_END_STATUS = {
    "exit": Appointment.Status.EXITED,
    "withdraw": Appointment.Status.WITHDRAWN,
    "transfer": Appointment.Status.TRANSFERRED,
}


@dataclass
class ProjectPlan:
    kind: str
    awarded_on: dt.date
    title: str
    funder: str
    programme: str
    level: str
    amount: int
    years: int  # how long it runs
    number: str = ""
    status: str = Project.Status.AWARDED
    # The catalogue's records (funder code, programme code: blank for a funder's programme it does
    # not list) and the details the programme text used to carry.
    funder_code: str = ""
    programme_code: str = ""
    grade: str = ""
    batch: str = ""
    # Known for the applications the office kept (`plan_research`): then the award counts in the
    # programme's success rate.
    applied_on: dt.date | None = None

    @property
    def ended_on(self) -> dt.date | None:
        """A completed project ended when its funding period did."""
        return add_months(self.awarded_on, 12 * self.years) if self.status == Project.Status.COMPLETED else None


@dataclass
class ApplicationPlan:
    """An application the office recorded that was not funded (`rejected_on`) or waits for its
    decision (`rejected_on` None): written through `project_apply` and `project_reject`."""

    kind: str  # cpsf, nsfc or cqnsf
    number: str
    title: str
    funder_code: str
    programme_code: str
    applied_on: dt.date
    rejected_on: dt.date | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    commitment: dt.date | None = None


@dataclass
class OutputPlan:
    """A research output (a paper or a patent), written through `outputs.services.output_record`."""

    kind: str
    title: str
    published_on: dt.date
    authors: list[str]
    author_position: int
    corresponding: bool = False
    doi: str = ""
    journal: str = ""
    issn: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    number: str = ""
    patent_kind: str = ""
    granted_on: dt.date | None = None


@dataclass
class AppointmentPlan:
    postdoc_no: str
    person: PersonPlan
    station: str
    supervisor: str
    entry_date: dt.date
    planned_exit_date: dt.date
    co_supervisor: str | None = None
    route: str = Appointment.Route.INDEPENDENT
    workstation: str | None = None
    admit_exception: str = ""
    steps: list[Step] = field(default_factory=list)
    projects: list[ProjectPlan] = field(default_factory=list)
    applications: list[ApplicationPlan] = field(default_factory=list)
    outputs: list[OutputPlan] = field(default_factory=list)

    @property
    def entered(self) -> bool:
        return any(step.kind == "enter" for step in self.steps)

    @property
    def end_step(self) -> Step | None:
        return next((step for step in self.steps if step.kind in _END_STATUS), None)

    @property
    def ended_on(self) -> dt.date | None:
        end = self.end_step
        return end.on if end else None

    @property
    def status(self) -> str:
        end = self.end_step
        if end is not None:
            return _END_STATUS[end.kind]
        if not self.entered:
            return Appointment.Status.ADMITTED
        if any(step.kind == "extend" for step in self.steps):
            return Appointment.Status.EXTENDED
        return Appointment.Status.IN_STATION

    @property
    def final_planned_exit(self) -> dt.date:
        extensions = [step.data["until"] for step in self.steps if step.kind == "extend"]
        return extensions[-1] if extensions else self.planned_exit_date

    def in_station_on(self, day: dt.date) -> bool:
        if not self.entered or self.entry_date > day:
            return False
        return self.ended_on is None or self.ended_on > day


@dataclass
class DemoPlan:
    today: dt.date
    supervisors: list[SupervisorPlan]
    appointments: list[AppointmentPlan]

    @property
    def projects(self) -> list[tuple[AppointmentPlan, ProjectPlan]]:
        return [(a, p) for a in self.appointments for p in a.projects]

    def figures(self, as_of: dt.date = STORY_AS_OF, years: int = STORY_YEARS) -> dict[str, int]:
        """The headline figures the plan will produce (reports.selectors' definitions)."""
        start = add_months(as_of, -12 * years)
        recruited = [a for a in self.appointments if a.entered and start < a.entry_date <= as_of]
        return {
            "recruited": len(recruited),
            "recruited_still_in_station": sum(a.in_station_on(as_of) for a in recruited),
            "in_station": sum(a.in_station_on(as_of) for a in self.appointments),
            "projects": sum(start < p.awarded_on <= as_of for _, p in self.projects),
        }

    def digest(self) -> str:
        return records_digest(_plan_rows(self))


def _plan_rows(plan: DemoPlan) -> list[tuple[Any, ...]]:
    return [
        (
            a.postdoc_no,
            a.person.name,
            a.person.id_number,
            a.person.birth_date,
            a.supervisor,
            a.entry_date,
            a.final_planned_exit,
            a.status,
            a.ended_on,
            len(a.projects) + len(a.applications),
        )
        for a in plan.appointments
    ]


def records_digest(rows: Any) -> str:
    """A SHA-256 over the appointments' identifying facts, sorted by postdoc number."""
    digest = hashlib.sha256()
    for row in sorted(rows, key=lambda r: r[0]):
        digest.update("|".join("" if v is None else str(v) for v in row).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def database_digest(institution: Institution) -> str:
    """The same digest as `DemoPlan.digest`, read back from the database."""
    appointments = (
        Appointment.objects.filter(station__institution=institution)
        .select_related("person", "primary_supervisor")
        .order_by("postdoc_no")
    )
    project_counts = Counter(Project.objects.filter(institution=institution).values_list("holder_id", flat=True))
    return records_digest(
        (
            a.postdoc_no,
            a.person.name,
            a.person.id_number,
            a.person.birth_date,
            a.primary_supervisor.staff_no,
            a.entry_date,
            a.planned_exit_date,
            a.status,
            a.ended_on,
            project_counts.get(a.pk, 0),
        )
        for a in appointments
    )


# ---------------------------------------------------------------------------------------------
# Building the plan
# ---------------------------------------------------------------------------------------------

_G = Grade
_PASS_GRADES = [(_G.EXCELLENT, 18), (_G.GOOD, 50), (_G.PASS, 32)]
_EXIT_GRADES = [(_G.EXCELLENT, 26), (_G.GOOD, 52), (_G.PASS, 22)]
_CPSF_DATES = ((5, 26), (11, 20))  # when the two 面上 batches of a year were announced


def project_title(rng: random.Random, station: str) -> str:
    disease = rng.choice(_DISEASES[station])
    templates = _TEMPLATES.get(station, _TEMPLATES["bio"])
    return rng.choice(templates).format(m=rng.choice(_MOLECULES), d=disease)


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def _month_end(year: int, month: int) -> dt.date:
    return add_months(dt.date(year, month, 1), 1) - _days(1)


def cpsf_batch(year: int, half: int) -> int:
    """面上 batch number: the 57th in 2015, two a year (the 69th in the first half of 2021)."""
    return 57 + 2 * (year - 2015) + half


class _Builder:
    def __init__(self, *, seed: int, today: dt.date) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
        self.today = today
        self.used_ids: set[str] = set()
        self.used_names: set[str] = set()
        self.person_keys = 0
        self.supervisors: list[SupervisorPlan] = []
        self.by_station: dict[str, list[SupervisorPlan]] = defaultdict(list)
        self.supervisor_weights: dict[str, list[float]] = {}
        self.stations = {s.code: s for s in STATIONS}

    # -- small helpers -----------------------------------------------------------------------

    def pick(self, weighted: list[tuple[Any, int]]) -> Any:
        return self.rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]

    def between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + _days(self.rng.randint(0, max(0, (end - start).days)))

    def chinese_name(self, gender: str) -> tuple[str, str]:
        given = MALE_GIVEN if gender == Person.Gender.MALE else FEMALE_GIVEN
        for _attempt in range(20):
            family = self.rng.choice(FAMILY_NAMES[:30] if self.rng.random() < 0.7 else FAMILY_NAMES)
            chars = [self.rng.choice(given)]
            if self.rng.random() < 0.72:
                chars.append(self.rng.choice(given))
            name = family[0] + "".join(c[0] for c in chars)
            if chars[0][0] == (chars[1][0] if len(chars) > 1 else "") or name in self.used_names:
                continue
            self.used_names.add(name)
            latin = chars[0][1:] + "".join(c[1:].lower() for c in chars[1:])
            return name, f"{family[1:]} {latin}"
        raise RuntimeError("ran out of names")  # pragma: no cover

    def resident_id(self, birth: dt.date, gender: str) -> str:
        while True:
            region = self.rng.choice(REGION_CODES)
            serial = self.rng.randint(0, 99) * 10 + self.rng.choice(
                (1, 3, 5, 7, 9) if gender == Person.Gender.MALE else (0, 2, 4, 6, 8)
            )
            first17 = f"{region}{birth:%Y%m%d}{serial:03d}"
            number = first17 + resident_id_check_char(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    # -- supervisors -------------------------------------------------------------------------

    def build_supervisors(self) -> None:
        serial = 0
        for station, units in SUPERVISOR_UNITS.items():
            for unit, count in units:
                for _ in range(count):
                    serial += 1
                    gender = Person.Gender.MALE if self.rng.random() < 0.72 else Person.Gender.FEMALE
                    name, name_en = self.chinese_name(gender)
                    external = unit == "E01"
                    if external:
                        title = self.pick([("研究员", 3), ("正高级工程师", 2)])
                    elif unit.startswith("H"):
                        title = self.pick([("主任医师", 70), ("教授", 20), ("副教授", 10)])
                    else:
                        title = self.pick([("教授", 60), ("研究员", 25), ("副教授", 15)])
                    staff_no = f"WB{serial:03d}" if external else f"YZ{10000 + serial * 7:05d}"
                    plan = SupervisorPlan(staff_no, name, name_en, unit, station, title, external)
                    self.supervisors.append(plan)
                    self.by_station[station].append(plan)
        for station, people in self.by_station.items():
            self.supervisor_weights[station] = [1 / (rank + 1) ** 0.8 for rank in range(len(people))]

    def supervisor_for(self, station: str, *, exclude: str | None = None) -> SupervisorPlan:
        people, weights = self.by_station[station], self.supervisor_weights[station]
        while True:
            chosen = self.rng.choices(people, weights)[0]
            if chosen.staff_no != exclude:
                return chosen

    # -- entrants ----------------------------------------------------------------------------

    def date_in(self, start: dt.date, end: dt.date) -> dt.date:
        months: list[tuple[int, int]] = []
        cursor = dt.date(start.year, start.month, 1)
        while cursor <= end:
            months.append((cursor.year, cursor.month))
            cursor = add_months(cursor, 1)
        year, month = self.rng.choices(months, [MONTH_WEIGHTS[m - 1] for _, m in months])[0]
        low = max(start, dt.date(year, month, 1))
        high = min(end, _month_end(year, month))
        return self.between(low, high)

    def entry_dates(self) -> list[dt.date]:
        dates: list[dt.date] = []
        for start, end, count in PERIODS:
            if start > self.today:
                break
            last = min(end, self.today)
            if last < end:
                count = round(count * ((last - start).days + 1) / ((end - start).days + 1))
            dates += [self.date_in(start, last) for _ in range(count)]
        return sorted(dates)

    def station_for(self, day: dt.date) -> str:
        options = [
            (code, weight)
            for code, weight in STATION_WEIGHTS.items()
            if self.stations[code].established_on < day and (code != "S0710" or day >= BIOLOGY_FIRST_ENTRY)
        ]
        return str(self.pick(options))

    def person(
        self,
        entry: dt.date,
        station: str,
        *,
        age: int | None = None,
        phd_years_ago: int | None = None,
        foreign: bool = False,
        fresh: bool | None = None,
        prior_months: int = 0,
    ) -> PersonPlan:
        rng = self.rng
        self.person_keys += 1
        gender = Person.Gender.MALE if rng.random() < 0.53 else Person.Gender.FEMALE
        if age is None:
            age = self.pick([(27, 4), (28, 9), (29, 15), (30, 18), (31, 17), (32, 14), (33, 10), (34, 7), (35, 5)])
        birth = add_months(entry, -12 * age) - _days(rng.randint(1, 360))
        assert full_years_between(birth, entry) == age
        # The PhD: mostly at a June or December graduation in the three years before entry.
        if fresh is None:
            fresh = rng.random() < 0.08
        graduations = [
            dt.date(year, month, day)
            for year in range(entry.year - 8, entry.year + 1)
            for month, day in ((6, 24), (12, 18))
        ]
        if fresh:
            phd = next(g for g in graduations if g > entry - _days(1)) if graduations[-1] > entry else None
            if phd is None or phd > entry + _days(75):
                phd, fresh = None, False
        else:
            phd = None
        if phd is None:
            if phd_years_ago is not None:
                target = add_months(entry, -12 * phd_years_ago - rng.randint(1, 8))
                phd = max(g for g in graduations if g <= target)
            else:
                recent = [g for g in graduations if add_months(entry, -34) <= g <= entry - _days(14)]
                phd = self.rng.choices(recent, [len(recent) - i + 2 for i in range(len(recent))][::-1])[0]
        institution = rng.choice(TCM_PHD) if station == "S1005" else self.pick(PHD_INSTITUTIONS)
        if foreign:
            nationality, given, family = rng.choice(FOREIGN_PEOPLE)
            first, last = rng.choice(given), rng.choice(family)
            name = name_en = f"{first} {last}"
            id_type, id_number = Person.IdType.PASSPORT, f"{last[0]}{rng.randint(1000000, 9999999)}"
            institution = self.pick(PHD_INSTITUTIONS[:8])
        else:
            nationality = "中国"
            name, name_en = self.chinese_name(gender)
            id_type, id_number = Person.IdType.RESIDENT_ID, self.resident_id(birth, gender)
        slug = name_en.lower().replace(" ", ".")
        return PersonPlan(
            key=self.person_keys,
            name=name,
            name_en=name_en,
            gender=gender,
            birth_date=birth,
            id_type=id_type,
            id_number=id_number,
            nationality=nationality,
            is_foreign=foreign,
            phd_institution=institution,
            phd_date=phd,
            prior_postdoc_months=prior_months,
            email=f"{slug}{self.person_keys}@postdoc.yzmu.example",
        )

    # -- panels and grades -------------------------------------------------------------------

    def panel(self, station: str, supervisor: str, size: int = 5, external: int = 2) -> str:
        internal = [s for s in self.by_station[station] if s.staff_no != supervisor and not s.is_external]
        chosen = self.rng.sample(internal, min(size - external, len(internal)))
        outside = []
        for _ in range(external):
            name, _latin = self.chinese_name(self.rng.choice(list(Person.Gender)))
            self.used_names.discard(name)
            outside.append(f"{name}（校外·{self.rng.choice(EXTERNAL_EXPERTS)}）")
        members = [f"{s.name}（{s.title}）" for s in chosen] + outside
        return f"组长：{members[0]}；成员：{'、'.join(members[1:])}（共{len(members)}人，校外{external}人）"

    def assessment(self, a: AppointmentPlan, kind: str, on: dt.date, *, fail: bool = False, grades: Any = None) -> Step:
        grade = _G.FAIL if fail else self.pick(grades or _PASS_GRADES)
        comments = self.rng.choice(ASSESSMENT_COMMENTS[(kind, not fail)])
        size = self.rng.choice((5, 5, 7)) if kind in ("midterm", "exit") else 5
        return Step(
            on,
            "assessment",
            {
                "kind": kind,
                "grade": grade,
                "panel": self.panel(a.station, a.supervisor, size=size, external=2 if size == 5 else 3),
                "comments": comments,
            },
        )

    # -- a stay from entry to its end --------------------------------------------------------

    def life(
        self,
        a: AppointmentPlan,
        path: str,
        *,
        extensions: int = 0,
        ground: str = "",
        min_end: dt.date | None = None,
        exit_exception: str = "",
        end_on: dt.date | None = None,
    ) -> None:
        """Writes the steps of one appointment: entry, certificate, assessments, extensions, the end."""
        rng = self.rng
        entry = a.entry_date
        person = a.person
        if min_end is not None and path in ("withdraw", "transfer"):
            if a.planned_exit_date < add_months(min_end, 3):
                a.planned_exit_date = add_months(entry, 36)
            if ground in (
                Appointment.WithdrawalGround.FAILED_ASSESSMENT,
                Appointment.WithdrawalGround.NO_PHD_CERTIFICATE,
            ):
                ground = Appointment.WithdrawalGround.PERSONAL
            if max(add_months(entry, 4), min_end) > a.planned_exit_date - _days(30):
                path, ground = "exit", ""
        steps = [Step(entry, "enter")]
        if ground == Appointment.WithdrawalGround.NO_PHD_CERTIFICATE:
            person.phd_date = None
        elif person.phd_date and person.phd_date > entry:
            steps.append(Step(person.phd_date + _days(rng.randint(3, 20)), "certificate"))
        else:
            steps.append(Step(entry, "certificate"))

        planned = a.planned_exit_date
        end: dt.date
        midterm_fail = False
        if path == "exit":
            # A foreign postdoc may exit after twelve months (facts.md §1.3); half of them do.
            foreign_early = person.is_foreign and min_end is None and end_on is None and rng.random() < 0.5
            if foreign_early or end_on is not None:
                extensions = 0
            if min_end is not None and extensions == 0 and planned < min_end + _days(20):
                if rng.random() < 0.6:
                    a.planned_exit_date = planned = add_months(entry, 36)
                else:
                    extensions = 1
            # Six years at most across stations (a little margin for months counted as begun).
            limit = add_months(entry, 70 - person.prior_postdoc_months)
            reasons = [r for r in EXTENSION_REASONS if person.gender == Person.Gender.FEMALE or "产假" not in r]
            for _ in range(extensions):
                new = add_months(planned, rng.choice((6, 12, 12)))
                while min_end is not None and new < min_end + _days(20):
                    new = add_months(new, 6)
                if new > limit:
                    break
                steps.append(
                    Step(planned - _days(rng.randint(15, 75)), "extend", {"until": new, "reason": rng.choice(reasons)})
                )
                planned = new
            if foreign_early:
                end = add_months(entry, 12) + _days(rng.randint(5, 60))
            else:
                end = planned + _days(rng.randint(-20, 10))
            if min_end is not None:
                end = max(end, min_end + _days(rng.randint(0, 25)))
        elif path == "transfer":
            low = max(add_months(entry, 6), min_end or entry)
            end = self.between(low, min(add_months(entry, 20), planned - _days(30)))
        else:  # withdraw
            if ground == Appointment.WithdrawalGround.FAILED_ASSESSMENT:
                midterm_fail = True
                end = add_months(entry, 12) + _days(rng.randint(20, 100))
            elif ground == Appointment.WithdrawalGround.NO_PHD_CERTIFICATE:
                end = add_months(entry, 6) + _days(rng.randint(5, 40))
            elif ground == Appointment.WithdrawalGround.NO_EXIT_ON_EXPIRY:
                end = planned + _days(rng.randint(30, 90))
            else:
                low = max(add_months(entry, 3), min_end or entry)
                end = self.between(low, max(low, planned - _days(30)))
        if end_on is not None:
            end = end_on

        # Assessments while in station.
        proposal = entry + _days(rng.randint(30, 85))
        if proposal < end:
            redo = rng.random() < 0.03
            steps.append(self.assessment(a, "proposal", proposal, fail=redo))
            if redo and proposal + _days(30) < end:
                steps.append(self.assessment(a, "proposal", proposal + _days(rng.randint(25, 30))))
        midterm = add_months(entry, 12) + _days(rng.randint(0, 75))
        if midterm_fail:
            midterm = end - _days(rng.randint(20, 60))
        if midterm < end:
            steps.append(self.assessment(a, "midterm", midterm, fail=midterm_fail))
        years = 2
        while add_months(entry, 12 * years) + _days(40) < end - _days(45):
            steps.append(self.assessment(a, "annual", add_months(entry, 12 * years) + _days(rng.randint(0, 40))))
            years += 1
        if path == "exit":
            steps.append(self.assessment(a, "exit", end - _days(rng.randint(10, 45)), grades=_EXIT_GRADES))
            steps.append(Step(end, "exit", {"exception": exit_exception}))
        elif path == "transfer":
            steps.append(
                Step(
                    end,
                    "transfer",
                    {
                        "to": rng.choice(TRANSFER_DESTINATIONS),
                        "note": "本人申请转入其他博士后科研流动站，不发放出站证书。",
                    },
                )
            )
        else:
            steps.append(Step(end, "withdraw", {"ground": ground, "note": rng.choice(WITHDRAWAL_NOTES[ground])}))

        steps = [s for s in steps if s.on <= self.today]
        steps.sort(key=lambda s: (s.on, _STEP_ORDER[s.kind]))
        a.steps = steps

    def random_path(self, a: AppointmentPlan, *, min_end: dt.date | None) -> None:
        roll = self.rng.random()
        if roll < 0.045:
            ground = self.pick(
                [
                    (Appointment.WithdrawalGround.PERSONAL, 45),
                    (Appointment.WithdrawalGround.FAILED_ASSESSMENT, 18),
                    (Appointment.WithdrawalGround.ILLNESS, 10),
                    (Appointment.WithdrawalGround.NO_EXIT_ON_EXPIRY, 10),
                    (Appointment.WithdrawalGround.DISCIPLINE, 5),
                    (Appointment.WithdrawalGround.OVERSTAY_ABROAD, 4),
                    (Appointment.WithdrawalGround.NO_PHD_CERTIFICATE, 4),
                ]
            )
            self.life(a, "withdraw", ground=ground, min_end=min_end)
        elif roll < 0.065:
            self.life(a, "transfer", min_end=min_end)
        else:
            roll = self.rng.random()
            extensions = 2 if roll < 0.06 else 1 if roll < 0.28 else 0
            self.life(a, "exit", extensions=extensions, min_end=min_end)

    # -- projects ----------------------------------------------------------------------------

    def title(self, station: str) -> str:
        return project_title(self.rng, station)

    def project(self, a: AppointmentPlan, kind: str, on: dt.date) -> ProjectPlan:
        """One project of a kind, with its funder and programme as the catalogue has them (shipped,
        or the demo's own, `OWN_FUNDERS`): its level is the one the institution's mapping gives."""
        year = on.year
        title = self.title(a.station)

        def plan(
            funder: str, programme: str, level: str, amount: int, years: int, ref: str, **extra: Any
        ) -> ProjectPlan:
            funder_code, _, programme_code = ref.partition(":")
            return ProjectPlan(
                kind,
                on,
                title,
                funder,
                programme,
                level,
                amount,
                years,
                funder_code=funder_code,
                programme_code=programme_code,
                **extra,
            )

        if kind == "startup":
            if year >= 2021:
                return plan(
                    DEMO_NAME_ZH, "博士后倍增计划·科研启动资助", Level.UNIVERSITY, 50000, 2, "YZMU:multiply-startup"
                )
            return plan(DEMO_NAME_ZH, "博士后科研启动基金", Level.UNIVERSITY, 30000, 2, "YZMU:startup")
        if kind == "extra":
            return plan(
                DEMO_NAME_ZH, "博士后倍增计划·优秀博士后专项", Level.UNIVERSITY, 100000, 2, "YZMU:multiply-excellent"
            )
        if kind == "cpsf":
            half = 0 if on.month < 9 else 1
            first = self.rng.random() < 0.3
            amount = (120000 if first else 80000) if year >= 2020 else (80000 if first else 50000)
            return plan(
                "中国博士后科学基金会",
                "面上资助",
                Level.PROVINCIAL,
                amount,
                2,
                "CPSF:general",
                batch=f"第{cpsf_batch(year, half)}批",
                grade="一等" if first else "二等",
            )
        if kind == "special":
            amount = 180000 if year >= 2017 else 150000
            return plan(
                "中国博士后科学基金会",
                "特别资助（站中）",
                Level.PROVINCIAL,
                amount,
                2,
                "CPSF:special-in",
                batch=f"第{year - 2007}批",
            )
        if kind == "boxin":
            return plan("全国博士后管理委员会办公室", "博士后创新人才支持计划", Level.NATIONAL, 600000, 2, "NPMC:boxin")
        if kind == "intro":
            return plan(
                "全国博士后管理委员会办公室", "博士后国际交流计划引进项目", Level.NATIONAL, 400000, 2, "NPMC:intl-intro"
            )
        if kind == "nsfc":
            programme = "青年科学基金项目（C类）" if year >= 2025 else "青年科学基金项目"
            amount = 300000 if year >= 2019 else 200000
            return plan("国家自然科学基金委员会", programme, Level.NATIONAL, amount, 3, "NSFC:young-c")
        if kind == "cqnsf":
            return plan(
                "重庆市科学技术局",
                "重庆市自然科学基金博士后科学基金项目",
                Level.PROVINCIAL,
                100000,
                2,
                "CQ-STB:cqnsf-postdoc",
            )
        if kind == "cqspecial":
            first = self.rng.random() < 0.35
            return plan(
                "重庆市人力资源和社会保障局",
                "重庆市博士后科研项目特别资助",
                Level.PROVINCIAL,
                100000 if first else 50000,
                2,
                "CQ-HRSS:special",
                grade="一等" if first else "二等",
            )
        if kind == "stay":
            return plan(
                "重庆市人力资源和社会保障局", "博士后出站留（来）渝资助", Level.PROVINCIAL, 150000, 3, "CQ-HRSS:stay"
            )
        if kind == "health":
            return plan(
                "重庆市卫生健康委员会", "重庆市医学科研项目（青年项目）", Level.MUNICIPAL, 50000, 2, "CQ-HEALTH"
            )
        if kind == "education":
            return plan("重庆市教育委员会", "科学技术研究项目（青年项目）", Level.MUNICIPAL, 30000, 2, "CQ-EDU")
        assert kind == "tcm"
        return plan("重庆市中医药管理局", "中医药科技项目", Level.MUNICIPAL, 50000, 2, "CQ-TCM:tcm")

    def projects_for(self, a: AppointmentPlan) -> None:
        if not a.entered:
            return
        rng, entry = self.rng, a.entry_date
        until = min(a.ended_on or self.today, self.today)
        age = full_years_between(a.person.birth_date, entry)
        out: list[ProjectPlan] = []

        def yearly(month: int, day: int, *, applied_by: tuple[int, int] | None = None, lead: int = 90) -> list[dt.date]:
            dates = []
            for year in range(entry.year, until.year + 1):
                on = dt.date(year, month, day)
                ready = dt.date(year, *applied_by) if applied_by else on - _days(lead)
                if entry <= ready and on <= until:
                    dates.append(on)
            return dates

        startup = entry + _days(rng.randint(20, 110))
        if startup <= until and rng.random() < 0.86:
            out.append(self.project(a, "startup", startup))
        batches = [
            dt.date(year, month, day)
            for year in range(entry.year, entry.year + 3)
            for month, day in _CPSF_DATES
            if entry + _days(60) < dt.date(year, month, day) <= min(add_months(entry, 18), until)
        ]
        if batches and rng.random() < 0.40:
            out.append(self.project(a, "cpsf", rng.choice(batches)))
        special = [d for d in yearly(6, 28, lead=180) if d.year >= 2015]
        if special and rng.random() < 0.07:
            out.append(self.project(a, "special", rng.choice(special)))
        if age <= 31 and entry >= dt.date(2016, 6, 1) and rng.random() < 0.03:
            on = entry + _days(rng.randint(0, 20))
            if on <= until:
                out.append(self.project(a, "boxin", on))
        elif entry >= dt.date(2017, 1, 1) and rng.random() < 0.008:
            on = entry + _days(rng.randint(0, 30))
            if on <= until:
                out.append(self.project(a, "intro", on))
        nsfc = yearly(8, 25, applied_by=(3, 1))
        if nsfc and rng.random() < 0.30:
            out.append(self.project(a, "nsfc", rng.choice(nsfc)))
        cqnsf = [d for d in yearly(9, 15, applied_by=(4, 1)) if d.year >= 2021]
        if cqnsf and rng.random() < 0.25:
            out.append(self.project(a, "cqnsf", rng.choice(cqnsf)))
        cqspecial = [d for d in yearly(10, 20, applied_by=(5, 1)) if d.year <= 2020]
        if cqspecial and rng.random() < 0.25:
            out.append(self.project(a, "cqspecial", rng.choice(cqspecial)))
        if a.status == Appointment.Status.EXITED and a.ended_on and a.ended_on >= dt.date(2020, 11, 6):
            on = a.ended_on + _days(rng.randint(60, 200))
            if on <= self.today and rng.random() < 0.3:
                out.append(self.project(a, "stay", on))
        municipal = {
            "S1005": ("tcm", (5, 20), 0.30),
            "S1001": ("education", (10, 25), 0.14),
            "S1007": ("education", (10, 25), 0.14),
            "S0710": ("education", (10, 25), 0.14),
        }
        kind, (month, day), chance = municipal.get(a.station, ("health", (7, 10), 0.20))
        dates = yearly(month, day)
        if dates and rng.random() < chance:
            out.append(self.project(a, kind, rng.choice(dates)))
        a.projects = sorted(out, key=lambda p: p.awarded_on)

    def fit_projects(self, appointments: list[AppointmentPlan]) -> None:
        """Removes or adds university-level projects until the story's window holds exactly 1,263."""
        start, end = STORY_WINDOW
        in_window = [(a, p) for a in appointments for p in a.projects if start < p.awarded_on <= end]
        excess = len(in_window) - STORY_PROJECTS
        if excess > 0:
            removable = [(a, p) for a, p in in_window if p.kind in ("startup", "health", "education", "tcm")]
            for a, p in self.rng.sample(removable, excess):
                a.projects.remove(p)
        elif excess < 0:
            candidates = [
                a
                for a in appointments
                if a.entered
                and a.entry_date < end - _days(60)
                and (a.ended_on is None or a.ended_on > start + _days(60))
            ]
            for a in self.rng.sample(candidates, -excess):
                low = max(a.entry_date + _days(30), start + _days(1))
                high = min(a.ended_on or end, end)
                a.projects.append(self.project(a, "extra", self.between(low, high)))
                a.projects.sort(key=lambda p: p.awarded_on)

    def number_projects(self, appointments: list[AppointmentPlan]) -> None:
        serials: dict[tuple[str, int], int] = {}
        pairs = sorted(
            ((a, p) for a in appointments for p in a.projects), key=lambda x: (x[1].awarded_on, x[0].postdoc_no)
        )
        for a, p in pairs:
            year = p.awarded_on.year
            key = (p.kind, year)
            serials[key] = serials.get(key, self.rng.randint(20, 300)) + self.rng.randint(1, 9)
            n = serials[key]
            p.number = {
                "startup": f"YZBH{year}{n:04d}" if year >= 2021 else f"YZQD{year}{n:04d}",
                "extra": f"YZBH{year}Y{n:03d}",
                "cpsf": f"{year}M{cpsf_batch(year, 0 if p.awarded_on.month < 9 else 1)}{n:04d}",
                "special": f"{year}T{year - 2007}{n:04d}",
                "boxin": f"BX{year}{n:04d}",
                "intro": f"YJ{year}{n:04d}",
                "nsfc": f"{'3' if a.station == 'S0710' else '8'}{year % 100:02d}{n:05d}",
                "cqnsf": f"cstc{year}jcyj-bshX{n:04d}" if year <= 2022 else f"CSTB{year}NSCQ-BSHX{n:04d}",
                "cqspecial": f"Xm{year}{n:03d}",
                "stay": f"{year}LY{n:04d}",
                "health": f"{year}QNXM{n:03d}",
                "education": f"KJQN{year}00{n:03d}",
                "tcm": f"{year}ZY{n:04d}",
            }[p.kind]
            finished = add_months(p.awarded_on, 12 * p.years) <= self.today
            if finished:
                p.status = Project.Status.COMPLETED
            elif a.status == Appointment.Status.WITHDRAWN:
                p.status = Project.Status.TERMINATED

    # -- the whole plan ----------------------------------------------------------------------

    def build(self) -> DemoPlan:
        rng = self.rng
        self.build_supervisors()
        dates = self.entry_dates()
        start, end = STORY_WINDOW
        window = [i for i, d in enumerate(dates) if start < d <= end]
        designated: dict[int, str] = {}
        for kind, low, high in [
            ("exit_normal", dt.date(2020, 12, 1), dt.date(2021, 3, 31)),
            ("exit_normal", dt.date(2020, 12, 1), dt.date(2021, 3, 31)),
            ("exit_normal", dt.date(2020, 12, 1), dt.date(2021, 3, 31)),
            ("exit_foreign", dt.date(2021, 9, 1), dt.date(2022, 6, 30)),
            ("exit_early", dt.date(2021, 6, 1), dt.date(2021, 12, 31)),
            ("withdraw_midterm", dt.date(2022, 1, 1), dt.date(2022, 6, 30)),
            ("withdraw_no_certificate", dt.date(2022, 7, 1), dt.date(2023, 1, 31)),
            ("withdraw_personal", dt.date(2022, 10, 1), dt.date(2023, 4, 30)),
            ("transfer", dt.date(2021, 3, 1), dt.date(2022, 10, 31)),
            ("transfer", dt.date(2021, 3, 1), dt.date(2022, 10, 31)),
        ]:
            candidates = [i for i in window if low <= dates[i] <= high and i not in designated]
            designated[rng.choice(candidates)] = kind
        others = [i for i in range(len(dates)) if i not in designated]
        age_exceptions = set(rng.sample(others, 7))
        phd_exceptions = set(rng.sample([i for i in others if i not in age_exceptions], 4))
        foreign = set(rng.sample([i for i in others if dates[i] >= dt.date(2017, 1, 1)], 4))

        appointments: list[AppointmentPlan] = []
        for i, entry in enumerate(dates):
            kind = designated.get(i, "")
            station = self.station_for(entry)
            exception = ""
            if i in age_exceptions:
                station = "S1002"
                person = self.person(entry, station, age=rng.choice((36, 36, 37, 38)))
                exception = AGE_EXCEPTION
            elif i in phd_exceptions:
                station = "S1002"
                person = self.person(entry, station, age=rng.choice((33, 34, 35)), phd_years_ago=rng.choice((4, 5)))
                exception = PHD_YEARS_EXCEPTION
            elif kind == "withdraw_no_certificate":
                person = self.person(entry, station, fresh=True)
            else:
                prior = rng.choice((12, 18, 24)) if rng.random() < 0.01 else 0
                person = self.person(
                    entry,
                    station,
                    foreign=(i in foreign or kind == "exit_foreign"),
                    prior_months=prior,
                    age=rng.choice((33, 34, 35)) if prior else None,
                )
            appointments.append(self.appointment(entry, station, person, exception=exception))
            a = appointments[-1]
            min_end = end + _days(1) if start < entry <= end and not kind else None
            if kind == "exit_normal":
                a.planned_exit_date = add_months(entry, 24)
                self.life(a, "exit")
            elif kind == "exit_foreign":
                self.life(a, "exit", end_on=add_months(entry, 12) + _days(rng.randint(5, 60)))
            elif kind == "exit_early":
                early = add_months(entry, 18) + _days(rng.randint(0, 40))
                self.life(a, "exit", exit_exception=EARLY_EXIT_EXCEPTION, end_on=early)
            elif kind == "withdraw_midterm":
                self.life(a, "withdraw", ground=Appointment.WithdrawalGround.FAILED_ASSESSMENT)
            elif kind == "withdraw_no_certificate":
                self.life(a, "withdraw", ground=Appointment.WithdrawalGround.NO_PHD_CERTIFICATE)
            elif kind == "withdraw_personal":
                personal = entry + _days(rng.randint(90, 200))
                self.life(a, "withdraw", ground=Appointment.WithdrawalGround.PERSONAL, end_on=personal)
            elif kind == "transfer":
                self.life(a, "transfer", end_on=entry + _days(rng.randint(240, 390)))
            else:
                self.random_path(a, min_end=min_end)
            self.check_total(a)

        appointments += self.second_stations(appointments)
        appointments += self.admitted_not_entered()
        appointments.sort(key=lambda a: (a.entry_date, a.station, a.person.key))
        self.number_appointments(appointments)
        for a in appointments:
            self.projects_for(a)
        self.fit_projects(appointments)
        self.number_projects(appointments)
        return DemoPlan(today=self.today, supervisors=self.supervisors, appointments=appointments)

    def appointment(
        self, entry: dt.date, station: str, person: PersonPlan, *, exception: str = "", months: int | None = None
    ) -> AppointmentPlan:
        rng = self.rng
        supervisor = self.supervisor_for(station)
        a = AppointmentPlan(
            postdoc_no="",
            person=person,
            station=station,
            supervisor=supervisor.staff_no,
            entry_date=entry,
            planned_exit_date=add_months(entry, months or (36 if rng.random() < 0.3 else 24)),
            admit_exception=exception,
        )
        if station in JOINT_STATIONS and entry > self.stations["W001"].established_on and rng.random() < 0.14:
            a.route, a.workstation = Appointment.Route.JOINT, "W001"
            a.co_supervisor = self.supervisor_for("W001").staff_no
        elif rng.random() < 0.1:
            a.co_supervisor = self.supervisor_for(station, exclude=supervisor.staff_no).staff_no
        return a

    def check_total(self, a: AppointmentPlan) -> None:
        """Keeps the total time within six years across stations by dropping late extensions."""
        while True:
            end = a.ended_on or a.final_planned_exit
            total = a.person.prior_postdoc_months + full_months_between(a.entry_date, end) + 1
            extensions = [s for s in a.steps if s.kind == "extend"]
            if total <= 70 or not extensions:
                return
            a.steps.remove(extensions[-1])

    def second_stations(self, appointments: list[AppointmentPlan]) -> list[AppointmentPlan]:
        """A few postdocs who exit and start a second station here (6 years in total at most)."""
        candidates = [
            a
            for a in appointments
            if a.status == Appointment.Status.EXITED
            and a.ended_on
            and not a.person.is_foreign
            and dt.date(2023, 12, 1) <= a.ended_on <= min(dt.date(2025, 6, 30), self.today - _days(120))
            and full_years_between(a.person.birth_date, a.ended_on) <= 34
            and a.station in ("S1001", "S1002")
            and a.person.prior_postdoc_months == 0
        ]
        second = []
        for first in self.rng.sample(candidates, min(3, len(candidates))):
            assert first.ended_on is not None
            entry = first.ended_on + _days(self.rng.randint(30, 90))
            station = "S0710" if entry >= BIOLOGY_FIRST_ENTRY else "S1004"
            a = self.appointment(entry, station, first.person, months=24)
            phd = first.person.phd_date
            if phd and add_months(phd, 36) < entry:
                a.admit_exception = SECOND_STATION_EXCEPTION
            self.life(a, "exit")
            a.steps = [s for s in a.steps if s.kind != "certificate"] + [Step(entry, "certificate")]
            a.steps.sort(key=lambda s: (s.on, _STEP_ORDER[s.kind]))
            self.check_total(a)
            second.append(a)
        return second

    def admitted_not_entered(self) -> list[AppointmentPlan]:
        out = []
        for _ in range(ADMITTED_NOT_ENTERED):
            entry = self.today + _days(self.rng.randint(16, 120))
            station = self.station_for(entry)
            out.append(self.appointment(entry, station, self.person(entry, station)))
        return out

    def number_appointments(self, appointments: list[AppointmentPlan]) -> None:
        serials: Counter[tuple[int, str]] = Counter()
        for a in appointments:
            discipline = self.stations[a.station].discipline or "0000"
            serials[(a.entry_date.year, discipline)] += 1
            a.postdoc_no = f"{a.entry_date.year}{discipline}{serials[(a.entry_date.year, discipline)]:03d}"


def _check_steps(a: AppointmentPlan) -> None:
    """The order the services require: entry first, assessments and extensions while in station, one end last."""
    kinds = [step.kind for step in a.steps]
    ends = [i for i, kind in enumerate(kinds) if kind in _END_STATUS]
    problems = []
    if kinds and kinds[0] != "enter":
        problems.append("does not start with the entry")
    if len(ends) > 1 or (ends and ends[0] != len(kinds) - 1):
        problems.append("has steps after its end")
    if any(step.on < a.entry_date for step in a.steps):
        problems.append("has steps before its entry")
    if any(step.on > b.on for step, b in zip(a.steps, a.steps[1:], strict=False)):
        problems.append("is out of order")
    if problems:  # pragma: no cover - a bug in the builder
        raise RuntimeError(f"Appointment {a.postdoc_no} {', '.join(problems)}: {[(s.on, s.kind) for s in a.steps]}")


def build_plan(*, seed: int = SEED, today: dt.date = DEFAULT_TODAY) -> DemoPlan:
    """Everything the demo will contain, decided in memory (no database access)."""
    plan = _Builder(seed=seed, today=today).build()
    for appointment in plan.appointments:
        _check_steps(appointment)
    figures = plan.figures()
    expected = {
        "recruited": STORY_RECRUITED,
        "recruited_still_in_station": STORY_STILL_IN_STATION,
        "projects": STORY_PROJECTS,
    }
    wrong = {k: (figures[k], v) for k, v in expected.items() if figures[k] != v}
    if wrong:  # pragma: no cover - a bug in the builder, not in the data
        raise RuntimeError(f"The demo plan misses the story's figures (got, wanted): {wrong}")
    # With a generator of its own, so the appointments and projects above stay as they were.
    plan_research(plan, random.Random(f"{seed}-research"))  # noqa: S311 - demo data, not secrets
    return plan


# ---------------------------------------------------------------------------------------------
# Applications and research outputs
# ---------------------------------------------------------------------------------------------

# The office has kept applications (those funded and those not) for the last year before the
# demo's today; older awards were recorded without their application.
APPLICATIONS_KEPT_MONTHS = 12
# Applications not funded per award, by programme: success rates of about 43 % (面上), 38 % (NSFC
# young scientists) and 56 % (Chongqing's postdoc fund).
NOT_FUNDED_PER_AWARD = {"cpsf": 1.3, "nsfc": 1.6, "cqnsf": 0.8}
PENDING_AT_MOST = 40  # applications of a round still waiting for its decision
OUTPUT_AUTHORS = 130  # postdocs with research outputs, besides the demo's postdoc account

# Journals: name, ISSN (each passes its check digit, see tests/funding/test_demo_plan.py), the
# stem of the demo's DOIs, Chinese-language or not. The DOIs use Crossref's test prefix 10.5555,
# so no invented paper points at a real article.
JOURNALS: dict[str, tuple[str, str, str, bool]] = {
    "ncomms": ("Nature Communications", "2041-1723", "ncomms", False),
    "cddis": ("Cell Death & Disease", "2041-4889", "cddis", False),
    "jhep": ("Journal of Hepatology", "0168-8278", "jhep", False),
    "fimmu": ("Frontiers in Immunology", "1664-3224", "fimmu", False),
    "jtm": ("Journal of Translational Medicine", "1479-5876", "jtm", False),
    "thno": ("Theranostics", "1838-7640", "thno", False),
    "canlet": ("Cancer Letters", "0304-3835", "canlet", False),
    "advs": ("Advanced Science", "2198-3844", "advs", False),
    "jdr": ("Journal of Dental Research", "0022-0345", "jdr", False),
    "ijos": ("International Journal of Oral Science", "1674-2818", "ijos", False),
    "jep": ("Journal of Ethnopharmacology", "0378-8741", "jep", False),
    "phymed": ("Phytomedicine", "0944-7113", "phymed", False),
    "bmcph": ("BMC Public Health", "1471-2458", "bmcph", False),
    "ijns": ("International Journal of Nursing Studies", "0020-7489", "ijns", False),
    "jmc": ("Journal of Medicinal Chemistry", "0022-2623", "jmc", False),
    "apsb": ("Acta Pharmaceutica Sinica B", "2211-3835", "apsb", False),
    "zhyx": ("中华医学杂志", "0376-2491", "cma.zhyx", True),
    "zgzy": ("中国中药杂志", "1001-5302", "cjcmm", True),
    "zhhl": ("中华护理杂志", "0254-1769", "cma.zhhl", True),
    "zhyf": ("中华预防医学杂志", "0253-9624", "cma.zhyf", True),
    "hxkq": ("华西口腔医学杂志", "1000-1182", "wcjs", True),
    "yxxb": ("药学学报", "0513-4870", "apsin", True),
    "cqyk": ("重庆医科大学学报", "0253-3626", "cqmu", True),
}
_STATION_JOURNALS = {
    "S1002": ["jtm", "thno", "fimmu", "cddis", "zhyx", "cqyk"],
    "S1001": ["ncomms", "cddis", "fimmu", "advs", "thno", "cqyk"],
    "S0710": ["ncomms", "cddis", "advs", "fimmu"],
    "S1003": ["jdr", "ijos", "hxkq", "advs"],
    "S1007": ["jmc", "apsb", "yxxb", "advs"],
    "S1004": ["bmcph", "zhyf", "jtm"],
    "S1005": ["jep", "phymed", "zgzy"],
    "S1011": ["ijns", "zhhl", "bmcph"],
}
_EN_TOPICS = {
    "S1002": [
        "hepatocellular carcinoma",
        "colorectal cancer",
        "sepsis",
        "acute kidney injury",
        "atherosclerosis",
        "heart failure",
        "ischaemic stroke",
        "gastric cancer",
        "ovarian cancer",
    ],
    "S1001": ["tumour metastasis", "neurodegeneration", "myocardial fibrosis", "liver fibrosis", "immune tolerance"],
    "S0710": ["cellular senescence", "stem cell differentiation", "mitochondrial homeostasis", "proteostasis"],
    "S1003": ["periodontitis", "oral squamous cell carcinoma", "peri-implantitis", "dental pulp regeneration"],
    "S1007": ["drug-resistant bacterial infection", "hepatocellular carcinoma", "triple-negative breast cancer"],
    "S1004": ["childhood obesity", "birth defects", "frailty in older adults", "hypertension"],
    "S1005": ["chronic heart failure", "diabetic kidney disease", "ulcerative colitis", "insomnia"],
    "S1011": ["older adults with chronic disease", "patients with cancer", "stroke survivors", "ICU patients"],
}
_EN_MECHANISMS = [
    "circRNA",
    "lncRNA",
    "m6A methylation",
    "ferroptosis",
    "pyroptosis",
    "exosomes",
    "the NLRP3 inflammasome",
    "autophagy",
    "macrophage polarisation",
    "mitophagy",
    "Wnt/β-catenin signalling",
    "YAP/TAZ",
    "cGAS-STING signalling",
    "metabolic reprogramming",
]
_EN_TEMPLATES = {
    "bio": [
        "{m} promotes the progression of {d} in mice",
        "Targeting {m} attenuates {d}: an experimental study",
        "Single-cell profiling reveals a role for {m} in {d}",
        "{m} as a biomarker for the early diagnosis of {d}",
        "Loss of {m} aggravates {d} through oxidative stress",
    ],
    "S1007": [
        "Design, synthesis and evaluation of inhibitors of {m} against {d}",
        "A nanoparticle delivery system targeting {m} in {d}",
    ],
    "S1004": [
        "Risk factors for {d} in Chongqing: a prospective cohort study",
        "Trends in {d} in south-west China, 2010-2022: a population-based study",
        "Cost-effectiveness of screening for {d}: a modelling study",
    ],
    "S1005": [
        "A classical herbal formula alleviates {d} by regulating {m}",
        "Network pharmacology of a herbal formula for {d}: the role of {m}",
        "Acupuncture for {d}: a randomised controlled trial",
    ],
    "S1011": [
        "A transitional care programme for {d}: a randomised controlled trial",
        "Symptom clusters in {d}: a cross-sectional study",
        "Self-management through a mobile application for {d}: a pilot trial",
    ],
}
_ZH_PAPER_TEMPLATES = [
    "{m}在{d}中的表达及其临床意义",
    "{m}调控{d}进展的机制研究",
    "{d}患者{m}水平与预后的相关性分析",
]
_PATENT_TEMPLATES = [
    "一种用于{d}早期诊断的检测试剂盒及其应用",
    "一种靶向{m}的{d}治疗药物组合物及其制备方法",
    "一种{d}动物模型的构建方法",
    "一种负载{m}抑制剂的纳米递药系统及其制备方法",
]


def cn_patent_check_char(digits: str) -> str:
    """The check character of a Chinese patent application number (12 digits since 2003):
    weights 2..9, 2..5, sum modulo 11, 10 written X."""
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return "X" if total == 10 else str(total)


def demo_postdoc(plan: DemoPlan) -> AppointmentPlan:
    """The stay of the `postdoc` account: a live clinical medicine postdoc of the supervisor with
    most live postdocs there, the one with most projects."""
    clinical_live = [a for a in plan.appointments if a.station == "S1002" and a.in_station_on(plan.today)]
    load = Counter(a.supervisor for a in clinical_live)
    staff_no = min(load, key=lambda s: (-load[s], s))
    return min(
        (a for a in clinical_live if a.supervisor == staff_no),
        key=lambda a: (-len(a.projects), a.postdoc_no),
    )


class _Research:
    """Applications and outputs added to a built plan, with a generator of their own."""

    def __init__(self, plan: DemoPlan, rng: random.Random) -> None:
        self.plan, self.rng, self.today = plan, rng, plan.today
        self.kept_from = add_months(plan.today, -APPLICATIONS_KEPT_MONTHS)
        self.serials: Counter[str] = Counter()
        self.supervisors = {s.staff_no: s for s in plan.supervisors}

    def serial(self, key: str) -> int:
        self.serials[key] += self.rng.randint(1, 7)
        return self.serials[key]

    def coauthor(self, chinese: bool) -> str:
        family = self.rng.choice(FAMILY_NAMES)
        given = [self.rng.choice(self.rng.choice((MALE_GIVEN, FEMALE_GIVEN))) for _ in range(self.rng.choice((1, 2)))]
        if chinese:
            return family[0] + "".join(g[0] for g in given)
        return f"{family[1:]} {given[0][1:]}{''.join(g[1:].lower() for g in given[1:])}"

    # -- applications ------------------------------------------------------------------------

    def rounds(self) -> list[tuple[str, dt.date, dt.date, dt.date]]:
        """(kind, applications from, until, decision) of the rounds whose applications fall in
        the kept year and by today."""
        found = []
        for year in range(self.kept_from.year, self.today.year + 1):
            for month, day in _CPSF_DATES:
                decided = dt.date(year, month, day)
                found.append(("cpsf", decided - _days(60), decided - _days(45), decided))
            found.append(("nsfc", dt.date(year, 3, 10), dt.date(year, 3, 20), dt.date(year, 8, 25)))
            found.append(("cqnsf", dt.date(year, 4, 5), dt.date(year, 4, 15), dt.date(year, 9, 15)))
        return [
            (kind, max(low, self.kept_from), min(high, self.today), decided)
            for kind, low, high, decided in found
            if high >= self.kept_from and low <= self.today
        ]

    def applied_on(self, kind: str, awarded_on: dt.date) -> dt.date:
        if kind == "cpsf":
            return awarded_on - _days(self.rng.randint(45, 60))
        if kind == "nsfc":
            return dt.date(awarded_on.year, 3, self.rng.randint(10, 20))
        return dt.date(awarded_on.year, 4, self.rng.randint(5, 15))

    def applications(self) -> None:
        appointments = self.plan.appointments
        # The awards of the kept year carry their application's date.
        for a in appointments:
            for p in a.projects:
                if p.kind in NOT_FUNDED_PER_AWARD:
                    on = self.applied_on(p.kind, p.awarded_on)
                    if on >= self.kept_from:
                        p.applied_on = on
        cpsf_holders = {a.person.key for a in appointments for p in a.projects if p.kind == "cpsf"}
        for kind, low, high, decided in self.rounds():
            awarded = [
                p
                for a in appointments
                for p in a.projects
                if p.kind == kind and p.applied_on is not None and low <= p.applied_on <= high
            ]
            candidates = [a for a in appointments if self.may_apply(a, kind, low, high, decided, cpsf_holders)]
            wanted = PENDING_AT_MOST if decided > self.today else round(len(awarded) * NOT_FUNDED_PER_AWARD[kind])
            for a in sorted(self.rng.sample(candidates, min(wanted, len(candidates))), key=lambda a: a.postdoc_no):
                on = low + _days(self.rng.randint(0, (high - low).days))
                a.applications.append(self.application(a, kind, on, decided))

    def may_apply(
        self, a: AppointmentPlan, kind: str, low: dt.date, high: dt.date, decided: dt.date, cpsf_holders: set[int]
    ) -> bool:
        """In station through the application period, eligible by the programme's rules, and not
        awarded it in the same round."""
        if not (a.in_station_on(low) and a.in_station_on(high)) or a.applications:
            return False
        if kind == "cpsf":
            # 面上 is awarded once per station, to applicants within 18 months of entry.
            return a.person.key not in cpsf_holders and high <= add_months(a.entry_date, 18)
        if any(p.kind == kind and p.awarded_on.year == decided.year for p in a.projects):
            return False
        return a.entry_date <= dt.date(decided.year, 3 if kind == "nsfc" else 4, 1)

    def application(self, a: AppointmentPlan, kind: str, on: dt.date, decided: dt.date) -> ApplicationPlan:
        year = on.year
        title = project_title(self.rng, a.station)
        rejected_on = decided if decided <= self.today else None
        if kind == "cpsf":
            batch = cpsf_batch(year, 0 if decided.month < 9 else 1)
            number = f"{year}SQM{batch}{self.serial(f'cpsf{year}{batch}'):04d}"
            return ApplicationPlan(kind, number, title, "CPSF", "general", on, rejected_on)
        if kind == "cqnsf":
            number = f"CSTB{year}NSCQ-SQ{self.serial(f'cqnsf{year}'):04d}"
            return ApplicationPlan(kind, number, title, "CQ-STB", "cqnsf-postdoc", on, rejected_on)
        # NSFC young scientists: three years from the January after the decision; the office
        # commits to extend a stay that would end before the grant (facts.md §1.3).
        start, end = dt.date(year + 1, 1, 1), dt.date(year + 3, 12, 31)
        number = f"SQ{year}{'3' if a.station == BIOLOGY else '8'}{self.serial(f'nsfc{year}'):05d}"
        commitment = end if a.final_planned_exit < end else None
        return ApplicationPlan(kind, number, title, "NSFC", "young-c", on, rejected_on, start, end, commitment)

    # -- research outputs --------------------------------------------------------------------

    def outputs(self) -> None:
        appointments = self.plan.appointments
        since = add_months(self.today, -48)
        candidates = [
            a
            for a in appointments
            if a.entered and a.entry_date <= self.today - _days(240) and (a.ended_on is None or a.ended_on > since)
        ]
        chosen = self.rng.sample(candidates, min(OUTPUT_AUTHORS, len(candidates)))
        mine = demo_postdoc(self.plan)
        if mine not in chosen:
            chosen.append(mine)
        for a in sorted(chosen, key=lambda a: a.postdoc_no):
            count = 4 if a is mine else self.rng.choice((1, 1, 2, 2, 3))
            titles: set[str] = set()
            for _ in range(count):
                a.outputs.append(self.paper(a, titles, before_entry=self.rng.random() < 0.2 and a is not mine))
            if a is mine or self.rng.random() < 0.12:
                patent = self.patent(a, titles)
                if patent is not None:
                    a.outputs.append(patent)
            a.outputs.sort(key=lambda o: o.published_on)

    def fresh_title(self, make: Callable[[], str], titles: set[str]) -> str:
        for _attempt in range(20):
            title = make()
            if title not in titles:
                titles.add(title)
                return title
        raise RuntimeError("ran out of titles")  # pragma: no cover

    def paper(self, a: AppointmentPlan, titles: set[str], *, before_entry: bool) -> OutputPlan:
        rng = self.rng
        end = min(a.ended_on or self.today, self.today)
        if before_entry:
            published = a.entry_date - _days(rng.randint(30, 600))
        else:
            low = min(a.entry_date + _days(180), end)
            published = low + _days(rng.randint(0, max(0, (end - low).days)))
        key = rng.choice(_STATION_JOURNALS.get(a.station, _STATION_JOURNALS["S1001"]))
        journal, issn, stem, chinese = JOURNALS[key]
        if chinese:
            diseases, molecules = _DISEASES.get(a.station, _DISEASES["S1001"]), _MOLECULES
            template = rng.choice(_ZH_PAPER_TEMPLATES)

            def make() -> str:
                return template.format(m=rng.choice(molecules), d=rng.choice(diseases))
        else:
            topics = _EN_TOPICS.get(a.station, _EN_TOPICS["S1001"])
            templates = _EN_TEMPLATES.get(a.station, _EN_TEMPLATES["bio"])

            def make() -> str:
                text = rng.choice(templates).format(m=rng.choice(_EN_MECHANISMS), d=rng.choice(topics))
                # A sentence's capital, unless its first word is written with capitals of its own (cGAS, m6A).
                return text if any(c.isupper() for c in text.split()[0]) else text[0].upper() + text[1:]

        title = self.fresh_title(make, titles)
        supervisor = self.supervisors[a.supervisor]
        own = a.person.name if chinese else a.person.name_en
        others = [self.coauthor(chinese) for _ in range(rng.randint(2, 7))]
        position = 1 if rng.random() < 0.75 else 2
        authors = others[: position - 1] + [own] + others[position - 1 :]
        last = supervisor.name if chinese else supervisor.name_en
        if not before_entry and last not in authors:
            authors.append(last)
        year = published.year
        return OutputPlan(
            kind="paper",
            title=title,
            published_on=published,
            authors=authors,
            author_position=position,
            corresponding=not before_entry and rng.random() < 0.25,
            doi=f"10.5555/{stem}.{year}.{self.serial(f'doi{stem}{year}'):05d}",
            journal=journal,
            issn=issn,
            volume=str(year - 1990 if chinese else year - 2008),
            issue=str(rng.randint(1, 12)),
            pages=f"{(first := rng.randint(1, 900))}-{first + rng.randint(6, 14)}",
        )

    def patent(self, a: AppointmentPlan, titles: set[str]) -> OutputPlan | None:
        """An invention patent applied for in station (its date is the application's), granted
        two or three years later if that has come."""
        rng = self.rng
        end = min(a.ended_on or self.today, self.today)
        low = a.entry_date + _days(120)
        if low > end:
            return None
        filed = low + _days(rng.randint(0, (end - low).days))
        diseases = _DISEASES.get(a.station, _DISEASES["S1001"])

        def make() -> str:
            return rng.choice(_PATENT_TEMPLATES).format(m=rng.choice(_MOLECULES), d=rng.choice(diseases))

        title = self.fresh_title(make, titles)
        digits = f"{filed.year}1{1_010_000 + self.serial(f'patent{filed.year}'):07d}"
        granted = filed + _days(rng.randint(700, 1100))
        supervisor = self.supervisors[a.supervisor]
        inventors = [supervisor.name, a.person.name] + [self.coauthor(True) for _ in range(rng.randint(1, 4))]
        return OutputPlan(
            kind="patent",
            title=title,
            published_on=filed,
            authors=inventors,
            author_position=2,
            number=f"ZL{digits}.{cn_patent_check_char(digits)}",
            patent_kind="invention",
            granted_on=granted if granted <= self.today else None,
        )


def plan_research(plan: DemoPlan, rng: random.Random) -> None:
    """Adds to a built plan the applications the office kept and some research outputs. Neither
    moves a headline figure: applications count nowhere, and outputs are not projects."""
    research = _Research(plan, rng)
    research.applications()
    research.outputs()


# ---------------------------------------------------------------------------------------------
# Carrying the plan out through the services
# ---------------------------------------------------------------------------------------------


class DemoError(DomainError):
    """The demo cannot be loaded here (it exists already, or its user names are taken)."""


@dataclass
class DemoResult:
    institution: Institution
    admin: User
    plan: DemoPlan
    counts: dict[str, int]


def read_catalogue(path: Path = CATALOGUE_CSV) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [{key: (value or "").strip() for key, value in row.items()} for row in csv.DictReader(handle)]


def check_today(today: dt.date) -> None:
    if today < EARLIEST_TODAY:
        raise DemoError(f"The demo's today must be {EARLIEST_TODAY.isoformat()} or later: its story ends in 2023.")
    if today > timezone.localdate():
        raise DemoError("The demo's today cannot be after the real date: the services refuse future dates.")


def load_demo(
    *, today: dt.date = DEFAULT_TODAY, seed: int = SEED, progress: Callable[[str], None] | None = None
) -> DemoResult:
    """Creates the demo institution through the services, in one transaction."""
    check_today(today)
    plan = build_plan(seed=seed, today=today)
    say = progress or (lambda _message: None)
    with transaction.atomic():
        if Institution.objects.filter(code=DEMO_CODE).exists():
            raise DemoError(f"The demo institution {DEMO_NAME_ZH} ({DEMO_CODE}) exists already; nothing was changed.")
        taken = sorted(User.objects.filter(username__in=DEMO_ACCOUNTS).values_list("username", flat=True))
        if taken:
            raise DemoError(f"The demo's user names are taken: {', '.join(taken)}. Nothing was changed.")
        institution, admin = _institution_and_admin()
        funding = _own_funders(institution, admin)
        say("institution, units, stations")
        disciplines = _disciplines(admin)
        units = {
            code: unit_save(institution=institution, code=code, name_zh=zh, name_en=en, kind=kind, by=admin)
            for code, zh, en, kind in UNITS
        }
        stations = _stations(institution, admin, disciplines, units)
        # Biology's supervisors join its station once the station is approved (below).
        supervisors = {
            s.staff_no: supervisor_save(
                institution=institution,
                staff_no=s.staff_no,
                name=s.name,
                unit=units[s.unit],
                station=stations.get(s.station),
                title=s.title,
                is_external=s.is_external,
                is_doctoral_supervisor=s.title in demo_reviews.FULL_TITLES,
                name_en=s.name_en,
                by=admin,
            )
            for s in plan.supervisors
        }
        say("review forms, panel rules and the expert pool")
        rng = random.Random(demo_reviews.SEED)  # noqa: S311 - demo data, not secrets
        demo_reviews.set_up(institution, admin)
        demo_reviews.expert_pool(
            institution,
            admin,
            disciplines,
            {p.code: (p.discipline, p.unit) for p in STATIONS},
            list(supervisors.values()),
            rng,
        )
        say(f"{len(plan.appointments)} appointments")
        people: dict[int, Person] = {}
        before_biology = [a for a in plan.appointments if a.station != BIOLOGY]
        projects: list[Project] = []
        for number, a in enumerate(before_biology, start=1):
            projects += _load_appointment(a, institution, admin, stations, supervisors, people, funding)
            if number % 500 == 0:
                say(f"  {number} appointments")
        say(f"{len(projects)} projects")
        # Before the Biology application, whose checklist counts the provincial-or-higher projects.
        _record_projects(projects, admin, funding)
        say("the Biology station's application, June to November 2023")
        stations[BIOLOGY] = _biology(plan, institution, admin, disciplines, units, supervisors, rng)
        projects = []
        for a in plan.appointments:
            if a.station == BIOLOGY:
                projects += _load_appointment(a, institution, admin, stations, supervisors, people, funding)
        _record_projects(projects, admin, funding)
        say("applications kept for a year, and research outputs")
        counts = _record_research(plan, institution, admin, funding)
        demo_supervisor = _demo_accounts(plan, institution, admin, stations, supervisors, people)
        say("expert reviews of 2026")
        demo_reviews.midterm_reviews(institution, admin, demo_supervisor, today)
    counts |= {
        "supervisors": len(plan.supervisors),
        "postdocs": len(people),
        "appointments": len(plan.appointments),
        "projects": len(plan.projects),
    }
    return DemoResult(institution=institution, admin=admin, plan=plan, counts=counts)


def _institution_and_admin() -> tuple[Institution, User]:
    institution, admin = institution_set_up(
        code=DEMO_CODE,
        name_zh=DEMO_NAME_ZH,
        name_en=DEMO_NAME_EN,
        kind=Institution.Kind.UNIVERSITY,
        province="重庆",
        admin_username="admin",
        admin_password=ADMIN_PASSWORD,
        is_staff=True,
        is_superuser=True,
        first_name="管理员",
        last_name="博管办",
    )
    return institution, admin


# The demo's own funders (the shipped catalogue has neither): the university's fund, with the
# "Multiplication Project" support of the story, and the municipal TCM administration. Code, name,
# English name, kind, level, programmes (code, name).
OWN_FUNDERS: list[tuple[str, str, str, str, str, list[tuple[str, str]]]] = [
    (
        "YZMU",
        DEMO_NAME_ZH,
        DEMO_NAME_EN,
        Funder.Kind.UNIVERSITY,
        Level.UNIVERSITY,
        [
            ("startup", "博士后科研启动基金"),
            ("multiply-startup", "博士后倍增计划·科研启动资助"),
            ("multiply-excellent", "博士后倍增计划·优秀博士后专项"),
        ],
    ),
    (
        "CQ-TCM",
        "重庆市中医药管理局",
        "Chongqing Administration of Traditional Chinese Medicine",
        Funder.Kind.MUNICIPAL,
        Level.MUNICIPAL,
        [("tcm", "中医药科技项目")],
    ),
]


@dataclass
class _Funding:
    funders: dict[str, Funder]
    programmes: dict[tuple[str, str], Programme]
    index: FunderIndex


def _own_funders(institution: Institution, admin: User) -> _Funding:
    """The demo's own funders and their levels, beside the shipped catalogue and its default
    mapping (which `institution_set_up` gave the institution)."""
    for code, name_zh, name_en, kind, level, own_programmes in OWN_FUNDERS:
        funder = funder_save(institution=institution, code=code, name_zh=name_zh, name_en=name_en, kind=kind, by=admin)
        for programme_code, programme_name in own_programmes:
            programme_save(funder=funder, code=programme_code, name_zh=programme_name, by=admin)
        level_rule_save(institution=institution, funder=funder, level=level, by=admin)
    index = FunderIndex(institution.pk)
    funders = {f.code: f for f in index.funders.values()}
    programmes = {(p.funder.code, p.code): p for p in index.programmes.values()}
    return _Funding(funders, programmes, index)


def _disciplines(admin: User) -> dict[str, Discipline]:
    """The eight disciplines, from the shipped catalogue (loaded again if someone emptied it)."""
    found = {d.code: d for d in Discipline.objects.filter(code__in=DOCTORAL_DISCIPLINES)}
    for row in read_catalogue():
        if row["code"] in DOCTORAL_DISCIPLINES and row["code"] not in found:
            found[row["code"]] = discipline_save(
                code=row["code"],
                name_zh=row["name_zh"],
                name_en=row["name_en"],
                edition=row["edition"],
                source=row["source"],
                source_marker=row["source_marker"],
                by=admin,
            )
    return found


def _stations(
    institution: Institution, admin: User, disciplines: dict[str, Discipline], units: dict[str, Unit]
) -> dict[str, Station]:
    stations = {}
    for s in STATIONS:
        discipline = disciplines[s.discipline] if s.discipline else None
        if discipline is not None and s.right_since is not None:
            doctoral_right_grant(institution=institution, discipline=discipline, since=s.right_since, by=admin)
        if s.code == BIOLOGY:
            continue  # set up by its establishment application (_biology)
        stations[s.code] = station_create(
            institution=institution,
            code=s.code,
            kind=s.kind,
            unit=units[s.unit],
            name_zh=s.name_zh,
            name_en=s.name_en,
            established_on=s.established_on,
            discipline=discipline,
            approval_no=s.approval_no,
            by=admin,
        )
    return stations


def _biology(
    plan: DemoPlan,
    institution: Institution,
    admin: User,
    disciplines: dict[str, Discipline],
    units: dict[str, Unit],
    supervisors: dict[str, Supervisor],
    rng: random.Random,
) -> Station:
    """The eighth station, set up by its application (facts.md §0): the team is the doctoral
    supervisors of the College of Basic Medicine who will supervise in it; they join the station
    once it is approved."""
    biology = next(p for p in STATIONS if p.code == BIOLOGY)
    team = [s for s in plan.supervisors if s.station == BIOLOGY]
    applicants = [
        supervisors[s.staff_no] for s in team if s.unit == biology.unit and s.title in demo_reviews.FULL_TITLES
    ]
    application = demo_reviews.biology_application(
        institution,
        admin,
        disciplines[biology.discipline or ""],
        units[biology.unit],
        applicants,
        (biology.name_zh, biology.name_en),
        rng,
    )
    station = application.station
    assert station is not None
    for s in team:
        supervisor_save(
            institution=institution,
            staff_no=s.staff_no,
            name=s.name,
            unit=units[s.unit],
            station=station,
            title=s.title,
            is_external=s.is_external,
            name_en=s.name_en,
            by=admin,
        )
    return station


def _load_appointment(
    a: AppointmentPlan,
    institution: Institution,
    admin: User,
    stations: dict[str, Station],
    supervisors: dict[str, Supervisor],
    people: dict[int, Person],
    funding: "_Funding",
) -> list[Project]:
    """Admits the appointment and takes it through its steps; returns its projects, unsaved (the
    caller records them in bulk)."""
    p = a.person
    person = people.get(p.key)
    if person is None:
        person = people[p.key] = person_create(
            institution=institution,
            name=p.name,
            gender=p.gender,
            birth_date=p.birth_date,
            id_type=p.id_type,
            id_number=p.id_number,
            by=admin,
            name_en=p.name_en,
            nationality=p.nationality,
            is_foreign=p.is_foreign,
            phd_institution=p.phd_institution,
            phd_date=p.phd_date,
            prior_postdoc_months=p.prior_postdoc_months,
            email=p.email,
        )
    appointment = appointment_admit(
        person=person,
        station=stations[a.station],
        postdoc_no=a.postdoc_no,
        entry_date=a.entry_date,
        primary_supervisor=supervisors[a.supervisor],
        planned_exit_date=a.planned_exit_date,
        co_supervisor=supervisors[a.co_supervisor] if a.co_supervisor else None,
        route=a.route,
        workstation=stations[a.workstation] if a.workstation else None,
        by=admin,
        exception_reason=a.admit_exception,
    )
    for step in a.steps:
        data = step.data
        if step.kind == "enter":
            appointment = appointment_enter(
                appointment=appointment, on=step.on, by=admin, exception_reason=a.admit_exception
            )
        elif step.kind == "certificate":
            # A PhD awarded before entry is recorded by `appointment_enter` itself.
            if appointment.phd_certificate_on != step.on:
                appointment = phd_certificate_record(appointment=appointment, received_on=step.on, by=admin)
        elif step.kind == "assessment":
            assessment_record(
                appointment=appointment,
                kind=data["kind"],
                held_on=step.on,
                grade=data["grade"],
                panel=data["panel"],
                comments=data["comments"],
                by=admin,
            )
        elif step.kind == "extend":
            appointment = appointment_extend(
                appointment=appointment, until=data["until"], reason=data["reason"], by=admin
            )
        elif step.kind == "exit":
            appointment = appointment_exit(
                appointment=appointment, on=step.on, by=admin, exception_reason=data["exception"]
            )
        elif step.kind == "withdraw":
            appointment = appointment_withdraw(
                appointment=appointment, on=step.on, ground=data["ground"], note=data["note"], by=admin
            )
        elif step.kind == "transfer":
            appointment = appointment_transfer(
                appointment=appointment, on=step.on, to=data["to"], note=data["note"], by=admin
            )
        else:  # pragma: no cover
            raise ValueError(step.kind)
    appointment.station = stations[a.station]  # read by the permission check, without a query
    projects = []
    for project in a.projects:
        period_start, period_end, commitment = _period(a, project)
        projects.append(
            new_record(
                Project,
                holder=appointment,
                project_no=project.number,
                title=project.title,
                funder=project.funder,
                funder_ref=funding.funders[project.funder_code],
                programme=project.programme,
                programme_ref=funding.programmes.get((project.funder_code, project.programme_code)),
                # The mapping gives every demo project the level its plan has (a test checks that
                # none needed a level of its own); the plan's level is given so the figures hold
                # whatever the mapping says.
                level=project.level,
                awarded_on=project.awarded_on,
                amount=Decimal(project.amount),
                applied_on=project.applied_on,
                ended_on=project.ended_on,
                grade=project.grade,
                batch=project.batch,
                period_start=period_start,
                period_end=period_end,
                extension_commitment_until=commitment,
                status=project.status,
            )
        )
    return projects


def _record_projects(projects: list[Project], admin: User, funding: "_Funding") -> None:
    """The awarded projects through the bulk service the workbook import uses (the same checks,
    one audit event each), many at a time: one by one they were a fifth of the load."""
    errors = projects_record(projects=projects, by=admin, index=funding.index)
    refused = [(p.project_no, e.message) for p, e in zip(projects, errors, strict=True) if e is not None]
    if refused:
        raise DemoError(f"The plan's projects were refused: {refused[:5]}")


def _record_research(plan: DemoPlan, institution: Institution, admin: User, funding: "_Funding") -> dict[str, int]:
    """The plan's applications (through `project_apply`, then `project_reject` for those not
    funded) and research outputs (`output_record`), after every award is recorded: the
    applications' rules (once per station, the extension commitment) read them."""
    refresh_statistics(Appointment, Project, Person, Station)
    wanted = [a.postdoc_no for a in plan.appointments if a.applications or a.outputs]
    stays = {
        a.postdoc_no: a
        for a in Appointment.objects.filter(institution=institution, postdoc_no__in=wanted).select_related(
            "station", "person"
        )
    }
    applications = outputs = 0
    for a in plan.appointments:
        stay = stays.get(a.postdoc_no)
        if stay is None:
            continue
        for application in a.applications:
            project = project_apply(
                holder=stay,
                project_no=application.number,
                title=application.title,
                applied_on=application.applied_on,
                funder_ref=funding.funders[application.funder_code],
                programme_ref=funding.programmes[(application.funder_code, application.programme_code)],
                period_start=application.period_start,
                period_end=application.period_end,
                extension_commitment_until=application.commitment,
                by=admin,
            )
            if application.rejected_on is not None:
                project_reject(project=project, on=application.rejected_on, by=admin)
            applications += 1
        for output in a.outputs:
            output_record(
                appointment=stay,
                by=admin,
                kind=output.kind,
                title=output.title,
                year=output.published_on.year,
                published_on=output.published_on,
                authors="\n".join(output.authors),
                author_position=output.author_position,
                corresponding=output.corresponding,
                doi=output.doi,
                journal=output.journal,
                issn=output.issn,
                volume=output.volume,
                issue=output.issue,
                pages=output.pages,
                number=output.number,
                patent_kind=output.patent_kind,
                granted_on=output.granted_on,
            )
            outputs += 1
    return {"applications": applications, "outputs": outputs}


def _period(a: AppointmentPlan, project: ProjectPlan) -> tuple[dt.date | None, dt.date | None, dt.date | None]:
    """An NSFC grant runs for three calendar years from the January after its award; the office
    committed to extend the appointment of a postdoc whose stay would end before it (facts.md §1.3)."""
    if project.kind != "nsfc":
        return None, None, None
    year = project.awarded_on.year
    start, end = dt.date(year + 1, 1, 1), dt.date(year + project.years, 12, 31)
    return start, end, end if a.final_planned_exit < end else None


def _demo_accounts(
    plan: DemoPlan,
    institution: Institution,
    admin: User,
    stations: dict[str, Station],
    supervisors: dict[str, Supervisor],
    people: dict[int, Person],
) -> Supervisor:
    """One account per role, for trying the system: secretary, supervisor, postdoc, leadership.
    Returns the demo supervisor (who also sits on an expert panel, see demo_reviews)."""
    postdoc = demo_postdoc(plan)
    staff_no = postdoc.supervisor

    def account(username: str, role: str, station: Station | None = None, **details: Any) -> User:
        details.setdefault("email", f"{username}@demo.yzmu.example")
        user = user_create(username=username, password=DEMO_PASSWORD, institution=institution, by=admin, **details)
        role_assign(user=user, role=role, station=station, by=admin)
        return user

    account("secretary", Role.SECRETARY, stations["S1002"], first_name="流动站秘书", last_name="临床医学")
    supervisor_user = account("supervisor", Role.SUPERVISOR, first_name=supervisors[staff_no].name)
    account_link(user=supervisor_user, supervisor=supervisors[staff_no], by=admin)
    postdoc_user = account("postdoc", Role.POSTDOC, first_name=postdoc.person.name)
    account_link(user=postdoc_user, person=people[postdoc.person.key], by=admin)
    account("leadership", Role.LEADERSHIP, first_name="校领导")
    return supervisors[staff_no]


def sign_in_lines() -> list[str]:
    return [
        f"Sign in at {SIGN_IN_URL}",
        f"  admin       / {ADMIN_PASSWORD}   office administrator (博管办), also the Django admin",
        f"  secretary   / {DEMO_PASSWORD}    station secretary, clinical medicine station",
        f"  supervisor  / {DEMO_PASSWORD}    a supervisor with postdocs in station, also on an expert panel",
        f"  postdoc     / {DEMO_PASSWORD}    a postdoc in station",
        f"  leadership  / {DEMO_PASSWORD}    leadership (read-only)",
    ]
