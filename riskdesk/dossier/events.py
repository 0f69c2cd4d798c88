"""Change events (变更事件): their catalogue, severities, dimensions and the event value itself."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from riskdesk.dossier.schema import LabelledEnum, fingerprint


class Dimension(LabelledEnum):
    """风险维度 — the risk dimension an event belongs to."""

    REGISTRATION = "registration", "工商", "registration"
    JUDICIAL = "judicial", "司法", "judicial"
    OPERATIONS = "operations", "经营", "operations"
    TAX = "tax", "税务", "tax"
    NEWS = "news", "舆情", "news"
    INTERNAL = "internal", "内部", "internal"


class Severity(LabelledEnum):
    """严重程度 — severity, ordered from ``info`` to ``critical``."""

    INFO = "info", "提示", "info"
    LOW = "low", "低", "low"
    MEDIUM = "medium", "中", "medium"
    HIGH = "high", "高", "high"
    CRITICAL = "critical", "严重", "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(Severity)}


@dataclass(frozen=True, slots=True)
class EventType:
    """One entry of the event catalogue: what a type means and how bad it is by default."""

    type: str
    dimension: Dimension
    severity: Severity
    label_zh: str
    label_en: str


def _catalogue(*entries: tuple[str, Dimension, Severity, str, str]) -> dict[str, EventType]:
    return {entry[0]: EventType(*entry) for entry in entries}


_R, _J, _O, _T, _N, _I = (
    Dimension.REGISTRATION,
    Dimension.JUDICIAL,
    Dimension.OPERATIONS,
    Dimension.TAX,
    Dimension.NEWS,
    Dimension.INTERNAL,
)
_INFO, _LOW, _MED, _HIGH, _CRIT = Severity

EVENT_TYPES: dict[str, EventType] = _catalogue(
    ("registration.changed", _R, _LOW, "工商变更", "registration changed"),
    ("status.changed", _R, _HIGH, "登记状态变更", "registration status changed"),
    ("capital.reduced", _R, _HIGH, "注册资本减少", "registered capital reduced"),
    ("shareholder.changed", _R, _MED, "股东变更", "shareholder changed"),
    ("lawsuit.added", _J, _MED, "新增诉讼", "new lawsuit"),
    ("enforcement.added", _J, _HIGH, "新增被执行人", "new enforcement"),
    ("dishonest.added", _J, _CRIT, "新增失信被执行人", "listed as dishonest debtor"),
    ("consumption_restriction.added", _J, _HIGH, "新增限制高消费", "new consumption restriction"),
    ("terminated_case.added", _J, _HIGH, "新增终本案件", "new terminated enforcement case"),
    ("abnormal_operation.added", _O, _MED, "列入经营异常", "listed for abnormal operations"),
    ("abnormal_operation.removed", _O, _INFO, "移出经营异常", "removed from abnormal operations"),
    ("penalty.added", _O, _LOW, "新增行政处罚", "new administrative penalty"),
    ("serious_violation.added", _O, _CRIT, "列入严重违法", "listed for serious violations"),
    ("equity_pledge.added", _O, _LOW, "新增股权出质", "new equity pledge"),
    ("chattel_mortgage.added", _O, _LOW, "新增动产抵押", "new chattel mortgage"),
    ("licence.expiring", _O, _LOW, "证照即将到期", "licence expiring soon"),
    ("licence.expired", _O, _MED, "证照已过期", "licence expired"),
    ("financials.loss", _O, _MED, "年报亏损", "annual loss reported"),
    ("tax_arrears.added", _T, _HIGH, "新增欠税公告", "new tax arrears notice"),
    ("tax_grade.changed", _T, _MED, "纳税信用等级变化", "tax credit grade changed"),
    ("tax_violation.added", _T, _HIGH, "新增税收违法", "new tax violation"),
    ("abnormal_taxpayer.added", _T, _HIGH, "认定为非正常户", "listed as abnormal taxpayer"),
    ("news.negative", _N, _LOW, "负面舆情", "negative news"),
    ("sanctions.hit", _J, _CRIT, "命中制裁名单", "sanctions list hit"),
    ("overdue.started", _I, _MED, "出现逾期", "payment overdue"),
    ("utilisation.high", _I, _MED, "额度占用过高", "credit utilisation high"),
    ("grade.changed", _I, _MED, "评级变化", "grade changed"),
    ("score.dropped", _I, _MED, "评分下降", "score dropped"),
    ("limit.expiring", _I, _LOW, "额度即将到期", "credit limit expiring"),
    ("credit.hold", _I, _HIGH, "订单信用冻结", "order put on credit hold"),
    ("provider.error", _I, _LOW, "数据源异常", "data provider error"),
)
"""Every event type the product knows: the monitoring rules choose among these."""


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """A typed change found between two dossiers (or raised by our own data).

    ``dedup_key`` names the fact, not the moment: the same fact gives the same key whatever
    the order of the lists, the provider's ids or how often it is re-imported.
    """

    type: str
    dimension: Dimension
    severity: Severity
    title_zh: str
    title_en: str
    text_zh: str
    text_en: str
    before: Any
    after: Any
    item_id: str | None
    dedup_key: str
    occurred_on: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (enums as their values)."""
        data = asdict(self)
        data["dimension"] = self.dimension.value
        data["severity"] = self.severity.value
        return data


def dedup_key_for(event_type: str, uscc: str, parts: Iterable[object]) -> str:
    return f"{event_type}:{uscc}:{fingerprint(parts)}"


def make_event(
    event_type: str,
    *,
    uscc: str,
    fact: Iterable[object],
    text_zh: str,
    text_en: str,
    before: Any = None,
    after: Any = None,
    severity: Severity | None = None,
    item_id: str | None = None,
    occurred_on: str | None = None,
) -> ChangeEvent:
    """Build an event of a catalogued type; ``fact`` are the parts that identify the fact.

    Used by the diff and by the internal checks (overdue, utilisation …) of the app layer.
    """
    spec = EVENT_TYPES.get(event_type)
    if spec is None:
        raise KeyError(f"未知的事件类型“{event_type}” / unknown event type '{event_type}'")
    return ChangeEvent(
        type=event_type,
        dimension=spec.dimension,
        severity=severity or spec.severity,
        title_zh=spec.label_zh,
        title_en=spec.label_en,
        text_zh=text_zh,
        text_en=text_en,
        before=before,
        after=after,
        item_id=item_id,
        dedup_key=dedup_key_for(event_type, uscc, fact),
        occurred_on=occurred_on,
    )
