"""Static tables and pre-drawn pools for the sandbox generator.

Faker (zh_CN) is called only here, once, with a fixed seed: drawing from these pools is a
list index, so generating a dossier never runs Faker in a loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from faker import Faker

POOL_SEED = 4754


@dataclass(frozen=True, slots=True)
class Province:
    code: str
    name: str
    abbreviation: str
    cities: tuple[str, ...]


PROVINCES: dict[str, Province] = {
    p.code: p
    for p in (
        Province("11", "北京市", "京", ("北京",)),
        Province("12", "天津市", "津", ("天津",)),
        Province("13", "河北省", "冀", ("石家庄", "唐山", "保定", "廊坊")),
        Province("14", "山西省", "晋", ("太原", "大同")),
        Province("15", "内蒙古自治区", "蒙", ("呼和浩特", "包头")),
        Province("21", "辽宁省", "辽", ("沈阳", "大连")),
        Province("22", "吉林省", "吉", ("长春", "吉林")),
        Province("23", "黑龙江省", "黑", ("哈尔滨", "大庆")),
        Province("31", "上海市", "沪", ("上海",)),
        Province("32", "江苏省", "苏", ("南京", "苏州", "无锡", "常州", "南通")),
        Province("33", "浙江省", "浙", ("杭州", "宁波", "温州", "绍兴", "嘉兴", "金华")),
        Province("34", "安徽省", "皖", ("合肥", "芜湖")),
        Province("35", "福建省", "闽", ("福州", "厦门", "泉州")),
        Province("36", "江西省", "赣", ("南昌", "赣州")),
        Province("37", "山东省", "鲁", ("济南", "青岛", "烟台", "潍坊")),
        Province("41", "河南省", "豫", ("郑州", "洛阳")),
        Province("42", "湖北省", "鄂", ("武汉", "宜昌", "襄阳")),
        Province("43", "湖南省", "湘", ("长沙", "株洲")),
        Province("44", "广东省", "粤", ("广州", "深圳", "东莞", "佛山", "珠海", "中山")),
        Province("45", "广西壮族自治区", "桂", ("南宁", "柳州")),
        Province("46", "海南省", "琼", ("海口",)),
        Province("50", "重庆市", "渝", ("重庆",)),
        Province("51", "四川省", "川", ("成都", "绵阳")),
        Province("52", "贵州省", "黔", ("贵阳",)),
        Province("53", "云南省", "云", ("昆明",)),
        Province("54", "西藏自治区", "藏", ("拉萨",)),
        Province("61", "陕西省", "陕", ("西安", "宝鸡")),
        Province("62", "甘肃省", "甘", ("兰州",)),
        Province("63", "青海省", "青", ("西宁",)),
        Province("64", "宁夏回族自治区", "宁", ("银川",)),
        Province("65", "新疆维吾尔自治区", "新", ("乌鲁木齐",)),
    )
}


@dataclass(frozen=True, slots=True)
class LicenceKind:
    name: str
    prefix: str
    issuer: str
    valid_years: int | None


@dataclass(frozen=True, slots=True)
class Industry:
    code: str
    name: str
    words: tuple[str, ...]
    scope: str
    licences: tuple[LicenceKind, ...]
    weight: int
    manufacturing: bool = False


_POLLUTION = LicenceKind("排污许可证", "PW", "生态环境局", 5)
HIGH_TECH = LicenceKind("高新技术企业证书", "GR", "科学技术厅", 3)
_ISO9001 = LicenceKind("质量管理体系认证证书", "ISO", "认证机构", 3)
_FOOD_MAKING = LicenceKind("食品生产许可证", "SC", "市场监督管理局", 5)
_FOOD_TRADE = LicenceKind("食品经营许可证", "JY", "市场监督管理局", 5)
_SAFETY = LicenceKind("安全生产许可证", "AQ", "应急管理厅", 3)
_HAZCHEM = LicenceKind("危险化学品经营许可证", "WH", "应急管理局", 3)
_DRUGS = LicenceKind("药品生产许可证", "YP", "药品监督管理局", 5)
_BUILDING = LicenceKind("建筑业企业资质证书", "JZ", "住房和城乡建设厅", 5)
_ROAD = LicenceKind("道路运输经营许可证", "DY", "交通运输局", 4)
_TELECOM = LicenceKind("增值电信业务经营许可证", "DX", "通信管理局", 5)
_TRADE = LicenceKind("对外贸易经营者备案登记表", "WM", "商务局", None)
_POWER = LicenceKind("电力业务许可证", "DL", "国家能源局派出机构", 20)

INDUSTRIES: tuple[Industry, ...] = (
    Industry(
        "C13",
        "农副食品加工业",
        ("食品", "粮油"),
        "农副产品加工；食品生产",
        (_FOOD_MAKING, _POLLUTION),
        4,
        True,
    ),
    Industry(
        "C14",
        "食品制造业",
        ("食品", "乳业"),
        "食品生产；食品销售",
        (_FOOD_MAKING, _ISO9001),
        3,
        True,
    ),
    Industry(
        "C17", "纺织业", ("纺织", "织造"), "纺织品生产、销售", (_POLLUTION, _ISO9001), 4, True
    ),
    Industry(
        "C22",
        "造纸和纸制品业",
        ("纸业", "包装"),
        "纸制品制造；包装材料销售",
        (_POLLUTION,),
        3,
        True,
    ),
    Industry(
        "C26",
        "化学原料和化学制品制造业",
        ("化工", "新材料"),
        "化工产品生产（不含许可类化工产品）",
        (_SAFETY, _HAZCHEM, _POLLUTION),
        6,
        True,
    ),
    Industry(
        "C27",
        "医药制造业",
        ("医药", "生物"),
        "药品生产；医疗器械销售",
        (_DRUGS, HIGH_TECH),
        2,
        True,
    ),
    Industry(
        "C29",
        "橡胶和塑料制品业",
        ("塑胶", "橡塑"),
        "塑料制品制造；橡胶制品销售",
        (_POLLUTION, _ISO9001),
        5,
        True,
    ),
    Industry(
        "C30",
        "非金属矿物制品业",
        ("建材", "陶瓷"),
        "建筑材料生产、销售",
        (_POLLUTION, _SAFETY),
        4,
        True,
    ),
    Industry(
        "C31",
        "黑色金属冶炼和压延加工业",
        ("钢铁", "特钢"),
        "钢压延加工；金属材料销售",
        (_POLLUTION, _SAFETY),
        2,
        True,
    ),
    Industry(
        "C33",
        "金属制品业",
        ("五金", "金属制品"),
        "金属制品研发、制造、销售",
        (_POLLUTION, _ISO9001),
        6,
        True,
    ),
    Industry(
        "C34",
        "通用设备制造业",
        ("机械", "机电"),
        "通用设备制造；机械设备销售",
        (_ISO9001, HIGH_TECH),
        7,
        True,
    ),
    Industry(
        "C35",
        "专用设备制造业",
        ("装备", "智能装备"),
        "专用设备制造；技术服务",
        (_ISO9001, HIGH_TECH),
        5,
        True,
    ),
    Industry(
        "C36",
        "汽车制造业",
        ("汽车部件", "汽配"),
        "汽车零部件及配件制造",
        (_ISO9001, _POLLUTION),
        4,
        True,
    ),
    Industry(
        "C38",
        "电气机械和器材制造业",
        ("电气", "电器"),
        "电气设备制造；电线电缆销售",
        (_ISO9001, HIGH_TECH),
        6,
        True,
    ),
    Industry(
        "C39",
        "计算机、通信和其他电子设备制造业",
        ("电子", "光电"),
        "电子元器件制造；通信设备销售",
        (HIGH_TECH, _ISO9001),
        6,
        True,
    ),
    Industry(
        "D44",
        "电力、热力生产和供应业",
        ("能源", "电力"),
        "发电业务；热力生产和供应",
        (_POWER, _SAFETY),
        1,
    ),
    Industry(
        "E47", "房屋建筑业", ("建设", "建筑"), "建设工程施工；房屋建筑工程", (_BUILDING, _SAFETY), 4
    ),
    Industry(
        "E48",
        "土木工程建筑业",
        ("建设工程", "路桥"),
        "市政公用工程施工；土石方工程",
        (_BUILDING, _SAFETY),
        3,
    ),
    Industry(
        "F51",
        "批发业",
        ("贸易", "商贸"),
        "国内贸易代理；货物进出口；金属材料销售",
        (_TRADE, _FOOD_TRADE),
        12,
    ),
    Industry("F52", "零售业", ("商贸", "百货"), "日用百货销售；食品销售", (_FOOD_TRADE,), 4),
    Industry("G54", "道路运输业", ("物流", "运输"), "道路货物运输；国内货物运输代理", (_ROAD,), 4),
    Industry(
        "G59",
        "装卸搬运和仓储业",
        ("供应链", "仓储"),
        "普通货物仓储服务；供应链管理服务",
        (_ROAD,),
        2,
    ),
    Industry(
        "I65",
        "软件和信息技术服务业",
        ("科技", "信息技术"),
        "软件开发；信息系统集成服务；技术服务",
        (_TELECOM, HIGH_TECH),
        6,
    ),
    Industry("L72", "商务服务业", ("咨询", "企业管理"), "企业管理咨询；市场营销策划", (), 3),
    Industry(
        "M75",
        "科技推广和应用服务业",
        ("技术", "科创"),
        "技术开发、技术咨询、技术转让",
        (HIGH_TECH,),
        2,
    ),
)

NAME_CHARACTERS = (
    "华信达创恒盛通泰利鑫源宏远博誉瑞丰昌嘉德中金海天新润安康福祥联合永兴汇佳明正光星凯腾晟"
    "烨蓝元东方宇航隆旭欣弘嘉锦铭辉诚亿晶驰卓越拓展浩峰智禾"
)

FOREIGN_STEMS = (
    "Pacific",
    "Orient",
    "Meridian",
    "Harbor",
    "Summit",
    "Crown",
    "Everest",
    "Atlas",
    "Aurora",
    "Beacon",
    "Cedar",
    "Delta",
    "Falcon",
    "Granite",
    "Horizon",
    "Ivory",
    "Jade",
    "Keystone",
    "Lotus",
    "Maple",
    "Nova",
    "Oakridge",
    "Pioneer",
    "Quantum",
    "Redwood",
    "Sterling",
    "Titan",
)
FOREIGN_FORMS = (
    "Holdings Limited",
    "Investment Co., Ltd.",
    "GmbH",
    "Pte. Ltd.",
    "Inc.",
    "B.V.",
    "Corporation",
)

LAWSUIT_CAUSES = (
    "买卖合同纠纷",
    "买卖合同纠纷",
    "买卖合同纠纷",
    "承揽合同纠纷",
    "借款合同纠纷",
    "金融借款合同纠纷",
    "劳动争议",
    "租赁合同纠纷",
    "建设工程施工合同纠纷",
    "服务合同纠纷",
    "运输合同纠纷",
    "民间借贷纠纷",
    "票据追索权纠纷",
    "侵害商标权纠纷",
)
ABNORMAL_REASONS = (
    "未依照《企业信息公示暂行条例》第八条规定的期限公示年度报告",
    "通过登记的住所或者经营场所无法联系",
    "公示企业信息隐瞒真实情况、弄虚作假",
    "未在市场监督管理部门依照《企业信息公示暂行条例》责令的期限内公示有关企业信息",
)
SERIOUS_REASONS = (
    "被列入经营异常名录届满3年仍未履行相关义务",
    "提交虚假材料或者采取其他欺诈手段隐瞒重要事实，取得公司登记，被撤销登记",
)
PENALTY_KINDS = (
    ("市场监督管理局", "市监", "销售不合格产品", "罚款", 20_000, 200_000),
    ("生态环境局", "环", "超标排放大气污染物", "罚款", 50_000, 500_000),
    ("应急管理局", "应急", "未按规定开展安全生产教育培训", "警告、罚款", 10_000, 100_000),
    ("税务局", "税", "未按期办理纳税申报", "罚款", 1_000, 10_000),
    ("海关", "关", "申报不实", "罚款", 10_000, 300_000),
    ("消防救援支队", "消", "消防设施未保持完好有效", "罚款", 5_000, 50_000),
)
TAX_TYPES = ("增值税", "企业所得税", "城市维护建设税", "印花税", "房产税")
TAX_VIOLATIONS = ("虚开增值税专用发票", "逃避缴纳税款", "骗取出口退税")
NEWS_SOURCES = (
    "新浪财经",
    "证券时报",
    "第一财经",
    "21世纪经济报道",
    "澎湃新闻",
    "财新网",
    "经济观察报",
    "界面新闻",
)
POSITIVE_NEWS = (
    ("{short}获评国家级专精特新“小巨人”企业", ("荣誉", "专精特新")),
    ("{short}完成新一轮融资，加码研发投入", ("融资",)),
    ("{short}新生产基地正式投产", ("产能", "投资")),
    ("{short}中标重大工程项目", ("中标",)),
)
NEUTRAL_NEWS = (
    ("{short}参加行业博览会并发布新品", ("产品",)),
    ("{short}召开年度经销商大会", ("经营",)),
    ("{short}与高校签署产学研合作协议", ("合作",)),
)
NEGATIVE_NEWS = (
    ("{short}被曝拖欠供应商货款", ("欠款", "经营风险")),
    ("{short}多名员工讨薪，生产线停工", ("劳资纠纷", "经营风险")),
    ("{short}因环保问题被责令停产整改", ("环保", "行政处罚")),
    ("{short}实控人被限制高消费", ("司法风险",)),
    ("{short}陷入债务纠纷，多个银行账户被冻结", ("司法风险", "债务")),
    ("{short}产品抽检不合格", ("质量",)),
)
DISHONEST_NEWS = ("{short}被列为失信被执行人", ("失信", "司法风险"))
POSITIONS_OTHERS = ("董事", "监事", "财务负责人", "副总经理", "董事会秘书")
SANCTIONS_LISTS = (
    (("us_ofac_sdn",), ("sanction",)),
    (("us_bis_entity_list",), ("export.control",)),
    (("eu_fsf",), ("sanction",)),
    (("worldbank_debarred",), ("debarment",)),
)


@dataclass(frozen=True, slots=True)
class Pools:
    person_names: tuple[str, ...]
    street_names: tuple[str, ...]
    districts: tuple[str, ...]
    brand_stems: tuple[str, ...]
    counterparties: tuple[str, ...]


@cache
def pools() -> Pools:
    """The Faker-drawn pools, built once per process with a fixed seed."""
    faker = Faker("zh_CN")
    faker.seed_instance(POOL_SEED)
    people = tuple(dict.fromkeys(faker.name() for _ in range(6000)))
    streets = tuple(dict.fromkeys(faker.street_name() for _ in range(800)))
    districts = tuple(dict.fromkeys(faker.district() for _ in range(400)))
    chars = NAME_CHARACTERS
    stems = {a + b for a in chars for b in chars if a != b}
    stems.update(faker.company_prefix() for _ in range(300))
    brand_stems = tuple(sorted(stems))
    counterparties = tuple(_counterparty_names(faker, brand_stems))
    return Pools(people, streets, districts, brand_stems, counterparties)


def _counterparty_names(faker: Faker, stems: tuple[str, ...]) -> list[str]:
    """Names of the other parties in lawsuits, restrictions and the like."""
    rng = faker.random
    cities = [city for province in PROVINCES.values() for city in province.cities]
    names = []
    for _ in range(3000):
        industry = rng.choice(INDUSTRIES)
        names.append(f"{rng.choice(cities)}{rng.choice(stems)}{rng.choice(industry.words)}有限公司")
    return sorted(set(names))
