"""The canonical enterprise dossier (企业档案): the one document every provider maps into.

Conventions (see docs/dossier.md):

* Every model is frozen and every list is a tuple, so a dossier is an immutable value.
* Money is CNY (元) as :class:`~decimal.Decimal`, rounded half-up to the fen (0.01) on input and
  written in JSON as a string with exactly two decimals (``"1234.50"``). Features turn it into
  float64 at the edge.
* Ratios (shareholdings) are floats in [0, 1], rounded to six decimals.
* Every list item has a stable ``id``: the provider's own id when it gives one, otherwise one
  derived from the item's natural key (case number, registration number, year …). Lists are
  kept sorted by id and lists of plain strings are sorted too (they are sets), so the same
  facts in any order give the same canonical bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum, StrEnum
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from riskdesk.dossier.uscc import UsccError, validate_uscc

SCHEMA_VERSION = "1.0"

_FEN = Decimal("0.01")
_INT_FAST_PATH = 10**20


def describe(zh: str, en: str, **kwargs: Any) -> Any:
    """A pydantic ``Field`` whose description reads ``中文 — English``."""
    return Field(description=f"{zh} — {en}", **kwargs)


# ---------------------------------------------------------------------------- value types


def _to_money(value: object) -> object:
    if type(value) is int and -_INT_FAST_PATH < value < _INT_FAST_PATH:
        return Decimal(value).quantize(_FEN)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float | str | Decimal):
        text = str(value).strip().replace(",", "")
        try:
            amount = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(f"金额格式不正确：{value!r} / not an amount: {value!r}") from exc
        if not amount.is_finite():
            raise ValueError(f"金额必须是有限数 / amount must be finite: {value!r}")
        return amount.quantize(_FEN, rounding=ROUND_HALF_UP)
    return value


def money_text(amount: Decimal) -> str:
    """The canonical JSON form of an amount: two decimals, no exponent."""
    return format(amount, "f")


_MONEY_SCHEMA = {
    "type": "string",
    "pattern": r"^-?\d+\.\d{2}$",
    "description": "人民币元，保留两位小数的字符串 — CNY yuan as a string with two decimals",
}

MoneyCny = Annotated[
    Decimal,
    BeforeValidator(_to_money),
    PlainSerializer(money_text, return_type=str, when_used="json"),
    WithJsonSchema(_MONEY_SCHEMA),
]
"""CNY amount, may be negative (net profit)."""

AmountCny = Annotated[MoneyCny, Field(ge=0)]
"""CNY amount that cannot be negative."""

Ratio = Annotated[float, Field(ge=0.0, le=1.0), AfterValidator(lambda value: round(value, 6))]


def _sorted_strings(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({value for value in values if value}))


StringSet = Annotated[tuple[str, ...], AfterValidator(_sorted_strings)]


def key_text(value: object) -> str:
    """Text of one natural-key part; equal for a model value and its canonical JSON form."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return money_text(value)
    return str(value)


def fingerprint(parts: Iterable[object]) -> str:
    """A short, stable hash of natural-key parts (16 hex characters)."""
    text = "\x1f".join([part if type(part) is str else key_text(part) for part in parts])
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def derive_item_id(prefix: str, parts: Iterable[object]) -> str:
    return f"{prefix}-{fingerprint(parts)}"


# ---------------------------------------------------------------------------- enums


