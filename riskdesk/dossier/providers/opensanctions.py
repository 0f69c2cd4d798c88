"""The ``opensanctions`` provider: screens names against FtM lists or a yente server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from pydantic import Field

from riskdesk.dossier.providers.base import (
    FetchRequest,
    Provider,
    ProviderErrorCode,
    ProviderResult,
    ProviderSettings,
    register_provider,
)
from riskdesk.dossier.sanctions import DEFAULT_THRESHOLD, SanctionsIndex, YenteClient
from riskdesk.dossier.schema import PartialDossier, SanctionsHit


class OpenSanctionsSettings(ProviderSettings):
    lists: tuple[str, ...] = Field((), description="FtM 实体文件路径 — entities.ftm.json files")
    yente_url: str | None = Field(None, description="yente 服务地址 — yente API URL")
    yente_dataset: str = Field("default", description="yente 数据集 — yente dataset")
    yente_api_key: str | None = Field(None, description="yente API 密钥 — yente API key")
    threshold: float = Field(DEFAULT_THRESHOLD, ge=0, le=1, description="命中阈值 — hit threshold")
    timeout_seconds: float = Field(10.0, gt=0, description="超时（秒） — timeout (seconds)")


@register_provider
class OpenSanctionsProvider(Provider):
    """Returns only the ``sanctions`` section; merge it into the main dossier."""

    id = "opensanctions"
    label_zh = "制裁名单筛查（OpenSanctions）"
    label_en = "sanctions screening (OpenSanctions)"
    settings_model = OpenSanctionsSettings

    def __init__(self, settings: Any = None) -> None:
        super().__init__(settings)
        self._index: SanctionsIndex | None = None

    @property
    def options(self) -> OpenSanctionsSettings:
        assert isinstance(self.settings, OpenSanctionsSettings)
        return self.settings

    def index(self) -> SanctionsIndex:
        if self._index is None:
            missing = [path for path in self.options.lists if not Path(path).exists()]
            if missing:
                raise self.error(
                    ProviderErrorCode.CONFIGURATION, f"名单文件不存在 / missing list: {missing[0]}"
                )
            self._index = SanctionsIndex.from_files(self.options.lists)
        return self._index

    def fetch(self, request: FetchRequest) -> ProviderResult:
        names = [name for name in (request.name, *request.related_names) if name]
        if not names:
            raise self.error(
                ProviderErrorCode.CONFIGURATION, "筛查需要企业名称 / screening needs a name"
            )
        hits: dict[str, SanctionsHit] = {}
        for name in names:
            for hit in self._screen(name):
                if hit.entity_id not in hits or hits[hit.entity_id].score < hit.score:
                    hits[hit.entity_id] = hit
        partial = PartialDossier(uscc=request.uscc, sanctions=tuple(hits.values()))
        return ProviderResult(self.id, partial.uscc, partial=partial, cost_cny=self.cost_per_call)

    def _screen(self, name: str) -> list[SanctionsHit]:
        options = self.options
        hits = self.index().screen(name, threshold=options.threshold) if options.lists else []
        if options.yente_url:
            client = YenteClient(
                options.yente_url,
                dataset=options.yente_dataset,
                api_key=options.yente_api_key,
                timeout_seconds=options.timeout_seconds,
            )
            try:
                hits += client.match(name, threshold=options.threshold)
            except httpx.HTTPError as exc:
                raise self.error(ProviderErrorCode.NETWORK, str(exc)) from exc
            finally:
                client.close()
        return hits
