"""Imports: every bad input is rejected with a per-row reason and nothing is written."""

from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal

import pytest
from openpyxl import Workbook

from riskdesk.customers import services
from riskdesk.customers.exports import import_template
from riskdesk.customers.models import Customer, Invoice, Order, Payment, Tag
from riskdesk.dossier.uscc import generate_uscc

pytestmark = pytest.mark.django_db

USCC_A, USCC_B, USCC_C = (generate_uscc(random.Random(seed)) for seed in (1, 2, 3))


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.strip().encode(encoding) + b"\n"


def run(actor, kind, content, filename="data.csv", **options):
    return services.import_records(
        kind=kind, content=content, filename=filename, actor=actor, **options
    )


def business_state() -> list:
    return [
        list(Customer.objects.values_list("name", "uscc", "city", "owner_id").order_by("pk")),
        list(Order.objects.values_list("number", "amount", "status").order_by("pk")),
        list(
            Invoice.objects.values_list("number", "amount", "paid_amount", "status").order_by("pk")
        ),
        list(Payment.objects.values_list("number", "amount").order_by("pk")),
        list(Tag.objects.values_list("name", flat=True).order_by("pk")),
    ]


def codes(result) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.code) for e in result.errors]


@pytest.fixture
def risk(users):
    return users["risk"]


def test_customers_import_creates_then_reimport_changes_nothing(risk, users):
    content = csv_bytes(f"""
客户名称,统一社会信用代码,客户经理,行业,省份,城市,标签,外部编码
北京甲科技有限公司,{USCC_A},sales_u,C,北京,北京,"重点客户，战略客户",ERP-1
福州乙贸易有限公司,{USCC_B},,批发和零售业,福建省,福州,,ERP-2
""")
    first = run(risk, "customers", content)
    assert first.ok and first.applied and (first.created, first.updated) == (2, 0)
    customer = Customer.objects.get(uscc=USCC_A)
    assert customer.industry == "制造业" and customer.province == "北京市"
    assert customer.owner == users["sales"] and customer.team == users["sales"].team
    assert sorted(customer.tags.values_list("name", flat=True)) == ["战略客户", "重点客户"]
    again = run(risk, "customers", content)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = run(
        risk, "customers", content.replace("福州,,ERP-2".encode(), "厦门,,ERP-2".encode())
    )
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    assert Customer.objects.get(uscc=USCC_B).city == "厦门"


def test_english_headers_are_accepted(risk):
    content = csv_bytes(f"name,uscc,external_id\n测试英文表头有限公司,{USCC_A},E-9")
    assert run(risk, "customers", content).created == 1


def test_gbk_csv_is_detected(risk):
    content = csv_bytes(f"客户名称,统一社会信用代码\n广州丙物流有限公司,{USCC_C}", "gbk")
    result = run(risk, "customers", content)
    assert result.ok and result.encoding == "gb18030"
    assert Customer.objects.get(uscc=USCC_C).name == "广州丙物流有限公司"


def test_undecodable_file_is_refused_with_a_hint(risk):
    content = b"\xff\xfe\xfd" * 3 + "客户名称".encode()[:2] + b"\x81\x20"
    result = run(risk, "customers", content, encoding="utf-8")
    assert codes(result) == [(0, "", "encoding")]
    assert "GBK" in result.errors[0].message


def test_wrong_explicit_encoding_is_refused(risk):
    content = csv_bytes(f"客户名称,统一社会信用代码\n广州丙物流有限公司,{USCC_C}", "gbk")
    result = run(risk, "customers", content, encoding="utf-8")
    assert codes(result) == [(0, "", "encoding")]


def test_every_bad_customer_row_is_reported_and_nothing_written(risk, make_customer):
    make_customer("已有客户有限公司", uscc=USCC_C, external_id="ERP-TAKEN")
    make_customer("另一客户有限公司", uscc=generate_uscc(random.Random(4)), external_id="ERP-OTHER")
    before = business_state()
    content = csv_bytes(f"""
客户名称,统一社会信用代码,客户经理,团队,行业,省份,外部编码
好客户有限公司,{USCC_A},,,,,
,{USCC_B},,,,,
坏代码有限公司,91110108551385082A,,,,,
重复客户有限公司,{USCC_A},,,,,
无此经理有限公司,91110000MA0000000,,,,,
无此团队有限公司,{USCC_B},,幽灵团队,,,
行业错误有限公司,{USCC_B},,,太空业,,
省份错误有限公司,{USCC_B},,,,火星省,
外码冲突有限公司,{USCC_C},,,,,ERP-OTHER
""")
    result = run(risk, "customers", content)
    assert not result.ok and not result.applied
    found = codes(result)
    assert (3, "name", "required") in found
    assert (4, "uscc", "invalid_uscc") in found
    assert (5, "uscc", "duplicate_in_file") in found
    assert (6, "uscc", "invalid_uscc") in found
    assert (7, "team", "unknown_team") in found
    assert (8, "industry", "invalid_choice") in found
    assert (9, "province", "invalid_choice") in found
    assert (10, "external_id", "conflict") in found
    assert all(" / " in e.message for e in result.errors), "messages are bilingual"
    assert business_state() == before


