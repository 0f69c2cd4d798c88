"""What each import kind expects: its columns, Chinese headers, accepted aliases and parsers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from random import Random

from riskdesk.customers.choices import Currency, CustomerStatus, InvoiceStatus, OrderStatus
from riskdesk.customers.imports import parsers as p
from riskdesk.dossier.uscc import generate_uscc


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    parse: Callable[[object], object]
    required: bool = False
    aliases: tuple[str, ...] = ()
    example: str = ""
    help_zh: str = ""

    def names(self) -> set[str]:
        return {normalize_header(n) for n in (self.field, self.header, *self.aliases)}


@dataclass(frozen=True)
class ImportSpec:
    kind: str
    label_zh: str
    label_en: str
    columns: tuple[Column, ...]
    # Columns of which at least one must be present and filled (e.g. how to find the customer).
    one_of: tuple[str, ...] = ()

    def column(self, field: str) -> Column:
        return next(c for c in self.columns if c.field == field)


# A valid code (both check characters right), so the template's example row imports as is.
EXAMPLE_USCC = generate_uscc(Random(4754))


def normalize_header(text: str) -> str:
    cleaned = p.as_text(text).lower().replace("*", "").replace(" ", "").replace("_", "")
    return cleaned.split("(")[0].split("（")[0]


def _text(n: int) -> Callable[[object], object]:
    return partial(p.parse_text, max_length=n)


def _choice(choices) -> Callable[[object], object]:
    return partial(p.parse_choice, choices=[(c, str(label)) for c, label in choices])


_CUSTOMER_REF = (
    Column(
        "customer_uscc",
        "客户统一社会信用代码",
        p.parse_uscc,
        aliases=("客户信用代码",),
        example=EXAMPLE_USCC,
        help_zh="与客户外部编码二选一",
    ),
    Column(
        "customer_external_id",
        "客户外部编码",
        _text(64),
        aliases=("客户编码",),
        example="C0001",
        help_zh="与客户统一社会信用代码二选一",
    ),
)
_CURRENCY = Column("currency", "币种", _choice(Currency.choices), example="CNY", help_zh="默认 CNY")

CUSTOMERS = ImportSpec(
    kind="customers",
    label_zh="客户",
    label_en="customers",
    columns=(
        Column(
            "name",
            "客户名称",
            _text(200),
            required=True,
            aliases=("企业名称", "公司名称"),
            example="北京示例科技有限公司",
        ),
        Column(
            "uscc",
            "统一社会信用代码",
            p.parse_uscc,
            required=True,
            aliases=("信用代码",),
            example=EXAMPLE_USCC,
            help_zh="18位，校验两位校验码",
        ),
        Column(
            "owner",
            "客户经理",
            _text(150),
            aliases=("销售",),
            example="sales1",
            help_zh="系统用户名",
        ),
        Column("team", "团队", _text(100), example="华东销售部"),
        Column(
            "industry",
            "行业",
            _text(40),
            example="制造业",
            help_zh="GB/T 4754 门类名称或字母（如 C）",
        ),
        Column("province", "省份", _text(20), example="北京市"),
        Column("city", "城市", _text(40), example="北京"),
        Column("tags", "标签", p.parse_tags, example="重点客户，战略", help_zh="逗号或顿号分隔"),
        Column(
            "external_id", "外部编码", _text(64), aliases=("erp编码", "客户编码"), example="C0001"
        ),
        Column("status", "状态", _choice(CustomerStatus.choices), example="合作中"),
    ),
)

ORDERS = ImportSpec(
    kind="orders",
    label_zh="订单",
    label_en="orders",
    columns=(
        Column("number", "订单号", _text(64), required=True, example="SO-2026-0001"),
        *_CUSTOMER_REF,
        Column("order_date", "下单日期", p.parse_date, required=True, example="2026-01-31"),
        Column("amount", "金额", p.parse_amount, required=True, example="120000.00"),
        _CURRENCY,
        Column(
            "status",
            "状态",
            _choice(OrderStatus.choices),
            example="未完成",
            help_zh="未完成 / 已完成 / 已取消",
        ),
    ),
    one_of=("customer_uscc", "customer_external_id"),
)

INVOICES = ImportSpec(
    kind="invoices",
    label_zh="发票",
    label_en="invoices",
    columns=(
        Column("number", "发票号", _text(64), required=True, example="INV-2026-0001"),
        *_CUSTOMER_REF,
        Column("issue_date", "开票日期", p.parse_date, required=True, example="2026-02-01"),
        Column("due_date", "到期日", p.parse_date, required=True, example="2026-03-02"),
        Column("amount", "金额", p.parse_amount, required=True, example="120000.00"),
        Column("paid_amount", "已付金额", p.parse_amount, example="0", help_zh="默认 0"),
        Column("paid_date", "结清日期", p.parse_date, example="", help_zh="全额付清时必填"),
        _CURRENCY,
        Column(
            "status",
            "状态",
            _choice(InvoiceStatus.choices),
            example="",
            help_zh="留空则按已付金额推断；作废填 已作废",
        ),
    ),
    one_of=("customer_uscc", "customer_external_id"),
)

PAYMENTS = ImportSpec(
    kind="payments",
    label_zh="收款",
    label_en="payments",
    columns=(
        Column("number", "收款单号", _text(64), required=True, example="RC-2026-0001"),
        *_CUSTOMER_REF,
        Column("payment_date", "收款日期", p.parse_date, required=True, example="2026-03-01"),
        Column("amount", "金额", p.parse_amount, required=True, example="120000.00"),
        _CURRENCY,
        Column(
            "invoice_number",
            "核销发票号",
            _text(64),
            example="INV-2026-0001",
            help_zh="可选：本次收款核销的发票",
        ),
        Column(
            "allocated_amount",
            "核销金额",
            p.parse_amount,
            example="120000.00",
            help_zh="默认取收款金额与发票未付金额的较小者",
        ),
    ),
    one_of=("customer_uscc", "customer_external_id"),
)

SPECS: dict[str, ImportSpec] = {s.kind: s for s in (CUSTOMERS, ORDERS, INVOICES, PAYMENTS)}
