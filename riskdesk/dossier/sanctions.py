"""Sanctions and debarment screening against FollowTheMoney (FtM) entities.

An ``entities.ftm.json`` export (one JSON entity per line) is loaded into an in-memory
:class:`SanctionsIndex`. Names are normalised (NFKC folds full-width characters, case,
punctuation and spacing, legal-form suffixes such as 有限公司 / Co., Ltd. / GmbH are dropped)
and compared with rapidfuzz. Blocking on tokens and Chinese character pairs keeps a query
against 100k entities to a few hundred comparisons. :class:`YenteClient` asks a yente
server's ``/match`` endpoint instead.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import httpx
from rapidfuzz import fuzz

from riskdesk.dossier.schema import SanctionsHit

DEFAULT_THRESHOLD = 0.85
NAME_PROPERTIES = ("name", "alias", "previousName", "weakAlias")
WEAK_ALIAS_PENALTY = 0.05
_MAX_POSTINGS = 5_000

_CJK_SUFFIXES = tuple(
    sorted(
        (
            "集团股份有限公司",
            "集团有限责任公司",
            "集团有限公司",
            "股份有限公司",
            "有限责任公司",
            "有限公司",
            "集团公司",
            "总公司",
            "分公司",
            "公司",
            "集团",
            "株式会社",
        ),
        key=len,
        reverse=True,
    )
)
_LATIN_SUFFIXES = frozenset(
    [
        "co",
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "company",
        "llc",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "nv",
        "bv",
        "pte",
        "pty",
        "kk",
        "srl",
        "spa",
        "oy",
        "ab",
        "as",
        "jsc",
        "pjsc",
        "ojsc",
        "ooo",
        "oao",
        "zao",
        "llp",
        "lp",
        "group",
        "holdings",
        "holding",
    ]
)
_PUNCTUATION = re.compile(r"[^\w\s]|_", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff]")
_SPACE_AROUND_CJK = re.compile(r"(?<=[\u3400-\u9fff])\s+|\s+(?=[\u3400-\u9fff])")


def normalize_name(name: str) -> str:
    """A comparable form of a name: folded, without punctuation or legal-form suffixes."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _PUNCTUATION.sub(" ", text)
    text = _SPACE_AROUND_CJK.sub("", " ".join(text.split()))
    return _strip_suffixes(text)


def _strip_suffixes(text: str) -> str:
    changed = True
    while changed and text:
        changed = False
        for suffix in _CJK_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text, changed = text[: -len(suffix)].rstrip(), True
                break
        tokens = text.split(" ")
        if len(tokens) > 1 and tokens[-1] in _LATIN_SUFFIXES:
            text, changed = " ".join(tokens[:-1]), True
    return text


def blocking_keys(normalized: str) -> set[str]:
    """Latin tokens (3+ letters) and Chinese character pairs: candidates share at least one."""
    keys = {token for token in normalized.split(" ") if len(token) >= 3 and not _CJK.search(token)}
    chinese = "".join(_CJK.findall(normalized))
    keys.update(chinese[i : i + 2] for i in range(len(chinese) - 1))
    if not keys and normalized:
        keys.add(normalized)
    return keys


def name_score(query: str, candidate: str) -> float:
    """Similarity of two normalised names in [0, 1] (word order does not matter)."""
    return max(fuzz.ratio(query, candidate), fuzz.token_sort_ratio(query, candidate)) / 100


@dataclass(frozen=True, slots=True)
class ListedEntity:
    id: str
    schema: str
    caption: str
    datasets: tuple[str, ...]
    topics: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Name:
    entity: int
    text: str
    normalized: str
    via: str


class SanctionsIndex:
    """FtM entities held in memory for fuzzy name screening."""

    def __init__(self) -> None:
        self.entities: list[ListedEntity] = []
        self._names: list[_Name] = []
        self._postings: dict[str, list[int]] = defaultdict(list)

    def __len__(self) -> int:
        return len(self.entities)

    @classmethod
    def from_files(cls, paths: Iterable[Path | str]) -> SanctionsIndex:
        index = cls()
        for path in paths:
            with Path(path).open(encoding="utf-8") as lines:
                index.add_entities(json.loads(line) for line in lines if line.strip())
        return index

    def add_entities(self, entities: Iterable[dict[str, Any]]) -> None:
        for entity in entities:
            self._add(entity)

    def _add(self, entity: dict[str, Any]) -> None:
        properties = entity.get("properties") or {}
        names = [(value, prop) for prop in NAME_PROPERTIES for value in properties.get(prop) or ()]
        if not names or not entity.get("id"):
            return
        topics = entity.get("topics") or properties.get("topics") or ()
        number = len(self.entities)
        self.entities.append(
            ListedEntity(
                id=str(entity["id"]),
                schema=str(entity.get("schema") or "Thing"),
                caption=str(entity.get("caption") or names[0][0]),
                datasets=tuple(entity.get("datasets") or ()),
                topics=tuple(topics),
            )
        )
        for text, via in names:
            normalized = normalize_name(str(text))
            if not normalized:
                continue
            position = len(self._names)
            self._names.append(_Name(number, str(text), normalized, via))
            for key in blocking_keys(normalized):
                self._postings[key].append(position)

    def _candidates(self, normalized: str) -> set[int]:
        postings = [self._postings.get(key, []) for key in blocking_keys(normalized)]
        selective = [found for found in postings if len(found) <= _MAX_POSTINGS] or postings
        return {position for found in selective for position in found}

    def screen(
        self,
        name: str,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        schemas: Sequence[str] | None = None,
    ) -> list[SanctionsHit]:
        """Entities whose name or alias scores at least ``threshold``, best first."""
        query = normalize_name(name)
        if not query:
            return []
        best: dict[int, tuple[float, _Name]] = {}
        for position in self._candidates(query):
            listed = self._names[position]
            score = name_score(query, listed.normalized)
            if listed.via == "weakAlias":
                score -= WEAK_ALIAS_PENALTY
            if score >= threshold and score > best.get(listed.entity, (-1.0, listed))[0]:
                best[listed.entity] = (score, listed)
        hits = [self._hit(name, score, listed) for score, listed in best.values()]
        if schemas is not None:
            hits = [hit for hit in hits if hit.entity_schema in schemas]
        return sorted(hits, key=lambda hit: (-hit.score, hit.entity_id))

    def _hit(self, query: str, score: float, listed: _Name) -> SanctionsHit:
        entity = self.entities[listed.entity]
        return SanctionsHit(
            entity_id=entity.id,
            caption=entity.caption,
            entity_schema=entity.schema,
            query=query,
            matched_name=listed.text,
            matched_via=listed.via,
            score=round(min(1.0, max(0.0, score)), 4),
            datasets=entity.datasets,
            topics=entity.topics,
        )


