"""The ``file`` provider: dossiers bought in bulk, from a JSON / JSON-lines file or a folder.

Accepted layouts: a ``.json`` file holding one dossier, a list of dossiers or an object keyed
by USCC; a ``.jsonl`` / ``.ndjson`` file with one dossier per line; or a folder of such files.
A record is validated when it is fetched, so one bad record never hides the good ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from riskdesk.dossier.providers.base import (
    FetchRequest,
    Provider,
    ProviderError,
    ProviderErrorCode,
    ProviderResult,
    ProviderSettings,
    register_provider,
)
from riskdesk.dossier.schema import Dossier
from riskdesk.dossier.uscc import normalize_uscc

JSON_SUFFIXES = frozenset({".json"})
LINES_SUFFIXES = frozenset({".jsonl", ".ndjson"})


class FileProviderSettings(ProviderSettings):
    path: str = Field(description="档案文件或文件夹路径 — file or folder of dossiers")


@dataclass(frozen=True, slots=True)
class _Record:
    source: str
    data: Any


@register_provider
class FileProvider(Provider):
    id = "file"
    label_zh = "文件导入"
    label_en = "file import"
    settings_model = FileProviderSettings

    def __init__(self, settings: Any = None) -> None:
        super().__init__(settings)
        self._index: dict[str, _Record] | None = None

    @property
    def path(self) -> Path:
        return Path(self.settings.path)  # type: ignore[attr-defined]

    def fetch(self, request: FetchRequest) -> ProviderResult:
        record = self.index().get(normalize_uscc(request.uscc))
        if record is None:
            raise self.error(ProviderErrorCode.NOT_FOUND, request.uscc)
        return self._result(record)

    def iter_results(self) -> Iterator[ProviderResult | ProviderError]:
        """Every record of the file(s): a result, or the error that quarantines it."""
        for record in self.index().values():
            try:
                yield self._result(record)
            except ProviderError as exc:
                yield exc

    def _result(self, record: _Record) -> ProviderResult:
        try:
            dossier = Dossier.model_validate(record.data)
        except ValidationError as exc:
            raw = json.dumps(record.data, ensure_ascii=False).encode()
            raise ProviderError.from_validation(exc, provider_id=self.id, raw=raw) from exc
        return ProviderResult(self.id, dossier.uscc, dossier=dossier, raw=record.data)

    def index(self) -> dict[str, _Record]:
        if self._index is None:
            self._index = self._build_index()
        return self._index

    def _build_index(self) -> dict[str, _Record]:
        if not self.path.exists():
            raise self.error(
                ProviderErrorCode.CONFIGURATION, f"路径不存在 / no such path: {self.path}"
            )
        files = sorted(self.path.iterdir()) if self.path.is_dir() else [self.path]
        index: dict[str, _Record] = {}
        for file in files:
            if file.suffix in JSON_SUFFIXES | LINES_SUFFIXES:
                for key, data in self._records(file):
                    index[key] = _Record(str(file), data)
        return index

    def _records(self, file: Path) -> Iterator[tuple[str, Any]]:
        text = file.read_text(encoding="utf-8-sig")
        try:
            if file.suffix in LINES_SUFFIXES:
                documents = [json.loads(line) for line in text.splitlines() if line.strip()]
            else:
                documents = _documents(json.loads(text))
        except json.JSONDecodeError as exc:
            raise self.error(
                ProviderErrorCode.MALFORMED, f"{file.name}: {exc}", raw=text.encode()
            ) from exc
        for document in documents:
            yield _uscc_of(document), document


def _documents(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and "registration" not in data:
        return list(data.values())
    return [data]


def _uscc_of(document: Any) -> str:
    try:
        return normalize_uscc(str(document["registration"]["uscc"]))
    except (KeyError, TypeError):
        return f"?{id(document)}"
