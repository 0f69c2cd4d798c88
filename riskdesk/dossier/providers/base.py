"""What every provider shares: the request, the result, the one error type and the registry."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from riskdesk.dossier.events import ChangeEvent, make_event
from riskdesk.dossier.schema import Dossier, LabelledEnum, PartialDossier, merge_sections

RAW_EXCERPT_BYTES = 64_000
"""How much of a bad payload an error keeps for the quarantine."""


@dataclass(frozen=True, slots=True)
class FetchRequest:
    """What to fetch: the company, the name our records hold for it, and the as-of date."""

    uscc: str
    as_of: date
    name: str | None = None
    related_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProviderResult:
    """A provider's answer: a whole dossier or some sections, the raw payload and the cost."""

    provider_id: str
    uscc: str
    dossier: Dossier | None = None
    partial: PartialDossier | None = None
    raw: Any = None
    cost_cny: Decimal = Decimal(0)
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def apply_to(self, base: Dossier | None) -> Dossier | None:
        """The dossier after this result: the new one, or ``base`` with the sections replaced."""
        if self.dossier is not None:
            return self.dossier
        if self.partial is None or base is None:
            return base
        return merge_sections(base, self.partial)


class ProviderErrorCode(LabelledEnum):
    NOT_FOUND = "not_found", "未找到该企业", "company not found"
    INVALID_PAYLOAD = (
        "invalid_payload",
        "数据不符合档案结构",
        "payload does not fit the dossier schema",
    )
    MALFORMED = "malformed", "返回内容不是有效的 JSON", "response is not valid JSON"
    TOO_LARGE = "too_large", "返回内容超过大小上限", "response exceeds the size cap"
    TIMEOUT = "timeout", "请求超时", "request timed out"
    NETWORK = "network", "网络错误", "network error"
    HTTP_STATUS = "http_status", "服务返回错误状态", "provider returned an error status"
    RATE_LIMITED = "rate_limited", "请求过于频繁（429）", "rate limited (429)"
    CIRCUIT_OPEN = "circuit_open", "熔断中，暂停调用", "circuit open, calls paused"
    BUDGET_EXHAUSTED = "budget_exhausted", "本月预算已用完", "monthly budget spent"
    CONFIGURATION = "configuration", "数据源配置错误", "provider misconfigured"


RETRYABLE_CODES = frozenset(
    {ProviderErrorCode.TIMEOUT, ProviderErrorCode.NETWORK, ProviderErrorCode.RATE_LIMITED}
)


