"""Prospect search in the sandbox: a name or USCC gives a few plausible candidates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from riskdesk.dossier.sandbox import pools as P
from riskdesk.dossier.sandbox.draw import Draw, seed_for
from riskdesk.dossier.sandbox.life import company_life
from riskdesk.dossier.sandbox.render import registration_at
from riskdesk.dossier.uscc import generate_uscc, is_valid_uscc, normalize_uscc

_LEGAL_SUFFIX = re.compile(r"(集团)?(股份有限公司|有限责任公司|有限公司|公司)$")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One search result: enough to pick the right company before fetching its dossier."""

    name: str
    uscc: str
    status: str | None
    province: str | None


def sandbox_candidates(query: str, *, as_of: date, limit: int = 5) -> list[Candidate]:
    """Candidates for a name fragment or a USCC; the same query always gives the same list.

    Pass each candidate's ``name`` to the sandbox provider (``FetchRequest.name``) so its
    dossier shows the name it was found under.
    """
    text = query.strip()
    if not text:
        return []
    if is_valid_uscc(text):
        uscc = normalize_uscc(text)
        registration = registration_at(company_life(uscc), as_of)
        return [
            Candidate(registration["name"], uscc, registration["status"], registration["province"])
        ]
    return _name_candidates(text, as_of, limit)


def _name_candidates(text: str, as_of: date, limit: int) -> list[Candidate]:
    draw = Draw(seed_for("riskdesk-sandbox-candidates", text))
    core = _LEGAL_SUFFIX.sub("", text) or text
    names = [text] if _LEGAL_SUFFIX.search(text) else []
    candidates: list[Candidate] = []
    while len(candidates) < limit:
        uscc = generate_uscc(draw.rng)
        registration = registration_at(company_life(uscc), as_of)
        province = P.PROVINCES.get(uscc[2:4])
        city = draw.pick(province.cities) if province else ""
        name = names.pop() if names else _variant(draw, core, city)
        if any(candidate.name == name for candidate in candidates):
            continue
        candidates.append(Candidate(name, uscc, registration["status"], registration["province"]))
    return candidates


def _variant(draw: Draw, core: str, city: str) -> str:
    word = draw.pick(draw.pick(P.INDUSTRIES).words)
    return draw.pick(
        (
            f"{city}{core}{word}有限公司",
            f"{core}{word}（{city}）有限公司",
            f"{city}{core}集团有限公司",
            f"{city}{core}{word}股份有限公司",
            f"{city}市{core}{word}有限责任公司",
        )
    )
