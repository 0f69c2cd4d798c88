"""The feature catalogue: every name a policy may use, with its type, unit and labels.

Three kinds of feature live here. *Input* features come with the record (from the dossier and
the seller's own CRM data). *Derived* features are expressions over other features, added by
users; the compiler substitutes their definitions, so every evaluation path sees the same
arithmetic. *Output* features are produced by the policy itself while it runs: ``score`` (from
the scorecard, usable in rating rules and credit cases) and ``grade`` (from the rating step,
usable in credit cases only).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from riskdesk.engine.errors import ErrorCode, ExpressionError
from riskdesk.engine.types import ExprType, ValueType, expr_type_of

if TYPE_CHECKING:
    from riskdesk.engine.ir import Node

FEATURE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class FeatureKind(StrEnum):
    INPUT = "input"
    DERIVED = "derived"
    OUTPUT = "output"


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    type: ValueType
    label_zh: str
    label_en: str
    unit: str | None = None
    description_zh: str = ""
    description_en: str = ""
    allowed_values: tuple[str, ...] = ()
    kind: FeatureKind = FeatureKind.INPUT
    expression: str | None = None

    @property
    def expr_type(self) -> ExprType:
        return expr_type_of(self.type)

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_zh


@dataclass(frozen=True, slots=True)
class DerivedFeature:
    """A user-defined feature: a name, labels and an expression over other features."""

    name: str
    expression: str
    label_zh: str
    label_en: str
    type: ValueType | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Catalogue:
    """An immutable registry of features; ``with_derived`` returns an extended copy."""

    features: Mapping[str, Feature]
    derived_ir: Mapping[str, Node] = field(default_factory=dict)

    def __contains__(self, name: object) -> bool:
        return name in self.features

    def __iter__(self) -> Iterator[Feature]:
        return iter(self.features.values())

    def __len__(self) -> int:
        return len(self.features)

    def get(self, name: str) -> Feature | None:
        return self.features.get(name)

    def __getitem__(self, name: str) -> Feature:
        return self.features[name]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.features)

    def with_derived(self, derived: Iterable[DerivedFeature]) -> Catalogue:
        """This catalogue plus ``derived`` features, checked and compiled.

        Definitions may refer to each other in any order; a cycle is an ``ExpressionError``.
        """
        from riskdesk.engine.derived import add_derived_features

        return add_derived_features(self, list(derived))


def _feature(
    name: str,
    value_type: ValueType,
    zh: str,
    en: str,
    unit: str | None = None,
    allowed: tuple[str, ...] = (),
    description_zh: str = "",
    description_en: str = "",
    kind: FeatureKind = FeatureKind.INPUT,
) -> Feature:
    return Feature(
        name=name,
        type=value_type,
        label_zh=zh,
        label_en=en,
        unit=unit,
        allowed_values=allowed,
        description_zh=description_zh,
        description_en=description_en,
        kind=kind,
    )


ENTERPRISE_TYPES = ("央企", "国企", "民企", "外资", "合资", "集体", "个体", "事业单位", "其他")
ENTERPRISE_STATUSES = ("存续", "在业", "迁入", "迁出", "停业", "清算", "吊销", "撤销", "注销")
TAX_CREDIT_GRADES = ("A", "B", "M", "C", "D")
INDUSTRY_SECTIONS = (  # GB/T 4754-2017 门类
    "农、林、牧、渔业",
    "采矿业",
    "制造业",
    "电力、热力、燃气及水生产和供应业",
    "建筑业",
    "批发和零售业",
    "交通运输、仓储和邮政业",
    "住宿和餐饮业",
    "信息传输、软件和信息技术服务业",
    "金融业",
    "房地产业",
    "租赁和商务服务业",
    "科学研究和技术服务业",
    "水利、环境和公共设施管理业",
    "居民服务、修理和其他服务业",
    "教育",
    "卫生和社会工作",
    "文化、体育和娱乐业",
    "公共管理、社会保障和社会组织",
    "国际组织",
)
PROVINCES = (
    "北京市",
    "天津市",
    "河北省",
    "山西省",
    "内蒙古自治区",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "上海市",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "广西壮族自治区",
    "海南省",
    "重庆市",
    "四川省",
    "贵州省",
    "云南省",
    "西藏自治区",
    "陕西省",
    "甘肃省",
    "青海省",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "台湾省",
    "香港特别行政区",
    "澳门特别行政区",
)
GRADE_CODES = ("S", "A", "B", "C", "D")

N, INT, T, B, D = (
    ValueType.NUMBER,
    ValueType.INTEGER,
    ValueType.TEXT,
    ValueType.BOOLEAN,
    ValueType.DATE,
)


def _dossier_features() -> list[Feature]:
    return [
        _feature("enterprise_type", T, "企业性质", "Enterprise type", allowed=ENTERPRISE_TYPES),
        _feature("state_share", N, "国有持股比例", "State shareholding", "ratio 0–1"),
        _feature("registered_capital", N, "注册资本", "Registered capital", "CNY"),
        _feature("paid_in_capital", N, "实缴资本", "Paid-in capital", "CNY"),
        _feature("years_established", N, "成立年限", "Years since establishment", "years"),
        _feature("established_date", D, "成立日期", "Date of establishment"),
        _feature(
            "industry", T, "行业门类", "Industry section (GB/T 4754)", allowed=INDUSTRY_SECTIONS
        ),
        _feature("province", T, "所在省份", "Province", allowed=PROVINCES),
        _feature("status", T, "登记状态", "Registration status", allowed=ENTERPRISE_STATUSES),
        _feature("patent_count", INT, "专利数量", "Patents"),
        _feature("trademark_count", INT, "商标数量", "Trademarks"),
        _feature("total_assets", N, "资产总额", "Total assets", "CNY"),
        _feature("annual_revenue", N, "营业收入", "Annual revenue", "CNY"),
        _feature("net_profit", N, "净利润", "Net profit", "CNY"),
        _feature("employees", INT, "从业人数", "Employees"),
        _feature(
            "tax_credit_grade", T, "纳税信用等级", "Tax credit grade", allowed=TAX_CREDIT_GRADES
        ),
        _feature("tax_arrears_amount", N, "欠税金额", "Tax arrears", "CNY"),
        _feature("dishonest_debtor_count", INT, "失信被执行人记录数", "Dishonest-debtor records"),
        _feature("enforcement_count", INT, "被执行人记录数", "Enforcement records"),
        _feature("enforcement_amount", N, "被执行金额", "Enforcement amount", "CNY"),
        _feature("consumption_restriction", B, "限制高消费", "Consumption restriction"),
        _feature(
            "lawsuit_defendant_count_12m", INT, "近12个月被告案件数", "Lawsuits as defendant, 12 m"
        ),
        _feature("lawsuit_amount_12m", N, "近12个月涉诉金额", "Lawsuit amount, 12 m", "CNY"),
        _feature("abnormal_operation_active", B, "经营异常（未移出）", "Abnormal operation listed"),
        _feature("penalty_count_24m", INT, "近24个月行政处罚数", "Administrative penalties, 24 m"),
        _feature(
            "serious_violation_active", B, "严重违法失信（未移出）", "Serious violation listed"
        ),
        _feature("equity_pledge_count", INT, "股权出质数", "Equity pledges"),
        _feature("negative_news_count_90d", INT, "近90天负面舆情数", "Negative news, 90 d"),
        _feature("sanctions_hit", B, "命中制裁名单", "Sanctions hit"),
        _feature("licence_expired_count", INT, "过期资质证照数", "Expired licences"),
    ]


def _trading_features() -> list[Feature]:
    return [
        _feature("sales_12m", N, "近12个月销售额", "Sales, 12 m", "CNY"),
        _feature("avg_monthly_sales_12m", N, "近12个月月均销售额", "Average monthly sales", "CNY"),
        _feature("orders_12m", INT, "近12个月订单数", "Orders, 12 m"),
        _feature("customer_since_years", N, "合作年限", "Customer for", "years"),
        _feature("open_receivables", N, "未结应收", "Open receivables", "CNY"),
        _feature("open_orders", N, "未结订单", "Open orders", "CNY"),
        _feature("exposure", N, "信用占用", "Credit exposure", "CNY"),
        _feature("overdue_amount", N, "逾期金额", "Overdue amount", "CNY"),
        _feature(
            "max_overdue_days_12m", INT, "近12个月最长逾期天数", "Max overdue days, 12 m", "days"
        ),
        _feature("dso_days", N, "应收账款周转天数", "DSO", "days"),
        _feature("current_limit", N, "当前授信额度", "Current credit limit", "CNY"),
        _feature("utilisation", N, "额度使用率", "Limit utilisation", "ratio"),
        _feature("previous_grade", T, "上次评级", "Previous grade", allowed=GRADE_CODES),
        _feature("previous_score", N, "上次评分", "Previous score", "points 0–100"),
        _feature(
            "as_of_date",
            D,
            "评估日期",
            "Evaluation date",
            description_zh="由调用方传入，保证重放结果一致（语言中没有 CURRENT_DATE）",
            description_en="Supplied by the caller so replays give the same result "
            "(the language has no CURRENT_DATE)",
        ),
        _feature(
            "pd",
            N,
            "违约概率",
            "Probability of default",
            "ratio 0–1",
            description_zh="由违约概率模型给出，可在授信公式中使用",
            description_en="From a probability-of-default model; usable in credit formulas",
        ),
    ]


def _output_features() -> list[Feature]:
    return [
        _feature(
            "score",
            N,
            "本次评分",
            "Score",
            "points 0–100",
            description_zh="本策略评分卡得出的分数，可用于评级规则和授信条件",
            description_en="This policy's scorecard score; usable in rating rules and credit",
            kind=FeatureKind.OUTPUT,
        ),
        _feature(
            "grade",
            T,
            "本次评级",
            "Grade",
            description_zh="本策略评级步骤得出的等级，可用于授信条件",
            description_en="The grade this policy's rating step produced; usable in credit",
            kind=FeatureKind.OUTPUT,
        ),
    ]


def default_catalogue() -> Catalogue:
    """The starting feature set of DESIGN.md §3.5, plus ``pd`` and the policy outputs."""
    features = _dossier_features() + _trading_features() + _output_features()
    return Catalogue(features={feature.name: feature for feature in features})


def catalogue_of(features: Iterable[Feature]) -> Catalogue:
    """A catalogue of exactly ``features`` (for tests and for other products' own sets)."""
    registry: dict[str, Feature] = {}
    for feature in features:
        if not FEATURE_NAME.match(feature.name):
            raise ExpressionError(
                ErrorCode.INVALID_VALUE,
                f"特征名 {feature.name!r} 无效：只能用小写字母、数字和下划线，以字母开头",
                f"feature name {feature.name!r} is invalid: use lower-case letters, digits and "
                "underscores, starting with a letter",
                text=feature.name,
            )
        registry[feature.name] = feature
    return Catalogue(features=registry)
