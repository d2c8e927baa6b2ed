"""Invented names (family and given names drawn from lists), places and institutions of the demo's people."""

from demo.story.reference import DEMO_NAME_ZH

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
