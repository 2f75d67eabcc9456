"""Name tables of the demo programme (演示数据): a fictional north-east city, 松江市.

Everything here is invented. The e-mail addresses are on ``songjiang.example``: the
``.example`` top-level domain is reserved (RFC 2606), so a notice sent from the demo
can never reach a real mailbox.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

CITY = "松江市"
MAIL_DOMAIN = "songjiang.example"

DEMO_AS_OF = date(2026, 11, 20)
"""The day the demo programme stands at: its reports run up to it."""


class Region(NamedTuple):
    name: str
    slug: str  # for e-mail addresses
    government: str  # 责任单位 for county-level projects
    head: str  # the title of its head: 区长 / 县长 / 市长 / 主任
    head_slug: str


# 县(市)区: districts, a development zone, counties and county-level cities.
REGIONS: tuple[Region, ...] = (
    Region("江北区", "jiangbei", "江北区政府", "区长", "quzhang"),
    Region("江南区", "jiangnan", "江南区政府", "区长", "quzhang"),
    Region("松江新区", "xinqu", "松江新区管委会", "主任", "zhuren"),
    Region("东山区", "dongshan", "东山区政府", "区长", "quzhang"),
    Region("西林区", "xilin", "西林区政府", "区长", "quzhang"),
    Region("北湖区", "beihu", "北湖区政府", "区长", "quzhang"),
    Region("经开区", "jingkai", "经开区管委会", "主任", "zhuren"),
    Region("安平县", "anping", "安平县政府", "县长", "xianzhang"),
    Region("兴隆县", "xinglong", "兴隆县政府", "县长", "xianzhang"),
    Region("白桦县", "baihua", "白桦县政府", "县长", "xianzhang"),
    Region("清河市", "qinghe", "清河市政府", "市长", "shizhang"),
    Region("富河市", "fuhe", "富河市政府", "市长", "shizhang"),
)

# 责任单位 (city departments) and the slug of their mailbox.
DEPARTMENTS: dict[str, str] = {
    "市发改委": "fgw", "市工信局": "gxj", "市科技局": "kjj", "市农业农村局": "nyncj",
    "市住建局": "zjj", "市交通局": "jtj", "市水务局": "swuj", "市城管局": "cgj",
    "市自然资源局": "zrzyj", "市商务局": "swj", "市文旅局": "wlj", "市教育局": "jyj",
    "市体育局": "tyj", "市民政局": "mzj", "市卫健委": "wjw", "市数据局": "sjj",
    "市生态环境局": "sthjj",
}

# Which departments answer for which category of project (the first is the usual one).
CATEGORY_DEPARTMENTS: dict[str, tuple[str, ...]] = {
    "industrial": ("市工信局", "市发改委", "市科技局", "市农业农村局"),
    "infrastructure": ("市住建局", "市交通局", "市水务局", "市城管局", "市自然资源局"),
    "services": ("市商务局", "市文旅局", "市发改委"),
    "social": ("市教育局", "市文旅局", "市体育局", "市民政局"),
    "livelihood": ("市住建局", "市民政局", "市城管局", "市水务局"),
    "health": ("市卫健委",),
}


class Leader(NamedTuple):
    surname: str
    slug: str
    title: str
    title_slug: str

    @property
    def display(self) -> str:
        return f"{self.surname}{self.title}"  # 张副市长


# 包保领导 of the city: the mayor and the executive vice-mayor take the provincial projects.
CITY_LEADERS: tuple[Leader, ...] = (
    Leader("王", "wang", "市长", "shizhang"),
    Leader("张", "zhang", "常务副市长", "changwufushizhang"),
    Leader("李", "li", "副市长", "fushizhang"),
    Leader("刘", "liu", "副市长", "fushizhang"),
    Leader("陈", "chen", "副市长", "fushizhang"),
    Leader("杨", "yang", "副市长", "fushizhang"),
    Leader("赵", "zhao", "副市长", "fushizhang"),
    Leader("周", "zhou", "秘书长", "mishuzhang"),
)

# For personal names (服务秘书, 责任人): surname and given name with their pinyin.
SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"),
    ("徐", "xu"), ("孙", "sun"), ("胡", "hu"), ("朱", "zhu"), ("高", "gao"),
    ("林", "lin"), ("何", "he"), ("郭", "guo"), ("马", "ma"), ("罗", "luo"),
    ("梁", "liang"), ("宋", "song"), ("郑", "zheng"), ("谢", "xie"), ("韩", "han"),
    ("唐", "tang"), ("冯", "feng"), ("于", "yu"), ("董", "dong"), ("程", "cheng"),
    ("曹", "cao"), ("袁", "yuan"), ("邓", "deng"), ("付", "fu"), ("沈", "shen"),
    ("彭", "peng"), ("吕", "lv"), ("姜", "jiang"), ("崔", "cui"), ("白", "bai"),
)
GIVEN_NAMES: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"),
    ("磊", "lei"), ("强", "qiang"), ("洋", "yang"), ("艳", "yan"), ("勇", "yong"),
    ("军", "jun"), ("杰", "jie"), ("涛", "tao"), ("明", "ming"), ("超", "chao"),
    ("秀英", "xiuying"), ("华", "hua"), ("丽", "li"), ("建国", "jianguo"), ("志刚", "zhigang"),
    ("海燕", "haiyan"), ("晓东", "xiaodong"), ("红梅", "hongmei"), ("立新", "lixin"),
    ("春生", "chunsheng"), ("玉兰", "yulan"), ("宏伟", "hongwei"), ("金龙", "jinlong"),
    ("雪梅", "xuemei"), ("德胜", "desheng"), ("国庆", "guoqing"), ("晓明", "xiaoming"),
    ("丹", "dan"), ("鹏", "peng"), ("浩", "hao"), ("宇", "yu"), ("欣怡", "xinyi"),
    ("佳琪", "jiaqi"), ("俊杰", "junjie"), ("文博", "wenbo"),
)

# Fill-ins for the project name patterns below.
BRANDS = ("北辰", "金穗", "鑫达", "瑞丰", "恒泰", "宏远", "嘉禾", "天合", "龙腾", "雪原",
          "沃土", "华信", "润升", "博远", "寒地", "松源", "兴农", "江源", "北垦", "丰泽",
          "中科北方", "冰城", "远航", "宝泉")
ROADS = ("松江大街", "北环路", "新华路", "友谊路", "滨江大道", "学府路", "长江路", "红旗大街",
         "建设路", "中山路", "工农大街", "通江路")
RIVERS = ("松江", "清河", "富河", "白桦河")
ORDINALS = ("二", "三", "四", "五", "六", "七")
PHASES = ("一", "二", "三")


class Template(NamedTuple):
    """A kind of project: its name and owner patterns and its milestone plan.

    Patterns take {city} {region} {brand} {road} {river} {ord} {phase} {n}. ``life``
    names an entry of LIVES; ``names`` renames nodes of it for this kind of project.
    """

    name: str
    owner: str
    life: str = "building"
    outdoor: bool = True
    sizes: tuple[int, ...] = ()
    names: tuple[tuple[str, str], ...] = ()


_CITY_INVEST = "{city}城市建设投资集团有限公司"
_TRANSPORT = "{city}交通投资集团有限公司"
_WATER = "{city}水务集团有限公司"
_HEAT = "{city}热力集团有限公司"
_WIND = (("equipment", "风机吊装完成"),)
_SOLAR = (("equipment", "光伏组件安装完成"),)
_ROAD = (("production", "建成通车"),)
_PIPE = (("production", "投入运行"), ("structure", "主管网铺设完成"))
_WATER_NAMES = (("production", "通水运行"), ("structure", "主体工程完工"))
_OPEN = (("production", "开业运营"),)
_SYSTEM = (("production", "上线运行"), ("equipment", "软硬件部署完成"))

TEMPLATES: dict[str, tuple[Template, ...]] = {
    "industrial": (
        Template("{brand}年产{n}万吨玉米深加工项目", "{city}{brand}生物科技有限公司", "factory",
                 sizes=(10, 30, 50, 60)),
        Template("{brand}年产{n}万吨大豆精深加工项目", "{city}{brand}粮油食品有限公司", "factory",
                 sizes=(5, 10, 20)),
        Template("{brand}年产{n}万吨乳制品加工项目", "{city}{brand}乳业有限公司", "factory",
                 sizes=(3, 5, 10)),
        Template("{brand}{n}万头生猪屠宰及肉制品加工项目", "{city}{brand}食品有限公司", "factory",
                 sizes=(30, 50, 100)),
        Template("{brand}年产{n}万吨水稻精深加工项目", "{region}{brand}米业有限公司", "factory",
                 sizes=(5, 10, 20)),
        Template("{brand}新能源汽车零部件产业园项目", "{city}{brand}汽车零部件有限公司", "factory"),
        Template("{brand}年产{n}万套汽车线束项目", "{city}{brand}汽车电子有限公司", "factory",
                 sizes=(50, 100, 200)),
        Template("{region}{n}兆瓦风力发电项目", "{city}{brand}新能源有限公司", "energy",
                 sizes=(50, 100, 200), names=_WIND),
        Template("{region}{n}兆瓦光伏发电项目", "{city}{brand}光伏发电有限公司", "energy",
                 sizes=(20, 50, 100), names=_SOLAR),
        Template("{region}生物质热电联产项目", "{region}{brand}热电有限公司", "energy",
                 names=(("equipment", "锅炉及汽轮机组安装完成"), ("production", "并网供热"))),
        Template("{brand}年产{n}万吨石墨负极材料项目", "{city}{brand}新材料有限公司", "factory",
                 sizes=(1, 2, 5)),
        Template("{brand}生物医药产业园{phase}期项目", "{city}{brand}生物医药有限公司", "factory"),
        Template("{brand}智能装备制造产业园项目", "{city}{brand}智能装备有限公司", "factory"),
        Template("{brand}年产{n}万吨有机肥项目", "{region}{brand}农业科技有限公司", "factory",
                 sizes=(10, 20)),
        Template("{brand}亚麻纺织产业园项目", "{city}{brand}纺织有限公司", "factory"),
        Template("{brand}年产{n}万吨饲料项目", "{region}{brand}饲料有限公司", "factory",
                 sizes=(10, 20, 30)),
        Template("{brand}年产{n}万吨精密铸件项目", "{city}{brand}铸造有限公司", "factory",
                 sizes=(2, 5)),
        Template("{brand}生产线智能化改造项目", "{city}{brand}重工有限公司", "indoor", False),
        Template("{brand}数字化车间改造项目", "{city}{brand}机械制造有限公司", "indoor", False),
        Template("{brand}技术改造项目", "{region}{brand}化工有限公司", "indoor", False),
        Template("{brand}设备更新改造项目", "{city}{brand}制药有限公司", "indoor", False),
        Template("{brand}年产{n}万台智能终端生产线项目", "{city}{brand}电子科技有限公司", "indoor",
                 False, sizes=(10, 50, 100)),
    ),
    "infrastructure": (
        Template("{region}综合管廊{phase}期工程", _CITY_INVEST, "line", names=_PIPE),
        Template("{road}改造工程", _CITY_INVEST, "line", names=_ROAD),
        Template("{river}大桥工程", _TRANSPORT, "line", names=_ROAD),
        Template("高速公路{region}连接线工程", _TRANSPORT, "line", names=_ROAD),
        Template("城市快速路{phase}期工程", _TRANSPORT, "line", names=_ROAD),
        Template("第{ord}污水处理厂提标改造工程", _WATER, "line", names=_WATER_NAMES),
        Template("{region}第二水源及输水管线工程", _WATER, "line", names=_WATER_NAMES),
        Template("{region}220千伏输变电工程", "{city}电力建设有限公司", "line",
                 names=(("production", "投运送电"),)),
        Template("{region}天然气长输管线工程", "{city}燃气集团有限公司", "line", names=_PIPE),
        Template("{region}城区排水防涝工程", _WATER, "line", names=_WATER_NAMES),
        Template("{city}综合客运枢纽项目", _TRANSPORT, "building", names=_OPEN),
        Template("{region}物流园区铁路专用线工程", _TRANSPORT, "line",
                 names=(("production", "开通运营"),)),
        Template("智慧城市运营管理平台{phase}期项目", "{city}大数据中心", "indoor", False,
                 names=_SYSTEM),
        Template("{city}交通信号智能控制系统项目", "{city}公安局交通警察支队", "indoor", False,
                 names=_SYSTEM),
    ),
    "services": (
        Template("{brand}{region}商业综合体项目", "{city}{brand}置业有限公司", names=_OPEN),
        Template("{brand}冷链物流园项目", "{city}{brand}冷链物流有限公司",
                 names=(("production", "投入运营"),)),
        Template("{city}国际会展中心项目", _CITY_INVEST, names=(("production", "投入使用"),)),
        Template("{brand}电商产业园项目", "{city}{brand}电子商务有限公司", names=_OPEN),
        Template("{brand}冰雪旅游度假区项目", "{city}{brand}文化旅游有限公司", names=_OPEN),
        Template("{brand}温泉度假村项目", "{region}{brand}旅游开发有限公司", names=_OPEN),
        Template("{brand}五星级酒店项目", "{city}{brand}酒店管理有限公司", names=_OPEN),
        Template("{region}农产品批发市场项目", "{region}{brand}市场管理有限公司", names=_OPEN),
        Template("{brand}跨境电商物流中心项目", "{city}{brand}国际物流有限公司",
                 names=(("production", "投入运营"),)),
        Template("{brand}总部经济大厦项目", "{city}{brand}投资有限公司", names=_OPEN),
        Template("{brand}汽车商贸城项目", "{city}{brand}汽车销售服务有限公司", names=_OPEN),
        Template("{brand}粮食仓储物流项目", "{region}{brand}粮食储备有限公司",
                 names=(("production", "投入运营"),)),
        Template("软件和信息服务外包基地装修工程", "{city}{brand}科技园发展有限公司", "indoor",
                 False, names=_OPEN),
        Template("{brand}数据中心机房扩容项目", "{city}{brand}云计算有限公司", "indoor", False,
                 names=_SYSTEM),
    ),
    "social": (
        Template("{city}第{ord}中学新建工程", "{city}教育局"),
        Template("{region}实验小学教学楼工程", "{region}教育局"),
        Template("{city}职业技术学院实训楼项目", "{city}职业技术学院"),
        Template("{city}图书馆新馆项目", "{city}图书馆"),
        Template("{region}全民健身中心项目", "{region}文体旅游局"),
        Template("{city}冰上运动中心项目", "{city}体育局"),
        Template("{city}博物馆陈列布展工程", "{city}博物馆", "indoor", False),
        Template("{region}智慧校园建设项目", "{region}教育局", "indoor", False, names=_SYSTEM),
        Template("{city}档案馆数字化改造项目", "{city}档案馆", "indoor", False, names=_SYSTEM),
        Template("{region}青少年活动中心项目", "{region}教育局"),
        Template("{region}第{ord}幼儿园新建工程", "{region}教育局"),
        Template("{city}特殊教育学校项目", "{city}教育局"),
        Template("{region}文化艺术中心项目", "{region}文体旅游局"),
        Template("{region}养老服务中心项目", "{region}民政局"),
    ),
    "livelihood": (
        Template("{region}老旧小区改造工程", "{region}住房和城乡建设局",
                 names=(("structure", "楼体节能改造完成"), ("production", "交付使用"))),
        Template("{region}棚户区改造{phase}期项目", "{region}城市建设投资有限公司",
                 names=(("production", "回迁交付"),)),
        Template("{region}保障性租赁住房项目", "{city}安居集团有限公司",
                 names=(("production", "交付使用"),)),
        Template("{region}农村供水保障工程", _WATER, "line", names=_WATER_NAMES),
        Template("{region}城区供热管网改造工程", _HEAT, "line", names=_PIPE),
        Template("{region}燃气管网老化更新改造工程", "{city}燃气集团有限公司", "line",
                 names=_PIPE),
        Template("{region}集中供热热源厂项目", _HEAT, names=(("production", "投入运行"),)),
        Template("{region}公共停车场项目", "{region}城市建设投资有限公司",
                 names=(("production", "投入使用"),)),
        Template("{region}农贸市场改造项目", "{region}商务局",
                 names=(("production", "开业运营"),)),
        Template("{region}社区综合服务中心项目", "{region}民政局",
                 names=(("production", "投入使用"),)),
        Template("{region}智慧供热监管平台项目", _HEAT, "indoor", False, names=_SYSTEM),
        Template("{region}老年助餐服务点建设项目", "{region}民政局", "indoor", False),
    ),
    "health": (
        Template("{city}第{ord}人民医院门诊楼扩建工程", "{city}第{ord}人民医院"),
        Template("{region}中医医院住院楼项目", "{region}中医医院"),
        Template("{city}妇幼保健院新院区项目", "{city}妇幼保健院"),
        Template("{city}疾病预防控制中心实验楼项目", "{city}疾病预防控制中心"),
        Template("{city}传染病医院项目", "{city}传染病医院"),
        Template("{region}急救中心项目", "{region}卫生健康局"),
        Template("{region}人民医院医疗设备购置项目", "{region}人民医院", "indoor", False,
                 names=(("equipment", "医疗设备安装调试"),)),
        Template("区域医疗信息平台{phase}期项目", "{city}卫生健康信息中心", "indoor", False,
                 names=_SYSTEM),
        Template("{city}中心医院智慧医院建设项目", "{city}中心医院", "indoor", False,
                 names=_SYSTEM),
        Template("{region}人民医院手术室净化改造工程", "{region}人民医院", "indoor", False),
        Template("{city}康复医院项目", "{city}康复医院"),
        Template("{city}精神卫生中心迁建项目", "{city}精神卫生中心"),
        Template("{region}乡镇卫生院标准化建设项目", "{region}卫生健康局"),
    ),
}

# Default node names per category, on top of the life's own names.
CATEGORY_NAMES: dict[str, dict[str, str]] = {
    "industrial": {},
    "infrastructure": {},
    "services": {"equipment": "设备安装调试", "production": "开业运营"},
    "social": {"equipment": "教学及体育设施安装", "production": "投入使用"},
    "livelihood": {"equipment": "配套设施安装", "production": "交付使用"},
    "health": {"equipment": "医疗设备安装调试", "production": "投入使用"},
}


class Step(NamedTuple):
    """One node of a project's life: kind, name, stage, optional, duration range (days).

    Stages: ``pre`` approvals (前期手续, run in parallel with the works), ``site`` outdoor
    site works (stop in winter), ``build`` the rest of the construction chain.
    """

    kind: str
    name: str
    stage: str
    optional: bool
    lo: int
    hi: int


def _s(kind: str, name: str, stage: str, optional: bool, lo: int, hi: int) -> Step:
    return Step(kind, name, stage, optional, lo, hi)


_APPROVALS = (
    _s("land", "取得土地使用权", "pre", True, 30, 60),
    _s("planning_permit", "取得建设工程规划许可证", "pre", True, 20, 40),
    _s("eia", "取得环评批复", "pre", True, 25, 45),
    _s("construction_permit", "取得施工许可证", "pre", False, 15, 30),
)

# A project's life in order (倒排工期 plans these backwards from the deadline).
LIVES: dict[str, tuple[Step, ...]] = {
    "factory": (
        _s("approval", "完成项目备案", "pre", False, 15, 30),
        *_APPROVALS,
        _s("start", "项目开工", "site", False, 10, 20),
        _s("custom", "基础工程完工", "site", True, 30, 50),
        _s("structure", "主体厂房封顶", "site", False, 50, 100),
        _s("equipment", "生产设备安装调试", "build", False, 45, 90),
        _s("completion", "竣工验收", "build", False, 20, 40),
        _s("production", "试生产投产", "build", False, 20, 45),
        _s("full_output", "达产达效", "build", True, 90, 200),
        _s("statistics", "纳入规上工业统计", "build", True, 20, 40),
    ),
    "energy": (
        _s("approval", "取得项目核准批复", "pre", False, 20, 40),
        _s("land", "取得用地批复", "pre", True, 30, 60),
        _s("eia", "取得环评批复", "pre", True, 25, 45),
        _s("construction_permit", "完成开工手续办理", "pre", False, 15, 30),
        _s("start", "项目开工", "site", False, 10, 20),
        _s("custom", "基础施工完成", "site", False, 40, 70),
        _s("equipment", "设备安装完成", "site", False, 40, 80),
        _s("custom", "升压站建成", "site", True, 30, 60),
        _s("completion", "竣工验收", "build", False, 20, 40),
        _s("production", "并网发电", "build", False, 10, 30),
        _s("statistics", "纳入规上工业统计", "build", True, 20, 40),
    ),
    "building": (
        _s("approval", "取得立项批复", "pre", False, 20, 40),
        *_APPROVALS,
        _s("start", "开工建设", "site", False, 10, 20),
        _s("custom", "基础工程完工", "site", True, 30, 50),
        _s("structure", "主体结构封顶", "site", False, 50, 100),
        _s("custom", "外墙及屋面工程完工", "site", True, 30, 50),
        _s("equipment", "设备安装调试", "build", True, 30, 70),
        _s("custom", "室内装修完成", "build", True, 40, 80),
        _s("completion", "竣工验收", "build", False, 20, 40),
        _s("production", "投入使用", "build", False, 15, 40),
        _s("statistics", "纳入限额以上统计", "build", True, 20, 40),
    ),
    "line": (
        _s("approval", "取得可研批复", "pre", False, 20, 40),
        _s("land", "完成征地拆迁", "pre", True, 40, 80),
        _s("planning_permit", "取得规划许可", "pre", True, 20, 40),
        _s("eia", "取得环评批复", "pre", True, 25, 45),
        _s("construction_permit", "取得施工许可证", "pre", False, 15, 30),
        _s("start", "开工建设", "site", False, 10, 20),
        _s("custom", "完成管线迁改", "site", True, 30, 50),
        _s("structure", "主体工程完工", "site", False, 60, 120),
        _s("custom", "附属工程完工", "site", True, 30, 50),
        _s("completion", "交工验收", "build", False, 20, 40),
        _s("production", "建成通车", "build", False, 10, 30),
    ),
    "indoor": (
        _s("approval", "完成立项备案", "pre", False, 15, 30),
        _s("custom", "完成招标采购", "pre", False, 30, 50),
        _s("custom", "签订合同", "pre", True, 10, 20),
        _s("start", "进场实施", "build", False, 10, 20),
        _s("equipment", "设备安装调试", "build", False, 45, 90),
        _s("custom", "系统联调测试", "build", True, 20, 40),
        _s("completion", "竣工验收", "build", False, 20, 40),
        _s("production", "投入使用", "build", False, 15, 30),
        _s("full_output", "达产达效", "build", True, 60, 120),
        _s("statistics", "纳入规上工业统计", "build", True, 20, 40),
    ),
}

# The first node of a continuing (续建) project's year: works resume after the winter.
RESUME = _s("custom", "春季复工", "site", False, 10, 20)

# Kinds that only some categories have.
KIND_CATEGORIES: dict[str, tuple[str, ...]] = {
    "full_output": ("industrial",),
    "statistics": ("industrial", "services"),
}

# What a stuck project reports (问题).
PROBLEMS = ("建设资金未到位，暂停施工", "征地拆迁遗留问题未解决，部分区域无法施工",
            "设备供货延迟", "施工手续未办结，暂缓施工", "施工单位更换，进场滞后",
            "设计方案调整，等待审批")
