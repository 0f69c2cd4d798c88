"""Dossier providers: a registry of classes with a stable id, settings schema, cost and rate limit.

Importing this package registers the built-in providers: ``sandbox``, ``file``, ``http`` and
``opensanctions``.
"""

from riskdesk.dossier.providers.base import (
    PROVIDERS,
    FetchRequest,
    Provider,
    ProviderError,
    ProviderErrorCode,
    ProviderResult,
    ProviderSettings,
    RateLimit,
    create_provider,
    provider_error_event,
    provider_settings_schema,
    register_provider,
)
from riskdesk.dossier.providers.file import FileProvider
from riskdesk.dossier.providers.http import HttpProvider
from riskdesk.dossier.providers.opensanctions import OpenSanctionsProvider
from riskdesk.dossier.providers.policy import (
    BudgetDecision,
    WaterfallOutcome,
    check_budget,
    fetch_waterfall,
    should_refetch,
)
from riskdesk.dossier.providers.sandbox import SandboxProvider

__all__ = [
    "PROVIDERS",
    "BudgetDecision",
    "FetchRequest",
    "FileProvider",
    "HttpProvider",
    "OpenSanctionsProvider",
    "Provider",
    "ProviderError",
    "ProviderErrorCode",
    "ProviderResult",
    "ProviderSettings",
    "RateLimit",
    "SandboxProvider",
    "WaterfallOutcome",
    "check_budget",
    "create_provider",
    "fetch_waterfall",
    "provider_error_event",
    "provider_settings_schema",
    "register_provider",
    "should_refetch",
]
