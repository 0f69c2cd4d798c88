"""Entry points of the sandbox generator."""

from __future__ import annotations

from datetime import date

from riskdesk.dossier.sandbox.draw import Draw, seed_for
from riskdesk.dossier.sandbox.life import company_life
from riskdesk.dossier.sandbox.render import dossier_at
from riskdesk.dossier.schema import Dossier
from riskdesk.dossier.uscc import generate_uscc, validate_uscc


def sandbox_dossier(uscc: str, as_of: date, *, name: str | None = None) -> Dossier:
    """The sandbox dossier of ``uscc`` as of ``as_of``.

    ``name`` (the name our own records hold for the company) replaces the generated name, so
    a prospect found by :func:`sandbox_candidates` keeps the name it was found under.
    Raises :class:`~riskdesk.dossier.uscc.UsccError` for an invalid code.
    """
    return dossier_at(company_life(validate_uscc(uscc)), as_of, name=name)


def sandbox_usccs(count: int, *, seed: int = 0) -> list[str]:
    """``count`` distinct valid USCCs, the same for the same seed (demo data, benchmarks)."""
    draw = Draw(seed_for("riskdesk-sandbox-usccs", str(seed)))
    codes: dict[str, None] = {}
    while len(codes) < count:
        codes[generate_uscc(draw.rng)] = None
    return list(codes)