class YenteClient:
    """A client for a yente server's ``POST /match/{dataset}`` endpoint."""

    def __init__(
        self,
        base_url: str,
        *,
        dataset: str = "default",
        api_key: str | None = None,
        timeout_seconds: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"ApiKey {api_key}"} if api_key else {}
        self.dataset = dataset
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=timeout_seconds,
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def match(
        self, name: str, *, schema: str = "Company", threshold: float = DEFAULT_THRESHOLD
    ) -> list[SanctionsHit]:
        body = {"queries": {"q": {"schema": schema, "properties": {"name": [name]}}}}
        response = self._client.post(
            f"/match/{self.dataset}", json=body, params={"threshold": threshold}
        )
        response.raise_for_status()
        results = response.json()["responses"]["q"]["results"]
        return [
            _yente_hit(name, result) for result in results if result.get("score", 0) >= threshold
        ]


def _yente_hit(query: str, result: dict[str, Any]) -> SanctionsHit:
    properties = result.get("properties") or {}
    caption = str(result.get("caption") or (properties.get("name") or [query])[0])
    return SanctionsHit(
        entity_id=str(result["id"]),
        caption=caption,
        entity_schema=result.get("schema"),
        query=query,
        matched_name=caption,
        matched_via="name",
        score=round(float(result["score"]), 4),
        datasets=tuple(result.get("datasets") or ()),
        topics=tuple(properties.get("topics") or ()),
    )


# ---------------------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="riskdesk intel screen",
        description="按名称筛查制裁/限制名单 — screen a name against sanctions lists",
    )
    parser.add_argument("name", nargs="+", help="要筛查的名称 / name to screen")
    parser.add_argument(
        "--list",
        dest="lists",
        action="append",
        default=[],
        metavar="FILE.ftm.json",
        help="FtM 实体文件（可多次指定） / FtM entities file (repeatable)",
    )
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help="0–1")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--yente-url", default=None, help="yente 服务地址 / yente API URL")
    return parser


def screen_cli(
    argv: Sequence[str], *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """``riskdesk intel screen NAME …``: prints the hits; 0 with or without hits, 2 on bad input."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    args = _parser().parse_args(list(argv))
    name = " ".join(args.name)
    if not 0.0 <= args.threshold <= 1.0:
        err.write("阈值必须在 0 到 1 之间 / --threshold must be between 0 and 1\n")
        return 2
    if not args.lists and not args.yente_url:
        err.write(
            "请用 --list 指定名单文件或用 --yente-url 指定服务 / give --list FILE or --yente-url\n"
        )
        return 2
    try:
        hits = list(_screen_everywhere(name, args.lists, args.yente_url, args.threshold))
    except (OSError, ValueError, httpx.HTTPError) as exc:
        err.write(f"筛查失败：{exc} / screening failed: {exc}\n")
        return 2
    out.write(_render(name, hits, args.format))
    return 0


def _screen_everywhere(
    name: str, lists: list[str], yente_url: str | None, threshold: float
) -> Iterator[SanctionsHit]:
    if lists:
        yield from SanctionsIndex.from_files(lists).screen(name, threshold=threshold)
    if yente_url:
        client = YenteClient(yente_url)
        try:
            yield from client.match(name, threshold=threshold)
        finally:
            client.close()


def _render(name: str, hits: list[SanctionsHit], output_format: str) -> str:
    if output_format == "json":
        return (
            json.dumps([hit.model_dump(mode="json") for hit in hits], ensure_ascii=False, indent=2)
            + "\n"
        )
    if not hits:
        return f"未命中：{name} / no hits for {name}\n"
    lines = [f"命中 {len(hits)} 条 / {len(hits)} hit(s) for {name}:"]
    for hit in hits:
        lists = ",".join(hit.datasets) or "-"
        topics = ",".join(hit.topics) or "-"
        lines.append(
            f"{hit.score:.3f}  {hit.entity_id}  {hit.matched_name}  [{hit.matched_via}]  "
            f"{lists}  {topics}"
        )
    return "\n".join(lines) + "\n"