class LabelledEnum(StrEnum):
    """A string enum whose members carry a Chinese and an English label."""

    label_zh: str
    label_en: str

    def __new__(cls, value: str, label_zh: str, label_en: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label_zh = label_zh
        member.label_en = label_en
        return member


class EnterpriseType(LabelledEnum):
    """企业性质 — ownership class. Values are the Chinese words users write in rules."""

    CENTRAL_SOE = "央企", "央企", "central state-owned enterprise"
    LOCAL_SOE = "国企", "国企", "local state-owned enterprise"
    PRIVATE = "民企", "民企", "private enterprise"
    FOREIGN = "外资", "外资", "foreign-invested enterprise"
    JOINT_VENTURE = "合资", "合资", "joint venture"
    HK_MACAO_TAIWAN = "港澳台", "港澳台", "Hong Kong / Macao / Taiwan invested"
    COLLECTIVE = "集体", "集体", "collective enterprise"
    INDIVIDUAL = "个体", "个体工商户", "individual business"
    PUBLIC_INSTITUTION = "事业单位", "事业单位", "public institution"
    OTHER = "其他", "其他", "other"


class RegistrationStatus(LabelledEnum):
    """登记状态 — registration status. Values are the Chinese words users write in rules."""

    ACTIVE = "存续", "存续", "active"
    OPERATING = "在业", "在业", "operating"
    MOVED_IN = "迁入", "迁入", "moved in"
    MOVED_OUT = "迁出", "迁出", "moved out"
    SUSPENDED = "停业", "停业", "suspended"
    LIQUIDATING = "清算", "清算", "in liquidation"
    REVOKED = "吊销", "吊销", "licence revoked"
    DEREGISTERED = "注销", "注销", "deregistered"
    CANCELLED = "撤销", "撤销", "registration cancelled"


TROUBLED_STATUSES = frozenset(
    {
        RegistrationStatus.SUSPENDED,
        RegistrationStatus.LIQUIDATING,
        RegistrationStatus.REVOKED,
        RegistrationStatus.DEREGISTERED,
        RegistrationStatus.CANCELLED,
    }
)


class ShareholderKind(LabelledEnum):
    STATE = "state", "国有", "state"
    PRIVATE = "private", "民营法人", "private legal person"
    FOREIGN = "foreign", "外资", "foreign"
    NATURAL_PERSON = "natural_person", "自然人", "natural person"


class LitigationRole(LabelledEnum):
    PLAINTIFF = "plaintiff", "原告", "plaintiff"
    DEFENDANT = "defendant", "被告", "defendant"
    THIRD_PARTY = "third_party", "第三人", "third party"
    OTHER = "other", "其他", "other"


class LawsuitStatus(LabelledEnum):
    PENDING = "pending", "审理中", "pending"
    JUDGED = "judged", "已判决", "judged"
    MEDIATED = "mediated", "已调解", "mediated"
    WITHDRAWN = "withdrawn", "已撤诉", "withdrawn"
    CLOSED = "closed", "已结案", "closed"


class AnnouncementKind(LabelledEnum):
    HEARING = "hearing", "开庭公告", "hearing notice"
    COURT = "court", "法院公告", "court announcement"
    SERVICE = "service", "送达公告", "service notice"


class PerformanceStatus(LabelledEnum):
    UNPERFORMED = "unperformed", "全部未履行", "not performed"
    PARTIAL = "partial", "部分未履行", "partly performed"


class RecordStatus(LabelledEnum):
    VALID = "valid", "有效", "valid"
    INVALID = "invalid", "无效", "released"


class TaxGrade(LabelledEnum):
    A = "A", "A级", "grade A"
    B = "B", "B级", "grade B"
    M = "M", "M级", "grade M"
    C = "C", "C级", "grade C"
    D = "D", "D级", "grade D"


TAX_GRADE_RANK = {TaxGrade.A: 0, TaxGrade.B: 1, TaxGrade.M: 2, TaxGrade.C: 3, TaxGrade.D: 4}


class PatentKind(LabelledEnum):
    INVENTION = "invention", "发明专利", "invention"
    UTILITY_MODEL = "utility_model", "实用新型", "utility model"
    DESIGN = "design", "外观设计", "design"


class TrademarkStatus(LabelledEnum):
    REGISTERED = "registered", "已注册", "registered"
    PENDING = "pending", "申请中", "pending"
    INVALID = "invalid", "无效", "invalid"


class Sentiment(LabelledEnum):
    POSITIVE = "positive", "正面", "positive"
    NEUTRAL = "neutral", "中性", "neutral"
    NEGATIVE = "negative", "负面", "negative"


# ---------------------------------------------------------------------------- base models


class DossierModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class DossierItem(DossierModel):
    """A list item with a stable id derived from its natural key when the provider gives none."""

    ID_PREFIX: ClassVar[str] = "item"
    NATURAL_KEY: ClassVar[tuple[str, ...]] = ()

    id: str = describe(
        "条目标识（缺省时由自然键推导）", "item id (derived from the natural key)", default=""
    )

    def natural_key(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.NATURAL_KEY)

    @model_validator(mode="after")
    def _fill_id(self) -> Self:
        if not self.id:
            # frozen model: write straight into the instance dict, once, during validation
            self.__dict__["id"] = derive_item_id(self.ID_PREFIX, self.natural_key())
        return self


def _sorted_by_id[T: DossierItem](items: tuple[T, ...]) -> tuple[T, ...]:
    by_id: dict[str, T] = {}
    for item in items:
        seen = by_id.get(item.id)
        if seen is not None and seen != item:
            raise ValueError(
                f"列表中存在内容不同的重复 id“{item.id}” / two different items share id '{item.id}'"
            )
        by_id[item.id] = item
    return tuple(by_id[key] for key in sorted(by_id))


_Item = TypeVar("_Item", bound=DossierItem)
Items = Annotated[tuple[_Item, ...], AfterValidator(_sorted_by_id)]
"""A list of items, kept sorted by id; conflicting duplicates are rejected."""


# ---------------------------------------------------------------------------- registration (工商)


class Registration(DossierModel):
    """工商登记信息 — business registration."""

    name: str = describe("企业名称", "registered name", min_length=1)
    uscc: str = describe("统一社会信用代码（GB 32100-2015）", "unified social credit code")
    former_names: StringSet = describe("曾用名", "former names", default=())
    legal_representative: str | None = describe("法定代表人", "legal representative", default=None)
    enterprise_type: EnterpriseType | None = describe("企业性质", "ownership class", default=None)
    company_form: str | None = describe("企业类型（组织形式）", "legal form", default=None)
    status: RegistrationStatus | None = describe("登记状态", "registration status", default=None)
    established_on: date | None = describe("成立日期", "date established", default=None)
    registered_capital_cny: AmountCny | None = describe(
        "注册资本（人民币元）", "registered capital (CNY)", default=None
    )
    paid_in_capital_cny: AmountCny | None = describe(
        "实缴资本（人民币元）", "paid-in capital (CNY)", default=None
    )
    address: str | None = describe("注册地址", "registered address", default=None)
    province: str | None = describe("所属省份", "province", default=None)
    city: str | None = describe("所属城市", "city", default=None)
    industry_code: str | None = describe(
        "国民经济行业代码（GB/T 4754-2017 门类字母+大类两位，如 C39）",
        "industry code, GB/T 4754-2017 section letter + division (e.g. C39)",
        default=None,
        pattern=r"^[A-T](\d{2}(\d{1,2})?)?$",
    )
    industry_name: str | None = describe("行业名称", "industry name", default=None)
    business_scope: str | None = describe("经营范围", "business scope", default=None)
    registration_authority: str | None = describe(
        "登记机关", "registration authority", default=None
    )
    operating_until: date | None = describe(
        "营业期限至（空为长期）", "operating term ends (empty: unlimited)", default=None
    )

    @field_validator("uscc")
    @classmethod
    def _valid_uscc(cls, value: str) -> str:
        try:
            return validate_uscc(value)
        except UsccError as exc:
            raise ValueError(str(exc)) from exc


class Shareholder(DossierItem):
    """股东 — shareholder."""

    ID_PREFIX = "sh"
    NATURAL_KEY = ("name",)

    name: str = describe("股东名称", "shareholder name", min_length=1)
    kind: ShareholderKind = describe("股东类型：国有/民营法人/外资/自然人", "shareholder kind")
    ratio: Ratio | None = describe("持股比例（0–1）", "shareholding ratio (0–1)", default=None)
    subscribed_capital_cny: AmountCny | None = describe(
        "认缴出资额（人民币元）", "subscribed capital (CNY)", default=None
    )


class Person(DossierItem):
    """主要人员 — key personnel."""

    ID_PREFIX = "pe"
    NATURAL_KEY = ("name",)

    name: str = describe("姓名", "name", min_length=1)
    positions: StringSet = describe("职务", "positions", default=())


class Licence(DossierItem):
    """资质证照 — licence, permit or certificate."""

    ID_PREFIX = "li"
    NATURAL_KEY = ("name", "number")

    name: str = describe("证照名称", "licence name", min_length=1)
    number: str | None = describe("证照编号", "licence number", default=None)
    issuer: str | None = describe("发证机关", "issuing authority", default=None)
    valid_from: date | None = describe("有效期自", "valid from", default=None)
    valid_to: date | None = describe(
        "有效期至（空为长期）", "valid to (empty: no end)", default=None
    )


# ---------------------------------------------------------------------------- judicial (司法)


class Lawsuit(DossierItem):
    """裁判文书/诉讼 — lawsuit."""

    ID_PREFIX = "ls"
    NATURAL_KEY = ("case_number",)

    case_number: str = describe("案号", "case number", min_length=1)
    cause: str | None = describe("案由", "cause of action", default=None)
    role: LitigationRole = describe("诉讼地位", "role in the case")
    amount_cny: AmountCny | None = describe(
        "涉案金额（人民币元）", "amount at stake (CNY)", default=None
    )
    filed_on: date | None = describe("立案日期", "date filed", default=None)
    court: str | None = describe("审理法院", "court", default=None)
    status: LawsuitStatus | None = describe("案件状态", "case status", default=None)
    counterparty: str | None = describe("对方当事人", "counterparty", default=None)


class CourtAnnouncement(DossierItem):
    """开庭公告/法院公告 — court announcement."""

    ID_PREFIX = "ca"
    NATURAL_KEY = ("case_number", "kind", "published_on")

    case_number: str | None = describe("案号", "case number", default=None)
    kind: AnnouncementKind = describe("公告类型", "announcement kind")
    published_on: date = describe("公告日期", "date published")
    court: str | None = describe("法院", "court", default=None)
    cause: str | None = describe("案由", "cause of action", default=None)
    role: LitigationRole | None = describe("当事人地位", "role", default=None)


class Enforcement(DossierItem):
    """被执行人 — enforcement against the company."""

    ID_PREFIX = "en"
    NATURAL_KEY = ("case_number",)

    case_number: str = describe("执行案号", "enforcement case number", min_length=1)
    court: str | None = describe("执行法院", "enforcing court", default=None)
    filed_on: date | None = describe("立案日期", "date filed", default=None)
    amount_cny: AmountCny | None = describe(
        "执行标的（人民币元）", "amount enforced (CNY)", default=None
    )


class DishonestDebtor(DossierItem):
    """失信被执行人 — dishonest judgement debtor."""

    ID_PREFIX = "dd"
    NATURAL_KEY = ("case_number",)

    case_number: str = describe("案号", "case number", min_length=1)
    court: str | None = describe("执行法院", "enforcing court", default=None)
    filed_on: date | None = describe("立案日期", "date filed", default=None)
    published_on: date = describe("发布日期", "date published")
    obligation: str | None = describe("生效法律文书确定的义务", "obligation", default=None)
    performance: PerformanceStatus | None = describe("履行情况", "performance", default=None)
    behaviour: str | None = describe("失信行为具体情形", "dishonest behaviour", default=None)
    amount_cny: AmountCny | None = describe("涉案金额（人民币元）", "amount (CNY)", default=None)
    removed_on: date | None = describe("移除日期", "date removed", default=None)


class ConsumptionRestriction(DossierItem):
    """限制高消费 — consumption restriction order."""

    ID_PREFIX = "cr"
    NATURAL_KEY = ("case_number",)

    case_number: str = describe("案号", "case number", min_length=1)
    court: str | None = describe("执行法院", "court", default=None)
    published_on: date = describe("发布日期", "date published")
    restricted_person: str | None = describe("限制消费人员", "person restricted", default=None)
    applicant: str | None = describe("申请人", "applicant", default=None)
    removed_on: date | None = describe("解除日期", "date lifted", default=None)


class TerminatedCase(DossierItem):
    """终本案件 — enforcement terminated without full recovery."""

    ID_PREFIX = "tc"
    NATURAL_KEY = ("case_number",)

    case_number: str = describe("案号", "case number", min_length=1)
    court: str | None = describe("执行法院", "court", default=None)
    filed_on: date | None = describe("立案日期", "date filed", default=None)
    terminated_on: date = describe("终本日期", "date terminated")
    amount_cny: AmountCny | None = describe(
        "执行标的（人民币元）", "amount enforced (CNY)", default=None
    )
    unperformed_cny: AmountCny | None = describe(
        "未履行金额（人民币元）", "amount not recovered (CNY)", default=None
    )


class Judicial(DossierModel):
    """司法风险 — judicial records."""

    lawsuits: Items[Lawsuit] = describe("诉讼", "lawsuits", default=())
    court_announcements: Items[CourtAnnouncement] = describe(
        "开庭/法院公告", "court announcements", default=()
    )
    enforcements: Items[Enforcement] = describe("被执行人", "enforcements", default=())
    dishonest_debtors: Items[DishonestDebtor] = describe(
        "失信被执行人", "dishonest debtor records", default=()
    )
    consumption_restrictions: Items[ConsumptionRestriction] = describe(
        "限制高消费", "consumption restrictions", default=()
    )
    terminated_cases: Items[TerminatedCase] = describe("终本案件", "terminated cases", default=())


# ---------------------------------------------------------------------------- operations (经营)


class AbnormalOperation(DossierItem):
    """经营异常名录 — list of abnormal operations."""

    ID_PREFIX = "ao"
    NATURAL_KEY = ("listed_on", "reason")

    listed_on: date = describe("列入日期", "date listed")
    reason: str = describe("列入原因", "reason listed", min_length=1)
    authority: str | None = describe("作出决定机关", "deciding authority", default=None)
    removed_on: date | None = describe("移出日期", "date removed", default=None)
    removal_reason: str | None = describe("移出原因", "reason removed", default=None)


class Penalty(DossierItem):
    """行政处罚 — administrative penalty."""

    ID_PREFIX = "pn"
    NATURAL_KEY = ("decision_number",)

    decision_number: str = describe("决定书文号", "decision number", min_length=1)
    authority: str | None = describe("处罚机关", "authority", default=None)
    decided_on: date = describe("处罚日期", "date decided")
    violation: str | None = describe("违法行为类型", "violation", default=None)
    content: str | None = describe("处罚内容", "penalty", default=None)
    amount_cny: AmountCny | None = describe("罚没金额（人民币元）", "fine (CNY)", default=None)


class SeriousViolation(DossierItem):
    """严重违法失信名单 — list of serious violations."""

    ID_PREFIX = "sv"
    NATURAL_KEY = ("listed_on", "reason")

    listed_on: date = describe("列入日期", "date listed")
    reason: str = describe("列入原因", "reason listed", min_length=1)
    authority: str | None = describe("作出决定机关", "deciding authority", default=None)
    removed_on: date | None = describe("移出日期", "date removed", default=None)


class EquityPledge(DossierItem):
    """股权出质 — equity pledge."""

    ID_PREFIX = "ep"
    NATURAL_KEY = ("registration_number",)

    registration_number: str = describe("登记编号", "registration number", min_length=1)
    pledgor: str | None = describe("出质人", "pledgor", default=None)
    pledgee: str | None = describe("质权人", "pledgee", default=None)
    amount_cny: AmountCny | None = describe(
        "出质股权数额（人民币元）", "pledged equity (CNY)", default=None
    )
    registered_on: date = describe("登记日期", "date registered")
    status: RecordStatus = describe("状态", "status", default=RecordStatus.VALID)


class ChattelMortgage(DossierItem):
    """动产抵押 — chattel mortgage."""

    ID_PREFIX = "cm"
    NATURAL_KEY = ("registration_number",)

    registration_number: str = describe("登记编号", "registration number", min_length=1)
    mortgagee: str | None = describe("抵押权人", "mortgagee", default=None)
    secured_amount_cny: AmountCny | None = describe(
        "被担保债权数额（人民币元）", "secured amount (CNY)", default=None
    )
    registered_on: date = describe("登记日期", "date registered")
    term_to: date | None = describe("债务履行期限至", "debt term ends", default=None)
    status: RecordStatus = describe("状态", "status", default=RecordStatus.VALID)


class Liquidation(DossierItem):
    """清算信息 — liquidation."""

    ID_PREFIX = "lq"
    NATURAL_KEY = ("started_on",)

    started_on: date = describe("清算开始日期", "date started")
    leader: str | None = describe("清算组负责人", "head of the liquidation group", default=None)
    members: StringSet = describe("清算组成员", "liquidation group members", default=())


class SimplifiedDeregistration(DossierItem):
    """简易注销公告 — simplified deregistration notice."""

    ID_PREFIX = "sd"
    NATURAL_KEY = ("announced_from",)

    announced_from: date = describe("公告期自", "notice period starts")
    announced_to: date | None = describe("公告期至", "notice period ends", default=None)
    result: str | None = describe("简易注销结果", "outcome", default=None)


class Operations(DossierModel):
    """经营风险 — operating risks."""

    abnormal_operations: Items[AbnormalOperation] = describe(
        "经营异常", "abnormal operations", default=()
    )
    penalties: Items[Penalty] = describe("行政处罚", "administrative penalties", default=())
    serious_violations: Items[SeriousViolation] = describe(
        "严重违法", "serious violations", default=()
    )
    equity_pledges: Items[EquityPledge] = describe("股权出质", "equity pledges", default=())
    chattel_mortgages: Items[ChattelMortgage] = describe(
        "动产抵押", "chattel mortgages", default=()
    )
    liquidations: Items[Liquidation] = describe("清算信息", "liquidations", default=())
    simplified_deregistrations: Items[SimplifiedDeregistration] = describe(
        "简易注销", "simplified deregistrations", default=()
    )


# ---------------------------------------------------------------------------- tax (税务)


class TaxCreditGrade(DossierItem):
    """纳税信用等级 — tax credit grade of one year."""

    ID_PREFIX = "tg"
    NATURAL_KEY = ("year",)

    year: int = describe("评价年度", "year assessed", ge=1990, le=2100)
    grade: TaxGrade = describe("纳税信用等级 A/B/M/C/D", "tax credit grade")


class TaxArrears(DossierItem):
    """欠税公告 — tax arrears notice."""

    ID_PREFIX = "ta"
    NATURAL_KEY = ("published_on", "tax_type")

    tax_type: str = describe("欠税税种", "tax", min_length=1)
    amount_cny: AmountCny = describe("欠税余额（人民币元）", "amount in arrears (CNY)")
    published_on: date = describe("公告日期", "date published")
    authority: str | None = describe("发布单位", "tax office", default=None)


class TaxViolation(DossierItem):
    """重大税收违法 — major tax violation."""

    ID_PREFIX = "tv"
    NATURAL_KEY = ("published_on", "nature")

    published_on: date = describe("公布日期", "date published")
    nature: str = describe("案件性质", "nature of the case", min_length=1)
    description: str | None = describe("主要违法事实", "facts", default=None)
    authority: str | None = describe("检查机关", "tax office", default=None)


class AbnormalTaxpayer(DossierItem):
    """税务非正常户 — abnormal taxpayer record."""

    ID_PREFIX = "at"
    NATURAL_KEY = ("listed_on",)

    listed_on: date = describe("认定日期", "date listed")
    authority: str | None = describe("认定机关", "tax office", default=None)
    removed_on: date | None = describe("解除日期", "date lifted", default=None)


class InvoiceYear(DossierItem):
    """发票统计（年度） — invoice statistics for one year."""

    ID_PREFIX = "iv"
    NATURAL_KEY = ("year",)

    year: int = describe("年度", "year", ge=1990, le=2100)
    invoice_count: int = describe("开票张数", "invoices issued", ge=0)
    amount_cny: AmountCny = describe("开票金额（人民币元）", "amount invoiced (CNY)")
    red_letter_ratio: Ratio = describe("红冲率", "share of credit notes (红字发票)")
    void_ratio: Ratio = describe("作废率", "share of voided invoices")
    customer_count: int | None = describe("下游客户数", "customers invoiced", default=None, ge=0)
    supplier_count: int | None = describe("上游供应商数", "suppliers", default=None, ge=0)


class Tax(DossierModel):
    """发票税务 — tax and invoices."""

    credit_grades: Items[TaxCreditGrade] = describe(
        "纳税信用等级（按年度）", "tax grades by year", default=()
    )
    arrears: Items[TaxArrears] = describe("欠税公告", "tax arrears", default=())
    violations: Items[TaxViolation] = describe("税收违法", "tax violations", default=())
    abnormal_taxpayer: Items[AbnormalTaxpayer] = describe(
        "非正常户记录", "abnormal taxpayer records", default=()
    )
    invoice_stats: Items[InvoiceYear] = describe(
        "发票统计（按年度）", "invoice statistics by year", default=()
    )


# ---------------------------------------------------------------------------- IP (知识产权)


class Patent(DossierItem):
    """专利 — patent."""

    ID_PREFIX = "pt"
    NATURAL_KEY = ("application_number",)

    application_number: str = describe("申请号", "application number", min_length=1)
    title: str = describe("专利名称", "title", min_length=1)
    kind: PatentKind = describe("专利类型：发明/实用新型/外观设计", "patent type")
    applied_on: date | None = describe("申请日", "date applied", default=None)
    granted_on: date | None = describe("授权公告日", "date granted", default=None)


class Trademark(DossierItem):
    """商标 — trademark."""

    ID_PREFIX = "tm"
    NATURAL_KEY = ("registration_number",)

    registration_number: str = describe("注册号", "registration number", min_length=1)
    name: str = describe("商标名称", "mark", min_length=1)
    nice_class: int | None = describe("国际分类", "Nice class", default=None, ge=1, le=45)
    status: TrademarkStatus | None = describe("商标状态", "status", default=None)
    applied_on: date | None = describe("申请日期", "date applied", default=None)


class IntellectualProperty(DossierModel):
    """知识产权 — intellectual property."""

    patents: Items[Patent] = describe("专利（类型见 kind）", "patents (type in kind)", default=())
    trademarks: Items[Trademark] = describe("商标", "trademarks", default=())


# ---------------------------------------------------------------------------- financials, news…


class AnnualReport(DossierItem):
    """企业年报 — annual report figures of one year."""

    ID_PREFIX = "ar"
    NATURAL_KEY = ("year",)

    year: int = describe("报告年度", "report year", ge=1990, le=2100)
    total_assets_cny: AmountCny | None = describe("资产总额", "total assets (CNY)", default=None)
    total_liabilities_cny: AmountCny | None = describe(
        "负债总额", "total liabilities (CNY)", default=None
    )
    owners_equity_cny: MoneyCny | None = describe(
        "所有者权益合计", "owners' equity (CNY)", default=None
    )
    revenue_cny: AmountCny | None = describe("营业总收入", "revenue (CNY)", default=None)
    net_profit_cny: MoneyCny | None = describe("净利润", "net profit (CNY)", default=None)
    tax_paid_cny: AmountCny | None = describe("纳税总额", "tax paid (CNY)", default=None)
    employees: int | None = describe("从业人数", "employees", default=None, ge=0)


class NewsArticle(DossierItem):
    """新闻舆情 — news article."""

    ID_PREFIX = "nw"
    NATURAL_KEY = ("url", "title", "published_on")

    title: str = describe("标题", "title", min_length=1)
    source: str | None = describe("来源", "source", default=None)
    published_on: date = describe("发布日期", "date published")
    url: str | None = describe("链接", "link", default=None)
    sentiment: Sentiment = describe("情感倾向：正面/中性/负面", "sentiment")
    tags: StringSet = describe("标签", "tags", default=())


class SanctionsHit(DossierItem):
    """制裁名单命中 — sanctions or debarment list hit."""

    ID_PREFIX = "sx"
    NATURAL_KEY = ("entity_id",)

    entity_id: str = describe("名单实体标识", "list entity id", min_length=1)
    caption: str | None = describe("实体名称", "entity caption", default=None)
    entity_schema: str | None = describe("实体类型（FtM schema）", "FtM schema", default=None)
    query: str | None = describe("被筛查的名称", "name screened", default=None)
    matched_name: str = describe("命中的名称或别名", "matched name or alias", min_length=1)
    matched_via: str = describe(
        "命中字段（name/alias/previousName/weakAlias）", "property matched", default="name"
    )
    score: float = describe("匹配得分（0–1）", "match score (0–1)", ge=0.0, le=1.0)
    datasets: StringSet = describe("名单（数据集）", "lists (datasets)", default=())
    topics: StringSet = describe("主题（如 sanction）", "topics (e.g. sanction)", default=())


# ---------------------------------------------------------------------------- the dossier


class Dossier(DossierModel):
    """企业档案 — the canonical enterprise dossier."""

    schema_version: Literal[SCHEMA_VERSION] = describe(
        "档案结构版本", "schema version", default=SCHEMA_VERSION
    )
    registration: Registration = describe("工商登记", "registration")
    shareholders: Items[Shareholder] = describe("股东", "shareholders", default=())
    personnel: Items[Person] = describe("主要人员", "key personnel", default=())
    licences: Items[Licence] = describe("资质证照", "licences", default=())
    judicial: Judicial = describe("司法风险", "judicial", default_factory=Judicial)
    operations: Operations = describe("经营风险", "operations", default_factory=Operations)
    tax: Tax = describe("发票税务", "tax and invoices", default_factory=Tax)
    ip: IntellectualProperty = describe(
        "知识产权", "intellectual property", default_factory=IntellectualProperty
    )
    financials: Items[AnnualReport] = describe("年报财务", "annual report figures", default=())
    news: Items[NewsArticle] = describe("新闻舆情", "news", default=())
    sanctions: Items[SanctionsHit] = describe("制裁筛查命中", "sanctions hits", default=())

    _canonical: bytes | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _shareholdings_fit(self) -> Self:
        total = sum(holder.ratio or 0.0 for holder in self.shareholders)
        if total > 1.0 + 1e-6:
            raise ValueError(
                f"股东持股比例合计 {total:.4f} 超过 1 / "
                f"shareholder ratios add up to {total:.4f} > 1"
            )
        return self

    @property
    def uscc(self) -> str:
        return self.registration.uscc

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Dossier):
            return NotImplemented
        return canonical_json(self) == canonical_json(other)

    def __hash__(self) -> int:
        return hash(canonical_json(self))

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Self:
        copied = super().model_copy(update=update, deep=deep)
        copied._canonical = None
        return copied


