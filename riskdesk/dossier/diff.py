"""Diff two dossiers into typed change events (DESIGN §3.4).

The diff works on the canonical JSON documents, so a stored snapshot (bytes) and a fresh
:class:`~riskdesk.dossier.schema.Dossier` go through the same code. Equal canonical bytes
are the fast path: nothing is parsed. A first snapshot (``before`` is ``None``) is the
baseline and raises no events — judging a new customer's existing record is the admission
check's job, not monitoring's.

Licence expiry depends on the date, not only on the data: pass ``as_of`` (the date of the
new snapshot) and ``previous_as_of`` (the date of the old one) and a licence that crossed
into "expiring" or "expired" between the two dates raises an event, also when the dossier
bytes did not change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pydantic_core import from_json

from riskdesk.dossier.events import EVENT_TYPES, ChangeEvent, Severity, make_event
from riskdesk.dossier.schema import (
    TAX_GRADE_RANK,
    TROUBLED_STATUSES,
    AbnormalOperation,
    AbnormalTaxpayer,
    ChattelMortgage,
    ConsumptionRestriction,
    DishonestDebtor,
    Dossier,
    DossierItem,
    Enforcement,
    EquityPledge,
    Judicial,
    Lawsuit,
    LitigationRole,
    NewsArticle,
    Operations,
    Penalty,
    Registration,
    RegistrationStatus,
    SanctionsHit,
    SeriousViolation,
    ShareholderKind,
    Tax,
    TaxArrears,
    TaxGrade,
    TaxViolation,
    TerminatedCase,
    canonical_bytes,
    canonical_json,
    key_text,
)

__all__ = ["EVENT_TYPES", "ChangeEvent", "diff_canonical", "diff_dossiers"]

type Doc = dict[str, Any]
type Texts = tuple[str, str]

LARGE_AMOUNT_CNY = Decimal(1_000_000)
"""Lawsuits, penalties and similar facts at or above this amount are raised one severity."""


# ---------------------------------------------------------------------------- entry points


def diff_dossiers(
    before: Dossier | None,
    after: Dossier,
    *,
    as_of: date | None = None,
    previous_as_of: date | None = None,
    expiring_within_days: int = 30,
) -> list[ChangeEvent]:
    """Events that explain how ``after`` differs from ``before``."""
    if before is None:
        return []
    before_bytes, after_bytes = canonical_json(before), canonical_json(after)
    if before_bytes == after_bytes and _stays(as_of, previous_as_of):
        return []
    window = _LicenceWindow.of(as_of, previous_as_of, expiring_within_days)
    if window is not None and before_bytes == after_bytes:
        licences = [
            _LicenceRow(item.id, item.name, item.number, item.valid_to) for item in after.licences
        ]
        return _licence_events(after.uscc, licences, licences, window)
    return _diff_documents(_Document(before_bytes), _Document(after_bytes), window)


def diff_canonical(
    before: bytes | None,
    after: bytes,
    *,
    as_of: date | None = None,
    previous_as_of: date | None = None,
    expiring_within_days: int = 30,
) -> list[ChangeEvent]:
    """Same as :func:`diff_dossiers` for stored canonical bytes; parses only what differs."""
    if before is None or (before == after and _stays(as_of, previous_as_of)):
        return []
    window = _LicenceWindow.of(as_of, previous_as_of, expiring_within_days)
    if window is not None and before == after:
        document = _Document(after)
        licences = [_licence_row(item) for item in document.value(_LICENCES)]
        return _licence_events(document.uscc(), licences, licences, window)
    return _diff_documents(_Document(before), _Document(after), window)


def _stays(as_of: date | None, previous_as_of: date | None) -> bool:
    """Whether no licence can have crossed a date: no dates, or the same date twice."""
    return as_of is None or previous_as_of is None or previous_as_of == as_of


# ---------------------------------------------------------------------------- lazy documents


type JsonPath = tuple[str, ...]
type Span = tuple[int, int]

_SPLIT_OBJECTS: dict[JsonPath, tuple[str, ...]] = {
    (): tuple(sorted(Dossier.model_fields)),
    ("judicial",): tuple(sorted(Judicial.model_fields)),
    ("operations",): tuple(sorted(Operations.model_fields)),
    ("tax",): tuple(sorted(Tax.model_fields)),
}
"""Objects whose members are compared as bytes. No field below them may share a member's name
(a test checks the schema), so ``,"name":`` occurs in their canonical bytes only as a member."""

_MARKERS: dict[JsonPath, tuple[bytes, ...]] = {
    path: tuple(
        f"{'{' if number == 0 else ','}{json.dumps(key)}:".encode()
        for number, key in enumerate(keys)
    )
    for path, keys in _SPLIT_OBJECTS.items()
}
_MEMBERS: dict[JsonPath, tuple[JsonPath, ...]] = {
    path: tuple((*path, key) for key in keys) for path, keys in _SPLIT_OBJECTS.items()
}
_REGISTRATION: JsonPath = ("registration",)
_LICENCES: JsonPath = ("licences",)
_ABNORMAL: JsonPath = ("operations", "abnormal_operations")
_GRADES: JsonPath = ("tax", "credit_grades")
_FINANCIALS: JsonPath = ("financials",)
_USCC_MARKER = b',"uscc":'
_CLOSE = ord("}")
_ITEM_ID = re.compile(rb'"id":"([^"\\]*)"')


def _split(data: bytes, path: JsonPath, span: Span) -> dict[JsonPath, Span] | None:
    """Where each member of the object at ``path`` (found at ``span`` of ``data``) starts and
    ends; ``None`` when it is not canonical JSON (another key order, whitespace, missing or
    extra members)."""
    markers, (start, end) = _MARKERS[path], span
    if not data.startswith(markers[0], start) or data[end - 1] != _CLOSE:
        return None
    find, spans = data.find, {}
    start += len(markers[0])
    for member, marker in zip(_MEMBERS[path], markers[1:], strict=False):
        found = find(marker, start, end)
        if found < 0:
            return None
        spans[member] = (start, found)
        start = found + len(marker)
    spans[_MEMBERS[path][-1]] = (start, end - 1)
    return spans


class _Document:
    """A dossier's canonical bytes, read lazily: the members of the big objects are located
    in the bytes (equal bytes, equal facts) and parsed only when the diff needs to look inside.

    Bytes that are not canonical are parsed whole, as before; both kinds compare with each
    other through their parsed values.
    """

    __slots__ = ("_data", "_opened", "_spans", "_values")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._opened: set[JsonPath] = set()
        spans = _split(data, (), (0, len(data)))
        self._spans = spans or {}
        self._values: dict[JsonPath, Any] = {} if spans else {(): json.loads(data)}

    def span(self, path: JsonPath) -> Span | None:
        """Where the value at ``path`` is in the bytes, when that is known without parsing."""
        found = self._spans.get(path)
        if found is None and path[:-1] in _MARKERS and path[:-1] not in self._opened:
            parent = path[:-1]
            self._opened.add(parent)
            outer = self._spans.get(parent)
            members = None if outer is None else _split(self._data, parent, outer)
            if members is not None:
                self._spans.update(members)
                found = members.get(path)
        return found

    def raw(self, path: JsonPath) -> bytes | None:
        span = self.span(path)
        return None if span is None else self._data[span[0] : span[1]]

    def value(self, path: JsonPath) -> Any:
        if path in self._values:
            return self._values[path]
        raw = self.raw(path)
        value = (
            from_json(raw, cache_strings="keys")
            if raw is not None
            else self.value(path[:-1])[path[-1]]
        )
        self._values[path] = value
        return value

    def differs(self, other: _Document, path: JsonPath) -> bool:
        mine, theirs = self.span(path), other.span(path)
        if mine is not None and theirs is not None:
            if mine[1] - mine[0] != theirs[1] - theirs[0]:
                return True
            return self._data[mine[0] : mine[1]] != other._data[theirs[0] : theirs[1]]
        return bool(self.value(path) != other.value(path))

    def changed_sections(self, other: _Document) -> set[str]:
        """The top-level members that differ: the diff looks only inside these."""
        return {path[0] for path in _MEMBERS[()] if self.differs(other, path)}

    def ids(self, path: JsonPath) -> set[str] | None:
        """The item ids of the list at ``path`` read from its bytes (items are flat objects,
        so every ``"id":`` is one item's id), or ``None`` when that needs parsing."""
        raw = self.raw(path)
        if raw is None:
            return None
        found = _ITEM_ID.findall(raw)
        if len(found) != raw.count(b'"id":'):
            return None
        return {item_id.decode() for item_id in found}

    def added_items(self, old: _Document, path: JsonPath) -> list[Doc]:
        """The items of the list at ``path`` whose id ``old`` does not have, in list order."""
        old_ids, new_ids = old.ids(path), self.ids(path)
        if old_ids is not None and new_ids is not None and new_ids <= old_ids:
            return []
        if old_ids is None:
            old_ids = {item["id"] for item in old.value(path)}
        return [item for item in self.value(path) if item["id"] not in old_ids]

    def holds(self, path: JsonPath, item: Doc) -> bool:
        """Whether the list at ``path`` holds ``item`` byte for byte (``False`` if unsure)."""
        raw = self.raw(path)
        return raw is not None and canonical_bytes(item) in raw

    def uscc(self) -> str:
        """The USCC without parsing the registration: ``uscc`` is its last member."""
        registration = self.raw(_REGISTRATION)
        if registration is not None:
            found = registration.rfind(_USCC_MARKER)
            tail = registration[found + len(_USCC_MARKER) : -1] if found >= 0 else b""
            if tail.startswith(b'"') and tail.endswith(b'"') and tail.count(b'"') == 2:
                return str(from_json(tail))
        return str(self.value(_REGISTRATION)["uscc"])


def _diff_documents(
    old: _Document, new: _Document, window: _LicenceWindow | None
) -> list[ChangeEvent]:
    uscc = new.uscc()
    changed = new.changed_sections(old)

    def differs(path: JsonPath) -> bool:
        return path[0] in changed and (len(path) == 1 or new.differs(old, path))

    events: list[ChangeEvent] = []
    for path, handler in (
        (_REGISTRATION, _registration_events),
        (("personnel",), _personnel_events),
        (("shareholders",), _shareholder_events),
    ):
        if differs(path):
            events += handler(uscc, old.value(path), new.value(path))
    for rule in _ADDED_RULES:
        if differs(rule.path):
            events += rule.events(uscc, new.added_items(old, rule.path))
    if differs(_ABNORMAL):
        events += _abnormal_removed_events(uscc, old.value(_ABNORMAL), new.value(_ABNORMAL))
    if differs(_GRADES):
        events += _tax_grade_events(uscc, old.value(_GRADES), new.value(_GRADES))
    if differs(_FINANCIALS) and _may_report_loss(new.raw(_FINANCIALS)):
        events += _loss_events(uscc, old, new)
    if window is not None:
        old_rows = [_licence_row(item) for item in old.value(_LICENCES)]
        new_rows = [_licence_row(item) for item in new.value(_LICENCES)]
        events += _licence_events(uscc, old_rows, new_rows, window)
    return events


def _may_report_loss(financials: bytes | None) -> bool:
    """Without a negative number in the new reports there is no loss to report."""
    return financials is None or b':"-' in financials or b":-" in financials


# ---------------------------------------------------------------------------- formatting


def _amount_texts(amount: str | None) -> Texts:
    if amount is None:
        return "金额未披露", "amount not disclosed"
    value = Decimal(amount)
    zh = f"{value / 10000:,.2f}万元" if abs(value) >= 10000 else f"{value:,.2f}元"
    return zh, f"CNY {value:,.2f}"


def _field_labels(model: type[DossierItem] | type[Registration], field: str) -> Texts:
    description = model.model_fields[field].description or field
    zh, _, en = description.partition(" — ")
    return zh, en or field


def _by_id(items: list[Doc]) -> dict[str, Doc]:
    return {item["id"]: item for item in items}


def _bump(severity: Severity) -> Severity:
    order = list(Severity)
    return order[min(order.index(severity) + 1, len(order) - 1)]


def _is_large(amount: str | None) -> bool:
    return amount is not None and Decimal(amount) >= LARGE_AMOUNT_CNY


def _value_texts(value: Any) -> Texts:
    if value is None or value == []:
        return "（空）", "(empty)"
    if isinstance(value, list):
        joined = "、".join(str(part) for part in value)
        return joined, ", ".join(str(part) for part in value)
    return str(value), str(value)


# ---------------------------------------------------------------------------- registration


_REGISTRATION_SEVERITY = {
    "name": Severity.MEDIUM,
    "legal_representative": Severity.MEDIUM,
    "enterprise_type": Severity.MEDIUM,
    "address": Severity.LOW,
    "business_scope": Severity.INFO,
    "former_names": Severity.INFO,
    "paid_in_capital_cny": Severity.LOW,
}


def _registration_events(uscc: str, old: Doc, new: Doc) -> list[ChangeEvent]:
    events = []
    for field in Registration.model_fields:
        before, after = old.get(field), new.get(field)
        if before == after or field == "uscc":
            continue
        if field == "status":
            events.append(_status_event(uscc, before, after))
        elif field == "registered_capital_cny" and _reduced(before, after):
            events.append(_capital_reduced_event(uscc, before, after))
        else:
            events.append(_field_changed_event(uscc, field, before, after))
    return events


def _reduced(before: str | None, after: str | None) -> bool:
    return before is not None and after is not None and Decimal(after) < Decimal(before)


def _field_changed_event(uscc: str, field: str, before: Any, after: Any) -> ChangeEvent:
    label_zh, label_en = _field_labels(Registration, field)
    before_zh, before_en = _value_texts(before)
    after_zh, after_en = _value_texts(after)
    return make_event(
        "registration.changed",
        uscc=uscc,
        fact=(field, json.dumps(before, ensure_ascii=False), json.dumps(after, ensure_ascii=False)),
        text_zh=f"{label_zh}由“{before_zh}”变更为“{after_zh}”",
        text_en=f"{label_en} changed from '{before_en}' to '{after_en}'",
        before={"field": field, "value": before},
        after={"field": field, "value": after},
        severity=_REGISTRATION_SEVERITY.get(field, Severity.LOW),
    )


def _status_event(uscc: str, before: str | None, after: str | None) -> ChangeEvent:
    new_status = RegistrationStatus(after) if after else None
    severity = Severity.INFO
    if new_status in TROUBLED_STATUSES:
        severity = Severity.HIGH
    if new_status in {RegistrationStatus.REVOKED, RegistrationStatus.DEREGISTERED}:
        severity = Severity.CRITICAL
    old_en = RegistrationStatus(before).label_en if before else "(empty)"
    new_en = new_status.label_en if new_status else "(empty)"
    return make_event(
        "status.changed",
        uscc=uscc,
        fact=(before, after),
        text_zh=f"登记状态由“{before or '（空）'}”变更为“{after or '（空）'}”",
        text_en=f"registration status changed from '{old_en}' to '{new_en}'",
        before=before,
        after=after,
        severity=severity,
    )


def _capital_reduced_event(uscc: str, before: str, after: str) -> ChangeEvent:
    before_zh, before_en = _amount_texts(before)
    after_zh, after_en = _amount_texts(after)
    share = 1 - Decimal(after) / Decimal(before) if Decimal(before) else Decimal(1)
    return make_event(
        "capital.reduced",
        uscc=uscc,
        fact=(before, after),
        text_zh=f"注册资本由{before_zh}减少至{after_zh}（减少{share:.0%}）",
        text_en=f"registered capital reduced from {before_en} to {after_en} ({share:.0%} less)",
        before=before,
        after=after,
        severity=Severity.CRITICAL if share >= Decimal("0.5") else Severity.HIGH,
    )


def _personnel_events(uscc: str, old: list[Doc], new: list[Doc]) -> list[ChangeEvent]:
    def roster(items: list[Doc]) -> list[str]:
        return [f"{item['name']}（{'、'.join(item['positions'])}）" for item in items]

    before, after = roster(old), roster(new)
    if before == after:
        return []
    joined_before, joined_after = "；".join(before) or "（空）", "；".join(after) or "（空）"
    return [
        make_event(
            "registration.changed",
            uscc=uscc,
            fact=("personnel", joined_before, joined_after),
            text_zh=f"主要人员变更：{joined_before} → {joined_after}",
            text_en=f"key personnel changed: {joined_before} → {joined_after}",
            before={"field": "personnel", "value": before},
            after={"field": "personnel", "value": after},
            severity=Severity.LOW,
        )
    ]


def _shareholder_events(uscc: str, old: list[Doc], new: list[Doc]) -> list[ChangeEvent]:
    old_by_id, new_by_id = _by_id(old), _by_id(new)
    events = []
    for item_id in sorted(old_by_id.keys() | new_by_id.keys()):
        before, after = old_by_id.get(item_id), new_by_id.get(item_id)
        if before == after:
            continue
        events.append(_shareholder_event(uscc, item_id, before, after))
    return events


def _ratio_text(holder: Doc | None) -> str:
    if holder is None:
        return "—"
    return "未披露" if holder["ratio"] is None else f"{holder['ratio']:.2%}"


def _shareholder_event(
    uscc: str, item_id: str, before: Doc | None, after: Doc | None
) -> ChangeEvent:
    holder = after or before
    assert holder is not None
    kind = ShareholderKind(holder["kind"])
    if before is None:
        zh, en = "新增股东", "new shareholder"
    elif after is None:
        zh, en = "股东退出", "shareholder left"
    else:
        zh, en = "持股变化", "holding changed"
    ratios = f"{_ratio_text(before)} → {_ratio_text(after)}"
    return make_event(
        "shareholder.changed",
        uscc=uscc,
        fact=(holder["name"], _ratio_text(before), _ratio_text(after)),
        text_zh=f"{zh}：{holder['name']}（{kind.label_zh}），持股 {ratios}",
        text_en=f"{en}: {holder['name']} ({kind.label_en}), holding {ratios}",
        before=before,
        after=after,
        item_id=item_id,
    )


# ---------------------------------------------------------------------------- added items


def _no_severity(item: Doc) -> Severity | None:
    return None


def _always(item: Doc) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class _AddedRule:
    """New items of one list become events of one type."""

    path: tuple[str, ...]
    event_type: str
    model: type[DossierItem]
    date_field: str | None
    texts: Callable[[Doc], Texts]
    severity: Callable[[Doc], Severity | None] = _no_severity
    applies: Callable[[Doc], bool] = _always

    def events(self, uscc: str, added: list[Doc]) -> list[ChangeEvent]:
        return [self.event(uscc, item) for item in added if self.applies(item)]

    def event(self, uscc: str, item: Doc) -> ChangeEvent:
        text_zh, text_en = self.texts(item)
        return make_event(
            self.event_type,
            uscc=uscc,
            fact=[item.get(name) for name in self.model.NATURAL_KEY],
            text_zh=text_zh,
            text_en=text_en,
            after=item,
            severity=self.severity(item),
            item_id=item["id"],
            occurred_on=item.get(self.date_field) if self.date_field else None,
        )


def _lawsuit_texts(item: Doc) -> Texts:
    role = LitigationRole(item["role"])
    amount_zh, amount_en = _amount_texts(item["amount_cny"])
    cause = item["cause"] or "案由未披露"
    return (
        f"新增诉讼（{role.label_zh}）：{cause}，案号{item['case_number']}，涉案{amount_zh}",
        f"new lawsuit as {role.label_en}: {cause}, case {item['case_number']}, {amount_en}",
    )


def _lawsuit_severity(item: Doc) -> Severity:
    if item["role"] != LitigationRole.DEFENDANT:
        return Severity.LOW
    return Severity.HIGH if _is_large(item["amount_cny"]) else Severity.MEDIUM


def _case_texts(zh: str, en: str, amount_field: str | None = None) -> Callable[[Doc], Texts]:
    def texts(item: Doc) -> Texts:
        court = item.get("court") or "法院未披露"
        if amount_field is None:
            return f"{zh}：案号{item['case_number']}，{court}", f"{en}: case {item['case_number']}"
        amount_zh, amount_en = _amount_texts(item.get(amount_field))
        return (
            f"{zh}：案号{item['case_number']}，{court}，标的{amount_zh}",
            f"{en}: case {item['case_number']}, {amount_en}",
        )

    return texts


def _large_bumps(default: Severity, field: str) -> Callable[[Doc], Severity]:
    def severity(item: Doc) -> Severity:
        return _bump(default) if _is_large(item.get(field)) else default

    return severity


def _abnormal_texts(item: Doc) -> Texts:
    return (
        f"{item['listed_on']} 被列入经营异常名录：{item['reason']}",
        f"listed for abnormal operations on {item['listed_on']}: {item['reason']}",
    )


def _penalty_texts(item: Doc) -> Texts:
    amount_zh, amount_en = _amount_texts(item["amount_cny"])
    violation = item["violation"] or "违法行为未披露"
    authority = item["authority"] or "处罚机关未披露"
    return (
        f"行政处罚 {item['decision_number']}（{authority}）：{violation}，罚没{amount_zh}",
        f"administrative penalty {item['decision_number']}: {violation}, fine {amount_en}",
    )


def _serious_texts(item: Doc) -> Texts:
    return (
        f"{item['listed_on']} 被列入严重违法失信名单：{item['reason']}",
        f"listed for serious violations on {item['listed_on']}: {item['reason']}",
    )


def _pledge_texts(item: Doc) -> Texts:
    amount_zh, amount_en = _amount_texts(item["amount_cny"])
    pledgee = item["pledgee"] or "质权人未披露"
    return (
        f"股权出质 {item['registration_number']}：出质人{item['pledgor'] or '未披露'}，"
        f"质权人{pledgee}，数额{amount_zh}",
        f"equity pledge {item['registration_number']} to {pledgee}, {amount_en}",
    )


def _mortgage_texts(item: Doc) -> Texts:
    amount_zh, amount_en = _amount_texts(item["secured_amount_cny"])
    mortgagee = item["mortgagee"] or "抵押权人未披露"
    return (
        f"动产抵押 {item['registration_number']}：抵押权人{mortgagee}，担保债权{amount_zh}",
        f"chattel mortgage {item['registration_number']} to {mortgagee}, secures {amount_en}",
    )


def _arrears_texts(item: Doc) -> Texts:
    amount_zh, amount_en = _amount_texts(item["amount_cny"])
    return (
        f"欠税公告：{item['tax_type']}欠税{amount_zh}（{item['published_on']}）",
        f"tax arrears notice: {item['tax_type']} {amount_en} ({item['published_on']})",
    )


def _tax_violation_texts(item: Doc) -> Texts:
    return (
        f"重大税收违法：{item['nature']}（{item['published_on']}）",
        f"major tax violation: {item['nature']} ({item['published_on']})",
    )


def _abnormal_taxpayer_texts(item: Doc) -> Texts:
    authority = item["authority"] or "税务机关"
    return (
        f"{item['listed_on']} 被{authority}认定为非正常户",
        f"listed as abnormal taxpayer on {item['listed_on']}",
    )


def _news_texts(item: Doc) -> Texts:
    source = item["source"] or "来源未知"
    return (
        f"负面新闻：{item['title']}（{source}，{item['published_on']}）",
        f"negative article: {item['title']} ({source}, {item['published_on']})",
    )


def _is_negative(item: Doc) -> bool:
    return bool(item["sentiment"] == "negative")


def _is_listed(item: Doc) -> bool:
    return item.get("removed_on") is None


def _is_valid_record(item: Doc) -> bool:
    return bool(item["status"] == "valid")


def _sanctions_texts(item: Doc) -> Texts:
    lists = "、".join(item["datasets"]) or "未注明"
    return (
        f"命中制裁/限制名单：{item['matched_name']}（得分 {item['score']:.2f}，名单 {lists}）",
        f"sanctions list hit: {item['matched_name']} (score {item['score']:.2f}, lists {lists})",
    )


_ADDED_RULES: tuple[_AddedRule, ...] = (
    _AddedRule(
        ("judicial", "lawsuits"),
        "lawsuit.added",
        Lawsuit,
        "filed_on",
        _lawsuit_texts,
        _lawsuit_severity,
    ),
    _AddedRule(
        ("judicial", "enforcements"),
        "enforcement.added",
        Enforcement,
        "filed_on",
        _case_texts("新增被执行人", "new enforcement", "amount_cny"),
        _large_bumps(Severity.HIGH, "amount_cny"),
    ),
    _AddedRule(
        ("judicial", "dishonest_debtors"),
        "dishonest.added",
        DishonestDebtor,
        "published_on",
        _case_texts("列入失信被执行人", "listed as dishonest debtor", "amount_cny"),
        applies=_is_listed,
    ),
    _AddedRule(
        ("judicial", "consumption_restrictions"),
        "consumption_restriction.added",
        ConsumptionRestriction,
        "published_on",
        _case_texts("限制高消费令", "consumption restriction order"),
        applies=_is_listed,
    ),
    _AddedRule(
        ("judicial", "terminated_cases"),
        "terminated_case.added",
        TerminatedCase,
        "terminated_on",
        _case_texts("终结本次执行", "enforcement terminated", "unperformed_cny"),
    ),
    _AddedRule(
        ("operations", "abnormal_operations"),
        "abnormal_operation.added",
        AbnormalOperation,
        "listed_on",
        _abnormal_texts,
        applies=_is_listed,
    ),
    _AddedRule(
        ("operations", "penalties"),
        "penalty.added",
        Penalty,
        "decided_on",
        _penalty_texts,
        _large_bumps(Severity.LOW, "amount_cny"),
    ),
    _AddedRule(
        ("operations", "serious_violations"),
        "serious_violation.added",
        SeriousViolation,
        "listed_on",
        _serious_texts,
        applies=_is_listed,
    ),
    _AddedRule(
        ("operations", "equity_pledges"),
        "equity_pledge.added",
        EquityPledge,
        "registered_on",
        _pledge_texts,
        applies=_is_valid_record,
    ),
    _AddedRule(
        ("operations", "chattel_mortgages"),
        "chattel_mortgage.added",
        ChattelMortgage,
        "registered_on",
        _mortgage_texts,
        applies=_is_valid_record,
    ),
    _AddedRule(("tax", "arrears"), "tax_arrears.added", TaxArrears, "published_on", _arrears_texts),
    _AddedRule(
        ("tax", "violations"),
        "tax_violation.added",
        TaxViolation,
        "published_on",
        _tax_violation_texts,
    ),
    _AddedRule(
        ("tax", "abnormal_taxpayer"),
        "abnormal_taxpayer.added",
        AbnormalTaxpayer,
        "listed_on",
        _abnormal_taxpayer_texts,
        applies=_is_listed,
    ),
    _AddedRule(
        ("news",), "news.negative", NewsArticle, "published_on", _news_texts, applies=_is_negative
    ),
    _AddedRule(("sanctions",), "sanctions.hit", SanctionsHit, None, _sanctions_texts),
)


# ---------------------------------------------------------------------------- removals, grades…


def _abnormal_removed_events(uscc: str, old: list[Doc], new: list[Doc]) -> list[ChangeEvent]:
    new_by_id = _by_id(new)
    events = []
    for item in old:
        if item["removed_on"] is not None:
            continue
        current = new_by_id.get(item["id"])
        if current is not None and current["removed_on"] is None:
            continue
        removed_on = current["removed_on"] if current else None
        reason = (current or {}).get("removal_reason") or "未披露"
        events.append(
            make_event(
                "abnormal_operation.removed",
                uscc=uscc,
                fact=[item[name] for name in AbnormalOperation.NATURAL_KEY],
                text_zh=f"移出经营异常名录（原因：{item['reason']}；移出原因：{reason}）",
                text_en=f"removed from abnormal operations (listed for: {item['reason']})",
                before=item,
                after=current,
                item_id=item["id"],
                occurred_on=removed_on,
            )
        )
    return events


def _latest_grade(grades: list[Doc]) -> Doc | None:
    return max(grades, key=lambda grade: grade["year"], default=None)


def _tax_grade_events(uscc: str, old: list[Doc], new: list[Doc]) -> list[ChangeEvent]:
    before, after = _latest_grade(old), _latest_grade(new)
    if after is None or (before is not None and before["grade"] == after["grade"]):
        return []
    if before is None:
        return []
    old_rank, new_rank = (
        TAX_GRADE_RANK[TaxGrade(before["grade"])],
        TAX_GRADE_RANK[TaxGrade(after["grade"])],
    )
    severity = Severity.INFO
    if new_rank > old_rank:
        severity = Severity.HIGH if after["grade"] in {"C", "D"} else Severity.MEDIUM
    return [
        make_event(
            "tax_grade.changed",
            uscc=uscc,
            fact=(before["year"], before["grade"], after["year"], after["grade"]),
            text_zh=f"纳税信用等级由{before['grade']}级（{before['year']}年度）"
            f"变为{after['grade']}级（{after['year']}年度）",
            text_en=f"tax credit grade changed from {before['grade']} ({before['year']}) "
            f"to {after['grade']} ({after['year']})",
            before=before,
            after=after,
            severity=severity,
            item_id=after["id"],
        )
    ]


def _is_loss(report: Doc | None) -> bool:
    return (
        report is not None
        and report["net_profit_cny"] is not None
        and (Decimal(report["net_profit_cny"]) < 0)
    )


def _loss_events(uscc: str, old: _Document, new: _Document) -> list[ChangeEvent]:
    losses = [
        report
        for report in new.value(_FINANCIALS)
        if _is_loss(report) and not old.holds(_FINANCIALS, report)
    ]
    if not losses:
        return []
    old_by_id = _by_id(old.value(_FINANCIALS))
    events = []
    for report in losses:
        if _is_loss(old_by_id.get(report["id"])):
            continue
        loss_zh, loss_en = _amount_texts(report["net_profit_cny"].lstrip("-"))
        revenue = report["revenue_cny"]
        heavy = revenue is not None and Decimal(report["net_profit_cny"]).copy_abs() > (
            Decimal(revenue) * Decimal("0.1")
        )
        events.append(
            make_event(
                "financials.loss",
                uscc=uscc,
                fact=(report["year"],),
                text_zh=f"{report['year']}年度年报净亏损{loss_zh}",
                text_en=f"annual report {report['year']}: net loss of {loss_en}",
                before=old_by_id.get(report["id"]),
                after=report,
                severity=Severity.HIGH if heavy else Severity.MEDIUM,
                item_id=report["id"],
                occurred_on=f"{report['year']}-12-31",
            )
        )
    return events


# ---------------------------------------------------------------------------- licences


@dataclass(frozen=True, slots=True)
class _LicenceWindow:
    previous: date
    current: date
    within_days: int

    @classmethod
    def of(
        cls, as_of: date | None, previous: date | None, within_days: int
    ) -> _LicenceWindow | None:
        if as_of is None:
            return None
        return cls(previous or as_of, as_of, within_days)

    @property
    def moved(self) -> bool:
        return self.previous != self.current


@dataclass(frozen=True, slots=True)
class _LicenceRow:
    id: str
    name: str
    number: str | None
    valid_to: date | None


_OK, _EXPIRING, _EXPIRED = 0, 1, 2


def _licence_row(item: Doc) -> _LicenceRow:
    valid_to = item["valid_to"]
    return _LicenceRow(
        item["id"], item["name"], item["number"], date.fromisoformat(valid_to) if valid_to else None
    )


def _licence_state(row: _LicenceRow, on: date, within_days: int) -> int:
    if row.valid_to is None:
        return _OK
    if row.valid_to < on:
        return _EXPIRED
    return _EXPIRING if row.valid_to <= on + timedelta(days=within_days) else _OK


def _latest_licences(rows: Iterable[_LicenceRow]) -> dict[str, _LicenceRow]:
    """Per licence name, the one that lasts longest (a renewal supersedes the old one)."""
    latest: dict[str, _LicenceRow] = {}
    for row in rows:
        seen = latest.get(row.name)
        if seen is None or _lasts_longer(row, seen):
            latest[row.name] = row
    return latest


def _lasts_longer(row: _LicenceRow, other: _LicenceRow) -> bool:
    if other.valid_to is None:
        return False
    return row.valid_to is None or row.valid_to > other.valid_to


def _licence_events(
    uscc: str, old: list[_LicenceRow], new: list[_LicenceRow], window: _LicenceWindow
) -> list[ChangeEvent]:
    old_latest = _latest_licences(old)
    events = []
    for name, row in sorted(_latest_licences(new).items()):
        now = _licence_state(row, window.current, window.within_days)
        then_row = old_latest.get(name)
        then = _OK
        if then_row is not None and then_row.id == row.id:
            then = _licence_state(then_row, window.previous, window.within_days)
        if now > then:
            events.append(_licence_event(uscc, row, expired=now == _EXPIRED))
    return events


def _licence_event(uscc: str, row: _LicenceRow, *, expired: bool) -> ChangeEvent:
    event_type = "licence.expired" if expired else "licence.expiring"
    valid_to = key_text(row.valid_to)
    number = row.number or "无编号"
    verb_zh, verb_en = ("已于", "expired on") if expired else ("将于", "expires on")
    return make_event(
        event_type,
        uscc=uscc,
        fact=(row.name, row.number, valid_to),
        text_zh=f"{row.name}（{number}）{verb_zh}{valid_to}到期",
        text_en=f"{row.name} ({number}) {verb_en} {valid_to}",
        before=None,
        after={"id": row.id, "name": row.name, "number": row.number, "valid_to": valid_to},
        item_id=row.id,
        occurred_on=valid_to,
    )
