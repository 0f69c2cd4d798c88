"""Every write of the intel app: refreshing dossiers, storing snapshots and change events.

Provider calls (which may be slow HTTP) happen outside any transaction; what they return is
then stored in one transaction under a lock on the customer, so a reader sees either the old
snapshot with its events or the new one with its events, never half of it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from riskdesk.accounts import permissions
from riskdesk.audit.choices import AuditAction
from riskdesk.audit.services import record_event
from riskdesk.customers import services as customer_services
from riskdesk.customers.aggregates import AGGREGATE_NAMES, customer_aggregates
from riskdesk.customers.aggregates import portfolio_aggregates as trading_portfolio
from riskdesk.customers.choices import CustomerStatus
from riskdesk.customers.models import Customer
from riskdesk.dossier.diff import diff_canonical
from riskdesk.dossier.events import ChangeEvent as DossierEvent
from riskdesk.dossier.features import (
    FEATURE_NAMES,
    dossier_features,
    portfolio_dossier_features,
)
from riskdesk.dossier.providers import (
    FetchRequest,
    Provider,
    ProviderError,
    ProviderErrorCode,
    ProviderResult,
    create_provider,
    fetch_waterfall,
    provider_error_event,
    should_refetch,
)
from riskdesk.dossier.sandbox import sandbox_candidates
from riskdesk.dossier.schema import SECTION_NAMES, Dossier, canonical_json
from riskdesk.dossier.uscc import UsccError, is_valid_uscc, normalize_uscc, validate_uscc
from riskdesk.intel.choices import SEVERITY_RANK, CallOutcome, PushRejection, RefreshStatus
from riskdesk.intel.models import (
    ChangeEvent,
    DossierSnapshot,
    ProviderCall,
    ProviderConfig,
    PushReceipt,
    QuarantinedPayload,
)
from riskdesk.intel.signals import events_stored
from riskdesk.jobs import services as jobs

logger = logging.getLogger("riskdesk.intel")

QUARANTINE_CODES = frozenset(
    {ProviderErrorCode.INVALID_PAYLOAD, ProviderErrorCode.MALFORMED, ProviderErrorCode.TOO_LARGE}
)
PROGRESS_EVERY = 10
CHUNK_SIZE = 200


class SystemActor:
    """The actor of work nobody started by hand: provider pushes, schedules, the demo loader."""

    is_authenticated = False
    pk = None

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()


def _authorize(actor, action: str, customer: Customer | None = None) -> None:
    if actor is SYSTEM:
        return
    permissions.require(actor, action, customer)


def _audit_actor(actor):
    return None if actor is SYSTEM else actor


@dataclass(frozen=True, slots=True)
class RefreshResult:
    status: str
    snapshot: DossierSnapshot | None = None
    events: int = 0
    provider_id: str = ""
    errors: tuple[str, ...] = ()


# --- providers ------------------------------------------------------------------------------

_PROVIDERS: dict[tuple[str, str], Provider] = {}
_PROVIDER_CACHE_SIZE = 64


def provider_for(config: ProviderConfig) -> Provider:
    """One provider instance per configuration and process (circuit breakers live in it)."""
    settings = config.provider_settings()
    key = (config.provider_id, json.dumps(settings, sort_keys=True, default=str))
    provider = _PROVIDERS.get(key)
    if provider is None:
        if len(_PROVIDERS) >= _PROVIDER_CACHE_SIZE:
            _PROVIDERS.clear()
        provider = _PROVIDERS[key] = create_provider(config.provider_id, settings)
    return provider


def provider_waterfall(provider_id: str | None = None) -> list[ProviderConfig]:
    """The enabled providers in priority order, or just ``provider_id`` when one is named."""
    configs = ProviderConfig.objects.filter(enabled=True).order_by("priority", "provider_id")
    if provider_id is None:
        return list(configs)
    named = list(configs.filter(provider_id=provider_id))
    if not named:
        raise ValidationError(
            _("数据源未配置或未启用 / Provider not configured or disabled: %s") % provider_id
        )
    return named


def month_start(now: dt.datetime) -> dt.datetime:
    """The first instant of the business month (Asia/Shanghai) that contains ``now``."""
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def spent_this_month(provider_ids: list[str], *, now: dt.datetime) -> dict[str, Decimal]:
    rows = (
        ProviderCall.objects.filter(provider_id__in=provider_ids, called_at__gte=month_start(now))
        .values("provider_id")
        .annotate(total=Sum("cost_cny"))
    )
    return {row["provider_id"]: row["total"] or Decimal(0) for row in rows}


# --- refresh one customer -----------------------------------------------------------------


@dataclass
class _Attempt:
    config: ProviderConfig
    duration_ms: int
    result: ProviderResult | None = None
    error: ProviderError | None = None
    dossier: Dossier | None = None


def refresh_dossier(
    *,
    customer: Customer,
    actor,
    force: bool = False,
    as_of: dt.date | None = None,
    provider_id: str | None = None,
) -> RefreshResult:
    """Fetch the customer's dossier (unless the current one is young enough) and store it.

    Providers are tried in priority order; a provider whose monthly budget is spent is
    skipped; a malformed answer is quarantined. The new snapshot is diffed against the
    current one and every new fact becomes a change event (once per fact).
    """
    _authorize(actor, "change", customer)
    as_of = as_of or customer_services.business_today()
    configs = provider_waterfall(provider_id)
    current = DossierSnapshot.objects.current_for(customer.pk)
    if not force and _still_fresh(current, configs, as_of, provider_id):
        return RefreshResult(RefreshStatus.FRESH, current, provider_id=current.provider_id)
    attempts = _fetch(configs, customer, current, as_of)
    return _store(customer=customer, actor=actor, as_of=as_of, attempts=attempts)


def _at_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)


def _still_fresh(
    current: DossierSnapshot | None,
    configs: list[ProviderConfig],
    as_of: dt.date,
    provider_id: str | None,
) -> bool:
    """The age rule, in data days: a snapshot checked for a date N days before ``as_of``."""
    if current is None or (provider_id and current.provider_id != provider_id):
        return False
    max_age = next(
        (c.max_age_days for c in configs if c.provider_id == current.provider_id),
        min((c.max_age_days for c in configs), default=0),
    )
    return not should_refetch(
        last_fetched_at=_at_midnight(current.checked_as_of),
        max_age_days=max_age,
        now=_at_midnight(as_of),
    )


def _fetch(
    configs: list[ProviderConfig],
    customer: Customer,
    current: DossierSnapshot | None,
    as_of: dt.date,
) -> list[_Attempt]:
    request = FetchRequest(uscc=customer.uscc, as_of=as_of, name=customer.name)
    spent = spent_this_month([c.provider_id for c in configs], now=timezone.now())
    base = current.dossier if current is not None else None
    attempts: list[_Attempt] = []
    for config in configs:
        attempt = _attempt(config, request, base, spent)
        attempts.append(attempt)
        if attempt.dossier is not None:
            break
    return attempts


def _attempt(
    config: ProviderConfig,
    request: FetchRequest,
    base: Dossier | None,
    spent: dict[str, Decimal],
) -> _Attempt:
    started = time.perf_counter()
    try:
        provider = provider_for(config)
        outcome = fetch_waterfall([provider], request, spent_this_month_cny=spent)
    except Exception as exc:  # a broken provider never stops the waterfall
        logger.exception("provider %s crashed", config.provider_id)
        error = ProviderError(
            ProviderErrorCode.CONFIGURATION,
            provider_id=config.provider_id,
            detail=f"{type(exc).__name__}: {exc}"[:500],
        )
        return _Attempt(config, _elapsed_ms(started), error=error)
    elapsed = _elapsed_ms(started)
    if outcome.result is None:
        return _Attempt(config, elapsed, error=outcome.errors[-1])
    try:
        dossier = _dossier_from(outcome.result, base, request.uscc)
    except ProviderError as exc:
        return _Attempt(config, elapsed, result=outcome.result, error=exc)
    return _Attempt(config, elapsed, result=outcome.result, dossier=dossier)


def _elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def _dossier_from(result: ProviderResult, base: Dossier | None, uscc: str) -> Dossier:
    """The dossier a result gives (merged into ``base`` when partial), checked for our company."""

    def invalid(detail: str) -> ProviderError:
        raw = json.dumps(result.raw, ensure_ascii=False, default=str).encode()
        return ProviderError(
            ProviderErrorCode.INVALID_PAYLOAD,
            provider_id=result.provider_id,
            detail=detail,
            raw=raw,
            cost_cny=result.cost_cny,
        )

    try:
        dossier = result.apply_to(base)
    except ValueError as exc:
        raise invalid(str(exc)[:500]) from exc
    if dossier is None:
        raise invalid("只有部分档案且没有可合并的档案 / partial answer with nothing to merge into")
    if dossier.uscc != uscc:
        raise invalid(f"统一社会信用代码不符 / USCC mismatch: {dossier.uscc} != {uscc}")
    return dossier


@transaction.atomic
def _store(*, customer: Customer, actor, as_of: dt.date, attempts: list[_Attempt]) -> RefreshResult:
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    current = DossierSnapshot.objects.current_for(locked.pk)
    now = timezone.now()
    success = attempts[-1] if attempts and attempts[-1].dossier is not None else None
    failures = [attempt for attempt in attempts if attempt.error is not None]
    for attempt in failures:
        _record_failure(
            customer=locked, actor=actor, attempt=attempt, as_of=as_of, now=now, final=not success
        )
    errors = tuple(str(attempt.error) for attempt in failures)
    if success is None:
        if not attempts:
            errors = (_("没有启用的数据源 / No provider is enabled."),)
        return RefreshResult(RefreshStatus.FAILED, current, errors=errors)
    result = _apply(customer=locked, actor=actor, attempt=success, current=current, as_of=as_of)
    return RefreshResult(result.status, result.snapshot, result.events, result.provider_id, errors)


def _record_failure(
    *, customer: Customer, actor, attempt: _Attempt, as_of: dt.date, now: dt.datetime, final: bool
) -> None:
    error = attempt.error
    assert error is not None
    quarantined = error.code in QUARANTINE_CODES
    budget = error.code == ProviderErrorCode.BUDGET_EXHAUSTED
    outcome = (
        CallOutcome.BUDGET_REFUSED
        if budget
        else CallOutcome.QUARANTINED
        if quarantined
        else CallOutcome.FAILED
    )
    ProviderCall.objects.create(
        provider_id=attempt.config.provider_id,
        customer=customer,
        called_at=now,
        as_of=as_of,
        outcome=outcome,
        cost_cny=error.cost_cny,
        duration_ms=attempt.duration_ms,
        error_code=error.code.value,
        error=str(error)[:2000],
    )
    if quarantined:
        _quarantine(customer=customer, actor=actor, error=error, as_of=as_of, now=now)
    if quarantined or (final and not budget):
        event = provider_error_event(error, uscc=customer.uscc, on=as_of)
        _store_events(customer=customer, events=[event], snapshot=None, as_of=as_of)


def _quarantine(
    *, customer: Customer, actor, error: ProviderError, as_of: dt.date, now: dt.datetime
) -> None:
    raw = error.raw.decode("utf-8", errors="replace") if error.raw else ""
    payload = QuarantinedPayload.objects.create(
        customer=customer,
        provider_id=error.provider_id,
        received_at=now,
        as_of=as_of,
        error_code=error.code.value,
        message=str(error)[:2000],
        errors=error.errors[:200],
        raw=raw,
    )
    record_event(
        actor=_audit_actor(actor),
        actor_name=str(actor) if actor is SYSTEM else "",
        action=AuditAction.DOSSIER_QUARANTINED,
        obj=customer,
        extra={"provider": error.provider_id, "code": error.code.value, "quarantine": payload.pk},
    )


def _apply(
    *,
    customer: Customer,
    actor,
    attempt: _Attempt,
    current: DossierSnapshot | None,
    as_of: dt.date,
) -> RefreshResult:
    assert attempt.dossier is not None and attempt.result is not None
    content = canonical_json(attempt.dossier)
    digest = hashlib.sha256(content).hexdigest()
    now = timezone.now()
    previous_as_of = current.checked_as_of if current is not None else None
    before = current.content.encode() if current is not None else None
    if current is not None and current.content_hash == digest:
        snapshot, status, outcome = current, RefreshStatus.UNCHANGED, CallOutcome.UNCHANGED
        _mark_checked(current, now=now, as_of=as_of)
    else:
        snapshot = _create_snapshot(customer, attempt, current, content, digest, as_of, now)
        status, outcome = RefreshStatus.CREATED, CallOutcome.CHANGED
    changes = diff_canonical(before, content, as_of=as_of, previous_as_of=previous_as_of)
    stored = _store_events(customer=customer, events=changes, snapshot=snapshot, as_of=as_of)
    ProviderCall.objects.create(
        provider_id=attempt.config.provider_id,
        customer=customer,
        called_at=now,
        as_of=as_of,
        outcome=outcome,
        cost_cny=attempt.result.cost_cny,
        duration_ms=attempt.duration_ms,
        snapshot=snapshot,
    )
    if status == RefreshStatus.CREATED or stored:
        record_event(
            actor=_audit_actor(actor),
            actor_name=str(actor) if actor is SYSTEM else "",
            action=AuditAction.DOSSIER_REFRESHED,
            obj=customer,
            extra={
                "provider": snapshot.provider_id,
                "snapshot": snapshot.pk,
                "as_of": as_of.isoformat(),
                "events": stored,
            },
        )
    return RefreshResult(status, snapshot, stored, attempt.config.provider_id)


def _mark_checked(snapshot: DossierSnapshot, *, now: dt.datetime, as_of: dt.date) -> None:
    snapshot.checked_at = now
    snapshot.checked_as_of = max(snapshot.checked_as_of, as_of)
    snapshot.check_count += 1
    snapshot.save(update_fields=["checked_at", "checked_as_of", "check_count"])


def _create_snapshot(
    customer: Customer,
    attempt: _Attempt,
    current: DossierSnapshot | None,
    content: bytes,
    digest: str,
    as_of: dt.date,
    now: dt.datetime,
) -> DossierSnapshot:
    result = attempt.result
    assert result is not None and attempt.dossier is not None
    return DossierSnapshot.objects.create(
        customer=customer,
        provider_id=attempt.config.provider_id,
        content=content.decode(),
        content_hash=digest,
        schema_version=attempt.dossier.schema_version,
        section_sources=_section_sources(result, current, as_of, now),
        as_of=as_of,
        fetched_at=result.fetched_at,
        checked_at=now,
        checked_as_of=as_of,
    )


def _section_sources(
    result: ProviderResult, current: DossierSnapshot | None, as_of: dt.date, now: dt.datetime
) -> dict[str, dict[str, str]]:
    """Which provider delivered each section and when (a partial answer keeps the others')."""
    mine = {"provider": result.provider_id, "as_of": as_of.isoformat(), "at": now.isoformat()}
    if result.dossier is not None or current is None:
        return dict.fromkeys(SECTION_NAMES, mine)
    sources = dict(current.section_sources)
    for name in result.partial.provided_sections() if result.partial else ():
        sources[name] = mine
    return sources


def _store_events(
    *,
    customer: Customer,
    events: list[DossierEvent],
    snapshot: DossierSnapshot | None,
    as_of: dt.date,
) -> int:
    """Insert the events whose fact is new for this customer; returns how many were new."""
    unique = {event.dedup_key: event for event in events}
    if not unique:
        return 0
    known = set(
        ChangeEvent.objects.filter(customer=customer, dedup_key__in=list(unique)).values_list(
            "dedup_key", flat=True
        )
    )
    rows = [
        _event_row(customer, event, snapshot, as_of)
        for key, event in unique.items()
        if key not in known
    ]
    ChangeEvent.objects.bulk_create(rows, ignore_conflicts=True)
    if not rows:
        return 0
    stored = ChangeEvent.objects.filter(
        customer=customer, dedup_key__in=[row.dedup_key for row in rows]
    ).values_list("pk", flat=True)
    events_stored.send(sender=ChangeEvent, event_ids=list(stored))
    return len(rows)


def _event_row(
    customer: Customer, event: DossierEvent, snapshot: DossierSnapshot | None, as_of: dt.date
) -> ChangeEvent:
    severity = event.severity.value
    return ChangeEvent(
        customer=customer,
        type=event.type,
        dimension=event.dimension.value,
        severity=severity,
        severity_rank=SEVERITY_RANK[severity],
        title_zh=event.title_zh[:200],
        title_en=event.title_en[:200],
        text_zh=event.text_zh,
        text_en=event.text_en,
        before=event.before,
        after=event.after,
        item_id=(event.item_id or "")[:80],
        occurred_on=dt.date.fromisoformat(event.occurred_on) if event.occurred_on else None,
        as_of=as_of,
        provider_id=snapshot.provider_id if snapshot is not None else "",
        source_snapshot=snapshot,
        dedup_key=event.dedup_key,
    )


# --- refresh many ---------------------------------------------------------------------------


@dataclass
class RefreshSummary:
    total: int = 0
    done: int = 0
    counts: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict[str, int]:
        return {"total": self.total, "done": self.done, **self.counts}


def refreshable_customers(*, actor, customer_ids: list[int] | None = None) -> list[int]:
    """Ids of the customers ``actor`` may refresh (a salesperson: their own), in id order."""
    queryset = Customer.objects.order_by("pk")
    if actor is not SYSTEM:
        queryset = permissions.restrict(queryset, actor, "change")
    if customer_ids is not None:
        queryset = queryset.filter(pk__in=customer_ids)
    return list(queryset.values_list("pk", flat=True))


def refresh_all_dossiers(
    *,
    actor,
    as_of: dt.date | None = None,
    provider_id: str | None = None,
    force: bool = False,
    customer_ids: list[int] | None = None,
    job_id: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RefreshSummary:
    """Refresh every customer the actor may refresh; one failure never stops the others."""
    ids = refreshable_customers(actor=actor, customer_ids=customer_ids)
    summary = RefreshSummary(total=len(ids))
    for start in range(0, len(ids), CHUNK_SIZE):
        chunk_ids = ids[start : start + CHUNK_SIZE]
        chunk = Customer.objects.in_bulk(chunk_ids)
        for pk in chunk_ids:
            if pk in chunk:  # deleted meanwhile
                _refresh_one(summary, chunk[pk], actor, as_of, provider_id, force)
            summary.done += 1
            _report(summary, job_id, progress)
    return summary


def _refresh_one(summary: RefreshSummary, customer, actor, as_of, provider_id, force) -> None:
    try:
        result = refresh_dossier(
            customer=customer, actor=actor, force=force, as_of=as_of, provider_id=provider_id
        )
    except Exception:
        logger.exception("refresh of customer %s failed", customer.pk)
        summary.counts["crashed"] += 1
        return
    summary.counts[str(result.status)] += 1
    summary.counts["events"] += result.events


def _report(summary: RefreshSummary, job_id: int | None, progress) -> None:
    done = summary.done
    if progress is not None:
        progress(done, summary.total)
    if job_id is not None and (done % PROGRESS_EVERY == 0 or done == summary.total):
        jobs.report_progress(
            job_id=job_id,
            done=done,
            total=summary.total,
            message=_("已刷新 %(done)s / %(total)s，新事件 %(events)s")
            % {"done": done, "total": summary.total, "events": summary.counts["events"]},
        )


def start_refresh(
    *,
    actor,
    customer: Customer | None = None,
    as_of: dt.date | None = None,
    force: bool = True,
    provider_id: str | None = None,
):
    """Queue a refresh of one customer (or all the actor may refresh) and return its Job."""
    from riskdesk.intel import tasks

    _authorize(actor, "change", customer)
    if provider_id is not None:
        provider_waterfall(provider_id)
    title = (
        _("刷新企业档案：%s") % customer.name if customer else _("刷新全部企业档案")
    ) + " / Refresh dossiers"
    job = jobs.start_job(
        kind="intel.refresh",
        title=title[:200],
        actor=None if actor is SYSTEM else actor,
        total=1 if customer else 0,
    )
    kwargs = {
        "job_id": job.pk,
        "actor_id": None if actor is SYSTEM else actor.pk,
        "as_of": as_of.isoformat() if as_of else None,
        "force": force,
        "provider_id": provider_id,
        "customer_ids": [customer.pk] if customer else None,
    }
    transaction.on_commit(lambda: tasks.refresh_all_task.enqueue(**kwargs))
    return job


# --- features -------------------------------------------------------------------------------


def customer_features(*, customer: Customer, as_of: dt.date) -> dict:
    """Dossier features of the current snapshot plus trading aggregates (DESIGN §3.5)."""
    snapshot = DossierSnapshot.objects.current_for(customer.pk)
    features: dict = dict.fromkeys(FEATURE_NAMES)
    if snapshot is not None:
        features = dossier_features(snapshot.dossier, as_of)
    return {**features, **customer_aggregates(customer.pk, as_of=as_of)}


def portfolio_features(*, as_of: dt.date, customer_ids: list[int] | None = None) -> pl.DataFrame:
    """The same values as :func:`customer_features` for many customers: one row per customer.

    Without ``customer_ids`` (the whole portfolio) no query carries a list of ids: they read
    the tables whole, which is faster and has no parameter limit.
    """
    snapshots_query = DossierSnapshot.objects.current()
    if customer_ids is None:
        ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(customer_ids)
        snapshots_query = snapshots_query.filter(customer_id__in=ids)
    snapshots = list(snapshots_query.order_by("customer_id"))
    dossier_table = portfolio_dossier_features([s.dossier for s in snapshots], as_of)
    dossier_table = dossier_table.drop("uscc").with_columns(
        pl.Series("customer_id", [s.customer_id for s in snapshots], dtype=pl.Int64)
    )
    base = pl.DataFrame({"customer_id": ids}, schema={"customer_id": pl.Int64})
    trading = trading_portfolio(as_of=as_of, customer_ids=None if customer_ids is None else ids)
    return (
        base.join(dossier_table, on="customer_id", how="left")
        .join(trading, on="customer_id", how="left")
        .select("customer_id", *FEATURE_NAMES, *AGGREGATE_NAMES)
        .sort("customer_id")
    )


# --- prospects ------------------------------------------------------------------------------


@transaction.atomic
def register_prospect(*, actor, uscc: str, name: str) -> Customer:
    """The prospect as a customer with status ``prospect`` owned by ``actor``.

    A company already on file is returned when the actor may see it; otherwise it is refused
    without saying whose it is.
    """
    permissions.require(actor, "create")
    try:
        uscc = validate_uscc(uscc)
    except UsccError as exc:
        raise ValidationError({"uscc": str(exc)}) from exc
    existing = Customer.objects.filter(uscc=uscc).first()
    if existing is not None:
        if permissions.restrict(Customer.objects.filter(pk=existing.pk), actor).exists():
            return existing
        raise ValidationError(
            {"uscc": _("该企业已由其他客户经理登记 / This company is already registered.")}
        )
    if not (name or "").strip():
        raise ValidationError({"name": _("请填写企业名称 / The company name is required.")})
    return customer_services.create_customer(
        actor=actor,
        name=name,
        uscc=uscc,
        status=CustomerStatus.PROSPECT,
        owner=actor,
        team=actor.team,
    )


def create_prospect(*, actor, uscc: str, name: str, as_of: dt.date | None = None) -> Customer:
    """Register a prospect and fetch its dossier, so its risk profile is ready to read."""
    customer = register_prospect(actor=actor, uscc=uscc, name=name)
    if not DossierSnapshot.objects.filter(customer=customer).exists():
        refresh_dossier(customer=customer, actor=actor, force=True, as_of=as_of)
    return customer


@dataclass(frozen=True, slots=True)
class ProspectCandidate:
    """A company a search found; ``customer_id`` is set when it is already one of ours."""

    name: str
    uscc: str
    status: str | None = None
    province: str | None = None
    customer_id: int | None = None
    registered_elsewhere: bool = False


def search_prospects(
    *, query: str, actor, as_of: dt.date | None = None, limit: int = 5
) -> list[ProspectCandidate]:
    """Candidates for a name or USCC: our own matching customers first, then the providers'."""
    permissions.require(actor, "create")
    text = (query or "").strip()[:100]
    if not text:
        return []
    own = permissions.restrict(Customer.objects.all(), actor, "view")
    matches = own.filter(Q(uscc=text.upper()) | Q(name__icontains=text)).order_by("name")[:limit]
    found = [
        ProspectCandidate(c.name, c.uscc, c.get_status_display(), c.province, customer_id=c.pk)
        for c in matches
    ]
    seen = {candidate.uscc for candidate in found}
    external = [c for c in _provider_candidates(text, as_of) if c.uscc not in seen]
    taken = set(
        Customer.objects.filter(uscc__in=[c.uscc for c in external]).values_list("uscc", flat=True)
    )
    return found + [
        ProspectCandidate(
            c.name, c.uscc, c.status, c.province, registered_elsewhere=c.uscc in taken
        )
        for c in external[:limit]
    ]


def _provider_candidates(text: str, as_of: dt.date | None) -> list[ProspectCandidate]:
    """Search the providers that can search; a bare valid USCC is a candidate of its own."""
    if ProviderConfig.objects.filter(provider_id="sandbox", enabled=True).exists():
        day = as_of or customer_services.business_today()
        return [
            ProspectCandidate(c.name, c.uscc, c.status, c.province)
            for c in sandbox_candidates(text, as_of=day)
        ]
    if is_valid_uscc(text):
        return [ProspectCandidate("", normalize_uscc(text))]
    return []


# --- provider push --------------------------------------------------------------------------

SIGNATURE_HEADER = "X-Riskdesk-Signature"
TIMESTAMP_HEADER = "X-Riskdesk-Timestamp"
PUSH_TOLERANCE_SECONDS = 300


class PushRejected(Exception):
    """A push that is not accepted; ``code`` is a :class:`PushRejection`, ``status`` HTTP."""

    def __init__(self, code: str, message: str, status: int = 401) -> None:
        self.code, self.message, self.status = code, message, status
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class PushResult:
    uscc: str
    customer: Customer | None
    job_id: int | None


def push_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + HMAC-SHA256 over ``timestamp.body`` with the provider's push secret."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


@transaction.atomic
def accept_push(
    *, provider_id: str, body: bytes, timestamp: str, signature: str, now: dt.datetime | None = None
) -> PushResult:
    """Verify a provider's change notification and queue a refresh of the company it names.

    Rejected: providers without a push secret, unsigned or wrongly signed requests, timestamps
    more than five minutes away, and a signature seen before (a replay).
    """
    now = now or timezone.now()
    config = _push_config(provider_id)
    _verify_signature(config, body, timestamp, signature, now)
    uscc = _pushed_uscc(body)
    PushReceipt.objects.filter(
        received_at__lt=now - dt.timedelta(seconds=2 * PUSH_TOLERANCE_SECONDS)
    ).delete()
    try:
        with transaction.atomic():
            PushReceipt.objects.create(
                provider_id=provider_id, signature=signature, received_at=now, uscc=uscc
            )
    except IntegrityError:
        raise PushRejected(
            PushRejection.REPLAYED, _("重复的推送 / This push was already received."), 409
        ) from None
    customer = Customer.objects.filter(uscc=uscc).first()
    if customer is None:
        return PushResult(uscc, None, None)
    record_event(
        actor=None,
        actor_name=f"push:{provider_id}",
        action=AuditAction.PROVIDER_PUSH,
        obj=customer,
        extra={"provider": provider_id},
    )
    job = start_refresh(actor=SYSTEM, customer=customer, force=True, provider_id=provider_id)
    return PushResult(uscc, customer, job.pk)


def _push_config(provider_id: str) -> ProviderConfig:
    config = (
        ProviderConfig.objects.filter(provider_id=provider_id, enabled=True)
        .exclude(push_secret="")
        .first()
    )
    if config is None:
        raise PushRejected(
            PushRejection.UNKNOWN_PROVIDER,
            _("该数据源未启用推送 / Push is not enabled for this provider."),
            404,
        )
    return config


def _verify_signature(
    config: ProviderConfig, body: bytes, timestamp: str, signature: str, now: dt.datetime
) -> None:
    if not timestamp or not signature:
        raise PushRejected(
            PushRejection.UNSIGNED, _("缺少签名或时间戳 / Signature or timestamp missing.")
        )
    expected = push_signature(secret=config.push_secret, timestamp=timestamp, body=body)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise PushRejected(PushRejection.BAD_SIGNATURE, _("签名无效 / Invalid signature."))
    try:
        sent = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        sent = None
    if sent is None or abs((now - sent).total_seconds()) > PUSH_TOLERANCE_SECONDS:
        raise PushRejected(
            PushRejection.STALE, _("时间戳无效或已过期 / Timestamp invalid or too old.")
        )


def _pushed_uscc(body: bytes) -> str:
    try:
        payload = json.loads(body)
        return validate_uscc(str(payload["uscc"]))
    except (ValueError, KeyError, TypeError, UsccError) as exc:
        raise PushRejected(
            PushRejection.BAD_PAYLOAD,
            _("推送内容须为含有效 uscc 的 JSON / The body must be JSON with a valid uscc."),
            400,
        ) from exc
