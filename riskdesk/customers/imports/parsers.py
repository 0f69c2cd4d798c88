"""Cell parsers: each turns one raw cell into a typed value or raises :class:`CellError`."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from riskdesk.customers.imports.errors import ImportErrorCode
from riskdesk.dossier.uscc import UsccError, validate_uscc

MAX_AMOUNT = Decimal("1e15")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class CellError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def as_text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time(0) else cell.isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return unicodedata.normalize("NFKC", str(cell)).strip()


def parse_text(cell: object, *, max_length: int) -> str:
    text = as_text(cell)
    if _CONTROL.search(text):
        raise CellError(
            ImportErrorCode.INVALID_TEXT, "含有不可见控制字符 / contains control characters"
        )
    if len(text) > max_length:
        raise CellError(
            ImportErrorCode.TOO_LONG,
            f"超过 {max_length} 个字符 / longer than {max_length} characters",
        )
    return text


def parse_uscc(cell: object) -> str:
    try:
        return validate_uscc(as_text(cell))
    except UsccError as exc:
        raise CellError(ImportErrorCode.INVALID_USCC, str(exc)) from None


def parse_date(cell: object) -> dt.date:
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    text = as_text(cell)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                break
    raise CellError(
        ImportErrorCode.INVALID_DATE,
        "日期格式无效，应为 YYYY-MM-DD / invalid date, expected YYYY-MM-DD",
    )


def parse_amount(cell: object) -> Decimal:
    if isinstance(cell, bool):
        raise CellError(ImportErrorCode.INVALID_AMOUNT, "金额无效 / invalid amount")
    text = as_text(cell).replace(",", "").replace("¥", "").replace("￥", "").replace("元", "")
    text = text.replace("CNY", "").replace("RMB", "").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CellError(ImportErrorCode.INVALID_AMOUNT, "金额无效 / invalid amount") from None
    if not value.is_finite() or abs(value) >= MAX_AMOUNT:
        raise CellError(ImportErrorCode.INVALID_AMOUNT, "金额无效或过大 / invalid or too large")
    if value < 0:
        raise CellError(ImportErrorCode.NEGATIVE_AMOUNT, "金额不能为负 / amount cannot be negative")
    if value != value.quantize(Decimal("0.01")):
        raise CellError(
            ImportErrorCode.INVALID_AMOUNT, "金额最多两位小数 / at most two decimal places"
        )
    return value.quantize(Decimal("0.01"))


def parse_choice(cell: object, *, choices: list[tuple[str, str]]) -> str:
    """Accept the code (``open``) or the Chinese/English label (``未完成``), case-insensitively."""
    text = as_text(cell)
    lookup: dict[str, str] = {}
    for code, label in choices:
        lookup[code.lower()] = code
        lookup[str(label).lower()] = code
    try:
        return lookup[text.lower()]
    except KeyError:
        allowed = "、".join(f"{code}（{label}）" for code, label in choices)
        raise CellError(
            ImportErrorCode.INVALID_CHOICE, f"取值无效，可选：{allowed} / must be one of: {allowed}"
        ) from None


def parse_tags(cell: object) -> list[str]:
    text = parse_text(cell, max_length=500)
    parts = re.split(r"[,，;；、|]", text)
    tags = sorted({part.strip() for part in parts if part.strip()})
    too_long = [tag for tag in tags if len(tag) > 50]
    if too_long:
        raise CellError(
            ImportErrorCode.TOO_LONG, "标签超过 50 个字符 / tag longer than 50 characters"
        )
    return tags