def test_unknown_owner_is_rejected(risk):
    content = csv_bytes(f"客户名称,统一社会信用代码,客户经理\n甲有限公司,{USCC_A},ghost")
    assert codes(run(risk, "customers", content)) == [(2, "owner", "unknown_owner")]
    assert not Customer.objects.exists()


def test_valid_only_imports_the_good_rows(risk):
    content = csv_bytes(f"客户名称,统一社会信用代码\n好有限公司,{USCC_A}\n坏有限公司,123")
    result = run(risk, "customers", content, valid_only=True)
    assert result.applied and result.created == 1 and result.skipped == 1
    assert codes(result) == [(3, "uscc", "invalid_uscc")]


def test_dry_run_counts_exactly_and_writes_nothing(risk, make_customer):
    make_customer("旧名有限公司", uscc=USCC_A)
    before = business_state()
    content = csv_bytes(f"客户名称,统一社会信用代码\n新名有限公司,{USCC_A}\n乙有限公司,{USCC_B}")
    result = run(risk, "customers", content, dry_run=True)
    assert result.ok and not result.applied and (result.created, result.updated) == (1, 1)
    assert business_state() == before


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        ("城市\n北京".encode(), "missing_column"),
        ("客户名称,name,统一社会信用代码\n甲,乙,x".encode(), "duplicate_column"),
        (b"\x00\x01\x02binary", "unreadable"),
    ],
)
def test_broken_files_are_refused_as_a_whole(risk, content, code):
    result = run(risk, "customers", content)
    assert [e.code for e in result.errors] == [code]
    assert not Customer.objects.exists()


def test_malformed_csv_is_refused(risk):
    result = run(risk, "customers", b'name,uscc\n"' + b"x" * 200_000 + b'",1\n')
    assert [e.code for e in result.errors] == ["unreadable"]


def test_legacy_xls_and_fake_xlsx_are_refused(risk):
    assert run(risk, "customers", b"whatever", "old.xls").errors[0].code == "unreadable"
    assert run(risk, "customers", b"PK\x03\x04not-a-zip", "x.xlsx").errors[0].code == "unreadable"


def test_file_size_limit(risk, settings):
    settings.IMPORT_MAX_BYTES = 100
    result = run(risk, "customers", b"name,uscc\n" + b"x" * 200)
    assert result.errors[0].code == "file_too_large"


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def two_customers(make_customer):
    return make_customer("甲有限公司", uscc=USCC_A, external_id="ERP-A"), make_customer(
        "乙有限公司", uscc=USCC_B
    )


def test_orders_from_excel_with_typed_cells(risk, two_customers):
    content = xlsx(
        [
            ["订单号", "客户统一社会信用代码", "客户外部编码", "下单日期", "金额", "状态"],
            ["SO-1", USCC_A, None, dt.datetime(2026, 3, 1), 1200.5, "未完成"],
            ["SO-2", None, "ERP-A", "2026/03/02", "¥3,000.00", "fulfilled"],
        ]
    )
    result = run(risk, "orders", content, "orders.xlsx")
    assert result.ok, result.errors
    first = Order.objects.get(number="SO-1")
    assert first.amount == Decimal("1200.50") and first.status == "open"
    assert first.order_date == dt.date(2026, 3, 1)
    assert Order.objects.get(number="SO-2").customer == two_customers[0]


def test_bad_order_rows(risk, two_customers):
    before = business_state()
    content = csv_bytes(f"""
订单号,客户统一社会信用代码,客户外部编码,下单日期,金额
SO-1,{USCC_A},,2026-02-30,100
SO-2,{USCC_A},,2026-01-01,-5
SO-3,{USCC_C},,2026-01-01,100
SO-4,,,2026-01-01,100
SO-5,{USCC_B},ERP-A,2026-01-01,100
SO-5,{USCC_A},,2026-01-01,100
SO-6,{USCC_A},,1/2/26,1e400
SO-7,{USCC_A},,2026-01-01,12.345
SO-8,{USCC_A},,2026-01-01,abc
""")
    found = codes(run(risk, "orders", content))
    assert (2, "order_date", "invalid_date") in found
    assert (3, "amount", "negative_amount") in found
    assert (4, "customer_uscc", "unknown_customer") in found
    assert (5, "customer_uscc", "required") in found
    assert (6, "customer_external_id", "conflict") in found
    assert (7, "number", "duplicate_in_file") in found
    assert (8, "order_date", "invalid_date") in found and (8, "amount", "invalid_amount") in found
    assert (9, "amount", "invalid_amount") in found
    assert (10, "amount", "invalid_amount") in found
    assert business_state() == before


