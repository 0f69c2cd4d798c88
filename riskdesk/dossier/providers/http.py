"""The ``http`` provider: any JSON-over-HTTP data service, configured declaratively.

Settings name the requests (URL templates with ``{uscc}`` and ``{name}``), the auth header,
and a :class:`~riskdesk.dossier.providers.mapping.DossierMapping`. Each call goes through a
token-bucket rate limiter and a circuit breaker, is retried with exponential backoff on
timeouts, network errors, 5xx and 429 (honouring ``Retry-After``), and is capped in size.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import Field, ValidationError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from riskdesk.dossier.providers.base import (
    FetchRequest,
    Provider,
    ProviderError,
    ProviderErrorCode,
    ProviderResult,
    ProviderSettings,
    register_provider,
)
from riskdesk.dossier.providers.mapping import ConversionError, DossierMapping
from riskdesk.dossier.providers.resilience import CircuitBreaker, TokenBucket
from riskdesk.dossier.schema import Dossier, PartialDossier


class HttpProviderSettings(ProviderSettings):
    base_url: str = Field(description="服务根地址 — base URL")
    requests: dict[str, str] = Field(
        description="请求名 → URL 模板（可用 {uscc}、{name}） — request name → URL template",
        min_length=1,
    )
    headers: dict[str, str] = Field(default_factory=dict, description="附加请求头 — extra headers")
    auth_header: str | None = Field(None, description="认证请求头名 — auth header name")
    auth_scheme: str | None = Field(None, description="认证前缀（如 Bearer） — auth scheme")
    auth_token_env: str | None = Field(
        None, description="存放令牌的环境变量名 — environment variable holding the token"
    )
    timeout_seconds: float = Field(
        10.0, gt=0, description="单次请求超时（秒） — timeout per request"
    )
    max_attempts: int = Field(3, ge=1, le=10, description="最多尝试次数 — attempts per request")
    backoff_initial_seconds: float = Field(0.5, ge=0, description="首次重试等待 — first backoff")
    backoff_max_seconds: float = Field(30.0, ge=0, description="最长重试等待 — longest backoff")
    max_retry_after_seconds: float = Field(
        60.0, ge=0, description="Retry-After 上限 — Retry-After cap"
    )
    max_response_bytes: int = Field(5_000_000, gt=0, description="响应大小上限 — response size cap")
    circuit_failure_threshold: int = Field(5, ge=1, description="熔断失败次数 — failures to open")
    circuit_reset_seconds: float = Field(
        60.0, gt=0, description="熔断恢复时间 — seconds until a trial"
    )
    mapping: DossierMapping = Field(description="字段映射 — field mapping")


class _Retryable(Exception):
    def __init__(self, error: ProviderError) -> None:
        self.error = error
        super().__init__(str(error))


@register_provider
class HttpProvider(Provider):
    id = "http"
    label_zh = "HTTP 数据服务"
    label_en = "HTTP data service"
    settings_model = HttpProviderSettings

    def __init__(
        self,
        settings: Any = None,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(settings)
        options = self.options
        self._sleep = sleep
        self.breaker = CircuitBreaker(
            options.circuit_failure_threshold, options.circuit_reset_seconds, clock=clock
        )
        limit = self.rate_limit
        self.bucket = (
            None
            if limit is None
            else TokenBucket(limit.per_second, limit.burst, clock=clock, sleep=sleep)
        )
        self._client = httpx.Client(
            base_url=options.base_url.rstrip("/"),
            timeout=options.timeout_seconds,
            transport=transport,
            follow_redirects=False,
        )

    @property
    def options(self) -> HttpProviderSettings:
        assert isinstance(self.settings, HttpProviderSettings)
        return self.settings

    @property
    def calls_per_fetch(self) -> int:
        return len(self.options.requests)

    def close(self) -> None:
        self._client.close()

    def fetch(self, request: FetchRequest) -> ProviderResult:
        documents: dict[str, Any] = {}
        cost = Decimal(0)
        for name, template in self.options.requests.items():
            url = template.format(uscc=quote(request.uscc), name=quote(request.name or ""))
            try:
                documents[name] = self._get_json(url)
            except ProviderError as exc:
                raise exc.with_cost(cost) from None
            cost += self.cost_per_call
        return self._result(request, documents, cost)

    def _result(
        self, request: FetchRequest, documents: dict[str, Any], cost: Decimal
    ) -> ProviderResult:
        raw = json.dumps(documents, ensure_ascii=False).encode()
        try:
            mapped = self.options.mapping.build(documents)
        except ConversionError as exc:
            raise self.error(
                ProviderErrorCode.INVALID_PAYLOAD, str(exc), raw=raw, cost_cny=cost
            ) from exc
        try:
            if "registration" in mapped:
                mapped["registration"].setdefault("uscc", request.uscc)
                dossier = Dossier.model_validate(mapped)
                return ProviderResult(
                    self.id, dossier.uscc, dossier=dossier, raw=documents, cost_cny=cost
                )
            partial = PartialDossier.model_validate({"uscc": request.uscc, **mapped})
        except ValidationError as exc:
            raise ProviderError.from_validation(
                exc, provider_id=self.id, raw=raw, cost_cny=cost
            ) from exc
        return ProviderResult(self.id, partial.uscc, partial=partial, raw=documents, cost_cny=cost)

    # -- one request, with rate limit, circuit breaker and retries -------------------

    def _get_json(self, url: str) -> Any:
        retrying = Retrying(
            stop=stop_after_attempt(self.options.max_attempts),
            wait=self._wait_seconds,
            retry=retry_if_exception(lambda exc: isinstance(exc, _Retryable)),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._attempt(url)
        except _Retryable as exc:
            raise exc.error from None
        raise AssertionError("unreachable: tenacity either returns or raises")

    def _wait_seconds(self, state: RetryCallState) -> float:
        options = self.options
        error = state.outcome.exception() if state.outcome else None
        retry_after = error.error.retry_after_seconds if isinstance(error, _Retryable) else None
        if retry_after is not None:
            return min(retry_after, options.max_retry_after_seconds)
        backoff = options.backoff_initial_seconds * 2 ** (state.attempt_number - 1)
        return float(min(backoff, options.backoff_max_seconds))

    def _attempt(self, url: str) -> Any:
        if not self.breaker.allow():
            wait = self.breaker.seconds_until_trial()
            raise self.error(ProviderErrorCode.CIRCUIT_OPEN, f"{wait:.0f}s")
        if self.bucket is not None:
            self.bucket.acquire()
        try:
            body = self._download(url)
        except ProviderError as exc:
            self._record(exc)
            raise _Retryable(exc) if exc.retryable else exc from None
        self.breaker.record_success()
        return self._parse(body)

    def _record(self, error: ProviderError) -> None:
        if error.retryable or error.code is ProviderErrorCode.TOO_LARGE:
            self.breaker.record_failure()
        else:
            self.breaker.record_success()

    def _download(self, url: str) -> bytes:
        try:
            with self._client.stream("GET", url, headers=self._headers()) as response:
                self._check_status(response)
                return self._read_capped(response)
        except httpx.TimeoutException as exc:
            raise self.error(ProviderErrorCode.TIMEOUT, type(exc).__name__) from exc
        except httpx.TransportError as exc:
            raise self.error(ProviderErrorCode.NETWORK, f"{type(exc).__name__}: {exc}") from exc

    def _headers(self) -> dict[str, str]:
        options = self.options
        headers = dict(options.headers)
        if options.auth_header and options.auth_token_env:
            token = os.environ.get(options.auth_token_env)
            if not token:
                raise self.error(
                    ProviderErrorCode.CONFIGURATION,
                    f"环境变量 {options.auth_token_env} 未设置 / "
                    f"{options.auth_token_env} is not set",
                )
            headers[options.auth_header] = (
                f"{options.auth_scheme} {token}" if options.auth_scheme else token
            )
        return headers

    def _check_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        if status == 429:
            raise self.error(
                ProviderErrorCode.RATE_LIMITED,
                status_code=status,
                retry_after_seconds=_retry_after(response.headers.get("Retry-After")),
            )
        if status == 404:
            raise self.error(ProviderErrorCode.NOT_FOUND, status_code=status)
        raise self.error(ProviderErrorCode.HTTP_STATUS, f"HTTP {status}", status_code=status)

    def _read_capped(self, response: httpx.Response) -> bytes:
        cap = self.options.max_response_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise self.error(ProviderErrorCode.TOO_LARGE, f"{declared} > {cap} bytes")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > cap:
                raise self.error(ProviderErrorCode.TOO_LARGE, f"> {cap} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _parse(self, body: bytes) -> Any:
        try:
            return json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise self.error(ProviderErrorCode.MALFORMED, str(exc), raw=body) from exc


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (only the delta-seconds form is honoured)."""
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
