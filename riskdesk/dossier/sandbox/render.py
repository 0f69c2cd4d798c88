"""The dossier of a sandbox company as of one day."""

from __future__ import annotations

from datetime import date
from typing import Any

from riskdesk.dossier.sandbox.life import CompanyLife, Data
from riskdesk.dossier.schema import Dossier


def dossier_at(life: CompanyLife, as_of: date, *, name: str | None = None) -> Dossier:
    """Everything that has appeared by ``as_of``; ``name`` overrides the registered name."""
    document: dict[str, Any] = {
        "registration": registration_at(life, as_of, name=name),
        "shareholders": _latest(life.shareholders, as_of),
        "personnel": _latest(life.personnel, as_of),
    }
    for path, facts in life.facts.items():
        items = [fact.at(as_of) for fact in facts if fact.appears <= as_of]
        if items:
            _place(document, path, items)
    return Dossier.model_validate(document)


def registration_at(life: CompanyLife, as_of: date, *, name: str | None = None) -> Data:
    registration = dict(life.registration)
    for when, update in life.registration_changes:
        if when > as_of:
            break
        registration.update(update)
    if name:
        registration["name"] = name
    return registration


def _latest(timeline: list[tuple[date, tuple[Data, ...]]], as_of: date) -> tuple[Data, ...]:
    current: tuple[Data, ...] = ()
    for when, value in timeline:
        if when > as_of:
            break
        current = value
    return current


def _place(document: dict[str, Any], path: str, items: list[Data]) -> None:
    section, _, field = path.partition(".")
    if field:
        document.setdefault(section, {})[field] = items
    else:
        document[section] = items