def test_order_number_owned_by_another_customer_is_a_conflict(risk, two_customers, order_for):
    order_for(two_customers[1], day=dt.date(2026, 1, 1), amount="5")
    number = Order.objects.get().number
    content = csv_bytes(
        f"订单号,客户统一社会信用代码,下单日期,金额\n{number},{USCC_A},2026-01-01,10"
    )
    assert codes(run(risk, "orders", content)) == [(2, "number", "conflict")]


def test_invoices_and_their_consistency_rules(risk, two_customers):
    before = business_state()
    content = csv_bytes(f"""
发票号,客户统一社会信用代码,开票日期,到期日,金额,已付金额,结清日期
INV-1,{USCC_A},2026-01-10,2026-01-01,100,0,
INV-2,{USCC_A},2026-01-10,2026-02-10,100,150,
INV-3,{USCC_A},2026-01-10,2026-02-10,100,100,
INV-4,{USCC_A},2026-01-10,2026-02-10,100,100,2026-01-01
""")
    found = codes(run(risk, "invoices", content))
    assert (2, "due_date", "inconsistent") in found
    assert (3, "paid_amount", "inconsistent") in found
    assert (4, "paid_date", "required") in found
    assert (5, "paid_date", "inconsistent") in found
    assert business_state() == before
    good = csv_bytes(f"""
发票号,客户统一社会信用代码,开票日期,到期日,金额,已付金额,结清日期
INV-1,{USCC_A},2026-01-10,2026-02-10,100,0,
INV-2,{USCC_A},2026-01-10,2026-02-10,100,40,
INV-3,{USCC_A},2026-01-10,2026-02-10,100,100,2026-02-01
""")
    assert run(risk, "invoices", good).created == 3
    assert dict(Invoice.objects.values_list("number", "status")) == {
        "INV-1": "open",
        "INV-2": "partial",
        "INV-3": "paid",
    }


def test_payments_allocate_and_settle_invoices(risk, two_customers, invoice_for):
    a, b = two_customers
    invoice = invoice_for(a, issue=dt.date(2026, 1, 1), due=dt.date(2026, 2, 1), amount="1000")
    other = invoice_for(b, issue=dt.date(2026, 1, 1), due=dt.date(2026, 2, 1), amount="50")
    bad = csv_bytes(f"""
收款单号,客户统一社会信用代码,收款日期,金额,核销发票号,核销金额
RC-1,{USCC_A},2026-02-05,600,{invoice.number},700
RC-2,{USCC_A},2026-02-05,600,NOPE,
RC-3,{USCC_A},2026-02-05,600,{other.number},
""")
    found = codes(run(risk, "payments", bad))
    assert (2, "allocated_amount", "inconsistent") in found
    assert (3, "invoice_number", "unknown_invoice") in found
    assert (4, "invoice_number", "conflict") in found
    assert not Payment.objects.exists()
    over = csv_bytes(f"""
收款单号,客户统一社会信用代码,收款日期,金额,核销发票号,核销金额
RC-1,{USCC_A},2026-02-05,600,{invoice.number},600
RC-2,{USCC_A},2026-02-20,600,{invoice.number},600
""")
    assert codes(run(risk, "payments", over)) == [(3, "allocated_amount", "inconsistent")]
    good = csv_bytes(f"""
收款单号,客户统一社会信用代码,收款日期,金额,核销发票号
RC-1,{USCC_A},2026-02-05,600,{invoice.number}
RC-2,{USCC_A},2026-02-20,400,{invoice.number}
""")
    assert run(risk, "payments", good).created == 2
    invoice.refresh_from_db()
    assert (invoice.paid_amount, invoice.status, invoice.paid_date) == (
        Decimal("1000.00"),
        "paid",
        dt.date(2026, 2, 20),
    )
    assert run(risk, "payments", good).unchanged == 2
    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("1000.00"), "re-import replaces, never doubles"


def test_templates_example_rows_import_in_order(risk, make_user, east):
    make_user("sales1", "sales", team=east)  # the owner named in the customers template
    for kind in ("customers", "orders", "invoices", "payments"):
        result = run(risk, kind, import_template(kind), f"{kind}.xlsx")
        assert result.ok and result.created == 1, (kind, result.errors)


def test_formula_and_control_characters_are_not_trusted(risk):
    content = csv_bytes(
        f'客户名称,统一社会信用代码\n"=HYPERLINK(""x"")",{USCC_A}\n坏\x07名,{USCC_B}'
    )
    result = run(risk, "customers", content)
    assert codes(result) == [(3, "name", "invalid_text")]
