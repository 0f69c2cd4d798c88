"""Sandbox data: deterministic, realistic dossiers keyed by USCC and an as-of date.

``sandbox_dossier(uscc, as_of)`` always gives the same dossier for the same arguments; a later
date gives the earlier dossier plus what happened in between (new lawsuits, a capital
reduction, a new legal representative, a loss year, an expired licence …). Most companies
stay clean, a minority get into trouble and a few go very bad (失信, 吊销, sanctions).
"""

from riskdesk.dossier.sandbox.api import sandbox_dossier, sandbox_usccs
from riskdesk.dossier.sandbox.candidates import Candidate, sandbox_candidates
from riskdesk.dossier.sandbox.life import HORIZON, CompanyLife, Tier, company_life
from riskdesk.dossier.sandbox.render import dossier_at

__all__ = [
    "HORIZON",
    "Candidate",
    "CompanyLife",
    "Tier",
    "company_life",
    "dossier_at",
    "sandbox_candidates",
    "sandbox_dossier",
    "sandbox_usccs",
]
