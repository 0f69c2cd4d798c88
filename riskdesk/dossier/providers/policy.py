"""Fetch policy, pure logic: when to refetch, what the budget allows, which provider to use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from riskdesk.dossier.providers.base import (
    FetchRequest,
    Provider,
    ProviderError,
    ProviderErrorCode,
    ProviderResult,
)


def should_refetch(
    *, last_fetched_at: datetime | None, max_age_days: float, now: datetime, force: bool = False
) -> bool:
    """Fetch again when forced, never fetched, or the last snapshot is older than the limit."""
    if force or last_fetched_at is None:
        return True
    return now - last_fetched_at >= timedelta(days=max_age_days)


@dataclass(frozen=True, slots=True)
class BudgetDecision:
    allowed: bool
    remaining_cny: Decimal | None
    message_zh: str
    message_en: str


def check_budget(
    *, monthly_budget_cny: Decimal | None, spent_this_month_cny: Decimal, cost_cny: Decimal
) -> BudgetDecision:
    """Whether a call costing ``cost_cny`` fits into what is left of this month's budget."""
    if monthly_budget_cny is None:
        return BudgetDecision(True, None, "不限预算", "no budget limit")
    remaining = monthly_budget_cny - spent_this_month_cny
    if cost_cny > remaining:
        return BudgetDecision(
            False,
            remaining,
            f"本月预算剩余 {remaining} 元，不足以支付本次调用（{cost_cny} 元）",
            f"CNY {remaining} left this month, a call costs CNY {cost_cny}",
        )
    return BudgetDecision(
        True, remaining - cost_cny, f"预算剩余 {remaining} 元", f"CNY {remaining} left"
    )


def budget_check_for(provider: Provider, spent_this_month_cny: Decimal) -> BudgetDecision:
    return check_budget(
        monthly_budget_cny=provider.settings.monthly_budget_cny,
        spent_this_month_cny=spent_this_month_cny,
        cost_cny=provider.cost_per_call * provider.calls_per_fetch,
    )


@dataclass(frozen=True, slots=True)
class WaterfallOutcome:
    """The first result in priority order, and every provider tried with its error."""

    result: ProviderResult | None
    errors: list[ProviderError] = field(default_factory=list)

    @property
    def spent_cny(self) -> dict[str, Decimal]:
        spent: dict[str, Decimal] = {}
        for error in self.errors:
            spent[error.provider_id] = spent.get(error.provider_id, Decimal(0)) + error.cost_cny
        if self.result is not None:
            spent[self.result.provider_id] = (
                spent.get(self.result.provider_id, Decimal(0)) + self.result.cost_cny
            )
        return spent


def fetch_waterfall(
    providers: Sequence[Provider],
    request: FetchRequest,
    *,
    spent_this_month_cny: Mapping[str, Decimal] | None = None,
) -> WaterfallOutcome:
    """Try providers in order; skip one whose budget is spent; stop at the first success."""
    spent = spent_this_month_cny or {}
    errors: list[ProviderError] = []
    for provider in providers:
        decision = budget_check_for(provider, spent.get(provider.id, Decimal(0)))
        if not decision.allowed:
            errors.append(
                provider.error(
                    ProviderErrorCode.BUDGET_EXHAUSTED,
                    f"{decision.message_zh} / {decision.message_en}",
                )
            )
            continue
        try:
            return WaterfallOutcome(provider.fetch(request), errors)
        except ProviderError as exc:
            errors.append(exc)
    return WaterfallOutcome(None, errors)