SECTION_NAMES = tuple(name for name in Dossier.model_fields if name != "schema_version")


class PartialDossier(DossierModel):
    """Sections of a dossier from a provider that covers only part of it (e.g. sanctions)."""

    uscc: str = describe("统一社会信用代码", "unified social credit code")
    registration: Registration | None = None
    shareholders: Items[Shareholder] | None = None
    personnel: Items[Person] | None = None
    licences: Items[Licence] | None = None
    judicial: Judicial | None = None
    operations: Operations | None = None
    tax: Tax | None = None
    ip: IntellectualProperty | None = None
    financials: Items[AnnualReport] | None = None
    news: Items[NewsArticle] | None = None
    sanctions: Items[SanctionsHit] | None = None

    @field_validator("uscc")
    @classmethod
    def _valid_uscc(cls, value: str) -> str:
        try:
            return validate_uscc(value)
        except UsccError as exc:
            raise ValueError(str(exc)) from exc

    def provided_sections(self) -> tuple[str, ...]:
        return tuple(name for name in SECTION_NAMES if getattr(self, name) is not None)


def merge_sections(base: Dossier, partial: PartialDossier) -> Dossier:
    """``base`` with every section that ``partial`` provides replaced by the partial's."""
    if partial.uscc != base.uscc:
        raise ValueError(
            f"统一社会信用代码不一致：{base.uscc} ≠ {partial.uscc} / USCC mismatch: "
            f"{base.uscc} != {partial.uscc}"
        )
    update = {name: getattr(partial, name) for name in partial.provided_sections()}
    return Dossier.model_validate({**dict(base), **update})


