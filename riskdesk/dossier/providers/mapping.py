"""Declarative mapping from a provider's JSON into dossier fields (JMESPath + converters).

A mapping is validated and its JMESPath expressions compiled when the settings are loaded,
so a typo is found on save, not on the first fetch. See ``examples/qichacha_like.yaml``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import jmespath
from jmespath.exceptions import JMESPathError
from jmespath.parser import ParsedResult
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from riskdesk.dossier.schema import Judicial, Operations, RegistrationStatus, Tax

type Converter = Literal[
    "text", "date", "money", "money_wan", "percent", "integer", "number", "status", "list"
]

LIST_TARGETS: dict[str, str] = {
    "shareholders": "shareholders",
    "personnel": "personnel",
    "licences": "licences",
    "financials": "financials",
    "news": "news",
    "sanctions": "sanctions",
    **{f"judicial.{name}": name for name in Judicial.model_fields},
    **{f"operations.{name}": name for name in Operations.model_fields},
    **{f"tax.{name}": name for name in Tax.model_fields},
    "ip.patents": "patents",
    "ip.trademarks": "trademarks",
}

_STATUS_WORDS = {
    "在营": RegistrationStatus.OPERATING,
    "开业": RegistrationStatus.OPERATING,
    "在册": RegistrationStatus.ACTIVE,
    **{status.value: status for status in RegistrationStatus},
}
_AMOUNT = re.compile(r"-?\d+(?:\.\d+)?")
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d",
    "%Y年%m月%d日",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
)


class ConversionError(ValueError):
    pass


def to_date(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, tz=UTC).date().isoformat()
    text = str(value).strip()
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise ConversionError(f"无法识别的日期“{text}” / not a date: {text!r}") from None


def to_money(value: Any, *, unit: Decimal = Decimal(1)) -> str | None:
    """Amounts like ``5000万元人民币``, ``1.2亿``, ``12,345.6`` or numbers, in CNY."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float | Decimal):
        return str(Decimal(str(value)) * unit)
    text = str(value).replace(",", "").replace("，", "").strip()
    if any(currency in text for currency in ("美元", "欧元", "港元", "日元", "USD", "EUR", "HKD")):
        raise ConversionError(f"非人民币金额“{text}” / not a CNY amount: {text!r}")
    found = _AMOUNT.search(text)
    if found is None:
        raise ConversionError(f"无法识别的金额“{text}” / not an amount: {text!r}")
    amount = Decimal(found.group())
    if "亿" in text:
        amount *= Decimal(100_000_000)
    elif "万" in text:
        amount *= Decimal(10_000)
    else:
        amount *= unit
    return str(amount)


def to_ratio(value: Any) -> float | None:
    """``35.5%``, ``35.5`` or ``0.355`` → 0.355."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        number = float(text.rstrip("%"))
    except ValueError:
        raise ConversionError(f"无法识别的比例“{text}” / not a ratio: {text!r}") from None
    return number / 100 if text.endswith("%") or number > 1 else number


def to_status(value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = str(value)
    for word, status in _STATUS_WORDS.items():
        if text.startswith(word):
            return status.value
    for word, status in _STATUS_WORDS.items():
        if word in text:
            return status.value
    raise ConversionError(f"无法识别的登记状态“{text}” / unknown status: {text!r}")


def _to_number(value: Any, kind: type) -> Any:
    if value in (None, ""):
        return None
    try:
        return kind(Decimal(str(value).replace(",", "")))
    except (InvalidOperation, ValueError):
        raise ConversionError(f"不是数字“{value}” / not a number: {value!r}") from None


def convert(value: Any, converter: Converter | None) -> Any:
    match converter:
        case None | "list":
            return value
        case "text":
            return None if value is None else str(value)
        case "date":
            return to_date(value)
        case "money":
            return to_money(value)
        case "money_wan":
            return to_money(value, unit=Decimal(10_000))
        case "percent":
            return to_ratio(value)
        case "integer":
            return _to_number(value, int)
        case "number":
            return _to_number(value, float)
        case "status":
            return to_status(value)


class FieldRule(BaseModel):
    """Where one dossier field comes from: a JMESPath, an optional converter and value map."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(description="JMESPath 表达式 — JMESPath expression")
    convert: Converter | None = None
    map: dict[str, Any] | None = Field(None, description="取值映射 — value map")
    default: Any = None
    _compiled: ParsedResult = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> FieldRule:
        self._compiled = compile_path(self.path)
        return self

    def extract(self, document: Any) -> Any:
        value = self._compiled.search(document)
        if self.map is not None and value is not None:
            value = self.map.get(str(value), self.default)
        value = convert(value, self.convert)
        return self.default if value is None else value


def compile_path(path: str) -> ParsedResult:
    try:
        return jmespath.compile(path)
    except JMESPathError as exc:
        raise ValueError(
            f"JMESPath 表达式有误“{path}”：{exc} / bad JMESPath {path!r}: {exc}"
        ) from exc


def _rules(value: dict[str, Any]) -> dict[str, Any]:
    return {name: {"path": rule} if isinstance(rule, str) else rule for name, rule in value.items()}


class ListRule(BaseModel):
    """A list section: ``each`` selects the provider's items, ``fields`` map each one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    each: str
    fields: dict[str, FieldRule]
    _compiled: ParsedResult = PrivateAttr()

    @field_validator("fields", mode="before")
    @classmethod
    def _shorthand(cls, value: dict[str, Any]) -> dict[str, Any]:
        return _rules(value)

    @model_validator(mode="after")
    def _compile(self) -> ListRule:
        self._compiled = compile_path(self.each)
        return self

    def extract(self, document: Any) -> list[dict[str, Any]]:
        items = self._compiled.search(document) or []
        if not isinstance(items, list):
            raise ConversionError(f"“{self.each}”不是列表 / '{self.each}' is not a list")
        return [{name: rule.extract(item) for name, rule in self.fields.items()} for item in items]


class DossierMapping(BaseModel):
    """The whole mapping: registration fields and list sections."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    registration: dict[str, FieldRule] = Field(default_factory=dict)
    lists: dict[str, ListRule] = Field(default_factory=dict)

    @field_validator("registration", mode="before")
    @classmethod
    def _shorthand(cls, value: dict[str, Any]) -> dict[str, Any]:
        return _rules(value)

    @field_validator("lists")
    @classmethod
    def _known_targets(cls, value: dict[str, ListRule]) -> dict[str, ListRule]:
        unknown = sorted(set(value) - set(LIST_TARGETS))
        if unknown:
            raise ValueError(f"未知的档案列表“{unknown[0]}” / unknown dossier list '{unknown[0]}'")
        return value

    def build(self, document: Any) -> dict[str, Any]:
        """A dossier-shaped dict (not yet validated) from the provider's documents."""
        result: dict[str, Any] = {}
        if self.registration:
            result["registration"] = {
                name: rule.extract(document) for name, rule in self.registration.items()
            }
        for target, rule in self.lists.items():
            section, _, field = target.partition(".")
            items = rule.extract(document)
            if field:
                result.setdefault(section, {})[field] = items
            else:
                result[section] = items
        return result
