"""Excel out: the customer list export and the import templates."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from riskdesk.customers.aggregates import portfolio_aggregates
from riskdesk.customers.imports.specs import SPECS

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")

CUSTOMER_EXPORT_COLUMNS = [
    ("name", "客户名称"),
    ("uscc", "统一社会信用代码"),
    ("owner", "客户经理"),
    ("team", "团队"),
    ("industry", "行业"),
    ("province", "省份"),
    ("city", "城市"),
    ("tags", "标签"),
    ("status", "状态"),
    ("external_id", "外部编码"),
    ("sales_12m", "近12个月销售额"),
    ("open_receivables", "应收余额"),
    ("open_orders", "未完成订单"),
    ("exposure", "信用占用"),
    ("overdue_amount", "逾期金额"),
    ("max_overdue_days_12m", "近12个月最长逾期天数"),
    ("dso_days", "应收账款周转天数(DSO)"),
]


def safe_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula is written as plain text instead."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _header(sheet, titles: list[str]) -> list[WriteOnlyCell]:
    cells = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cells.append(cell)
    return cells


def customers_workbook(queryset, *, as_of: dt.date) -> tuple[bytes, int]:
    customers = list(
        queryset.select_related("owner", "team").prefetch_related("tags").order_by("name", "pk")
    )
    aggregates = (
        {
            row["customer_id"]: row
            for row in portfolio_aggregates(
                as_of=as_of, customer_ids=[c.pk for c in customers]
            ).iter_rows(named=True)
        }
        if customers
        else {}
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("客户")
    sheet.append(_header(sheet, [title for _, title in CUSTOMER_EXPORT_COLUMNS]))
    for customer in customers:
        facts = aggregates.get(customer.pk, {})
        values = {
            "name": customer.name,
            "uscc": customer.uscc,
            "owner": customer.owner.username if customer.owner else "",
            "team": customer.team.name if customer.team else "",
            "industry": customer.industry,
            "province": customer.province,
            "city": customer.city,
            "tags": "，".join(tag.name for tag in customer.tags.all()),
            "status": str(customer.get_status_display()),
            "external_id": customer.external_id or "",
            **facts,
        }
        sheet.append([safe_cell(values.get(key)) for key, _ in CUSTOMER_EXPORT_COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), len(customers)


def import_template(kind: str) -> bytes:
    """An .xlsx with the Chinese headers, one example row, and a sheet explaining each column."""
    spec = SPECS[kind]
    workbook = Workbook()
    data = workbook.active
    data.title = spec.label_zh
    data.append([column.header for column in spec.columns])
    data.append([column.example for column in spec.columns])
    for cell in data[1]:
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    for index, column in enumerate(spec.columns, start=1):
        data.column_dimensions[data.cell(1, index).column_letter].width = max(
            14, len(column.header) * 3
        )
    notes = workbook.create_sheet("说明 Notes")
    notes.append(["列名 Column", "英文字段 Field", "必填 Required", "说明 Notes"])
    for column in spec.columns:
        required = (
            "是 yes"
            if column.required
            else ("二选一 one of" if column.field in spec.one_of else "否 no")
        )
        notes.append([column.header, column.field, required, column.help_zh])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