# ---------------------------------------------------------------------------- canonical form


def canonical_json(dossier: Dossier) -> bytes:
    """Canonical bytes: sorted keys, compact separators, UTF-8, lists sorted by id. Cached."""
    # read the private attribute straight from pydantic's store: ``dossier._canonical`` goes
    # through ``BaseModel.__getattr__``, which costs more than the rest of an unchanged diff
    cached: bytes | None = (dossier.__pydantic_private__ or {}).get("_canonical")
    if cached is None:
        cached = canonical_bytes(dossier.model_dump(mode="json"))
        dossier._canonical = cached
    return cached


def canonical_bytes(document: object) -> bytes:
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def dossier_hash(dossier: Dossier) -> str:
    """SHA-256 (hex) of the canonical bytes."""
    return hashlib.sha256(canonical_json(dossier)).hexdigest()


def dossier_from_canonical(data: bytes) -> Dossier:
    """Parse stored canonical bytes back into a dossier (validated)."""
    return Dossier.model_validate_json(data)


# ---------------------------------------------------------------------------- JSON Schema


def dossier_json_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`Dossier`, as published in ``docs/dossier.schema.json``."""
    schema = Dossier.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://riskdesk.invalid/schemas/dossier-{SCHEMA_VERSION}.json"
    return schema


def dossier_json_schema_text() -> str:
    return json.dumps(dossier_json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_json_schema(path: Path) -> None:
    path.write_text(dossier_json_schema_text(), encoding="utf-8")


if __name__ == "__main__":
    import sys

    write_json_schema(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/dossier.schema.json"))