class ProviderError(Exception):
    """The one error a provider raises. Carries what the caller needs to quarantine a payload."""

    def __init__(
        self,
        code: ProviderErrorCode,
        *,
        provider_id: str,
        detail: str = "",
        errors: list[dict[str, Any]] | None = None,
        raw: bytes | None = None,
        cost_cny: Decimal = Decimal(0),
        retry_after_seconds: float | None = None,
        status_code: int | None = None,
    ) -> None:
        self.code = code
        self.provider_id = provider_id
        self.detail = detail
        self.errors = errors or []
        self.raw = raw[:RAW_EXCERPT_BYTES] if raw else raw
        self.cost_cny = cost_cny
        self.retry_after_seconds = retry_after_seconds
        self.status_code = status_code
        super().__init__(str(self))

    @property
    def message_zh(self) -> str:
        suffix = f"：{self.detail}" if self.detail else ""
        return f"数据源 {self.provider_id} {self.code.label_zh}{suffix}"

    @property
    def message_en(self) -> str:
        suffix = f": {self.detail}" if self.detail else ""
        return f"provider {self.provider_id}: {self.code.label_en}{suffix}"

    @property
    def retryable(self) -> bool:
        return self.code in RETRYABLE_CODES or (
            self.code is ProviderErrorCode.HTTP_STATUS and (self.status_code or 0) >= 500
        )

    def __str__(self) -> str:
        return f"{self.message_zh} / {self.message_en}"

    def with_cost(self, cost_cny: Decimal) -> ProviderError:
        self.cost_cny = cost_cny
        return self

    @classmethod
    def from_validation(
        cls,
        exc: ValidationError,
        *,
        provider_id: str,
        raw: bytes | None = None,
        cost_cny: Decimal = Decimal(0),
    ) -> ProviderError:
        errors = [
            {
                "loc": [str(part) for part in error["loc"]],
                "type": error["type"],
                "msg": error["msg"],
            }
            for error in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
        where = "; ".join(".".join(error["loc"]) + f" ({error['type']})" for error in errors[:5])
        return cls(
            ProviderErrorCode.INVALID_PAYLOAD,
            provider_id=provider_id,
            detail=f"{len(errors)} 处错误 / {len(errors)} error(s): {where}",
            errors=errors,
            raw=raw,
            cost_cny=cost_cny,
        )


def provider_error_event(error: ProviderError, *, uscc: str, on: date) -> ChangeEvent:
    """The ``provider.error`` event for a failed fetch (one per provider, code and day)."""
    return make_event(
        "provider.error",
        uscc=uscc,
        fact=(error.provider_id, error.code.value, on),
        text_zh=error.message_zh,
        text_en=error.message_en,
        after={
            "provider": error.provider_id,
            "code": error.code.value,
            "errors": error.errors[:20],
        },
        occurred_on=on.isoformat(),
    )


class ProviderSettings(BaseModel):
    """Settings every provider has; each provider extends them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cost_per_call_cny: Decimal = Field(
        Decimal(0), ge=0, description="每次调用费用（人民币元） — cost per call (CNY)"
    )
    rate_limit_per_second: float | None = Field(
        None, gt=0, description="每秒最多调用次数 — calls per second at most"
    )
    rate_limit_burst: int = Field(1, ge=1, description="突发调用上限 — burst size")
    monthly_budget_cny: Decimal | None = Field(
        None, ge=0, description="每月预算（人民币元，空为不限） — monthly budget (CNY, empty: none)"
    )


@dataclass(frozen=True, slots=True)
class RateLimit:
    per_second: float
    burst: int


class Provider(ABC):
    """A source of dossiers. Providers fetch and map; they never touch a database."""

    id: ClassVar[str]
    label_zh: ClassVar[str]
    label_en: ClassVar[str]
    settings_model: ClassVar[type[ProviderSettings]] = ProviderSettings

    def __init__(self, settings: ProviderSettings | Mapping[str, Any] | None = None) -> None:
        if isinstance(settings, ProviderSettings):
            self.settings = settings
        else:
            self.settings = self.settings_model.model_validate(dict(settings or {}))

    @property
    def cost_per_call(self) -> Decimal:
        return self.settings.cost_per_call_cny

    @property
    def calls_per_fetch(self) -> int:
        """Billable calls one fetch makes (the budget check uses it)."""
        return 1

    @property
    def rate_limit(self) -> RateLimit | None:
        per_second = self.settings.rate_limit_per_second
        return None if per_second is None else RateLimit(per_second, self.settings.rate_limit_burst)

    @abstractmethod
    def fetch(self, request: FetchRequest) -> ProviderResult:
        """Fetch one company; raise :class:`ProviderError` for anything that went wrong."""

    def error(self, code: ProviderErrorCode, detail: str = "", **kwargs: Any) -> ProviderError:
        return ProviderError(code, provider_id=self.id, detail=detail, **kwargs)


PROVIDERS: dict[str, type[Provider]] = {}


def register_provider[P: type[Provider]](cls: P) -> P:
    if cls.id in PROVIDERS and PROVIDERS[cls.id] is not cls:
        raise ValueError(f"数据源标识“{cls.id}”重复 / provider id '{cls.id}' already registered")
    PROVIDERS[cls.id] = cls
    return cls


def create_provider(provider_id: str, settings: Mapping[str, Any] | None = None) -> Provider:
    """A provider from its id and settings (validated: bad settings raise ValidationError)."""
    try:
        cls = PROVIDERS[provider_id]
    except KeyError:
        raise KeyError(f"未知的数据源“{provider_id}” / unknown provider '{provider_id}'") from None
    return cls(settings)


def provider_settings_schema(provider_id: str) -> dict[str, Any]:
    """The JSON Schema of a provider's settings (for forms and validation on save)."""
    return PROVIDERS[provider_id].settings_model.model_json_schema()
