"""The ``sandbox`` provider: realistic generated dossiers, offline and free (the default)."""

from __future__ import annotations

from riskdesk.dossier.providers.base import (
    FetchRequest,
    Provider,
    ProviderErrorCode,
    ProviderResult,
    register_provider,
)
from riskdesk.dossier.sandbox import sandbox_dossier
from riskdesk.dossier.uscc import UsccError


@register_provider
class SandboxProvider(Provider):
    id = "sandbox"
    label_zh = "演示数据（沙箱）"
    label_en = "sandbox (generated data)"

    def fetch(self, request: FetchRequest) -> ProviderResult:
        try:
            dossier = sandbox_dossier(request.uscc, request.as_of, name=request.name)
        except UsccError as exc:
            raise self.error(ProviderErrorCode.NOT_FOUND, str(exc)) from exc
        return ProviderResult(self.id, dossier.uscc, dossier=dossier, cost_cny=self.cost_per_call)
