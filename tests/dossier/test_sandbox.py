from __future__ import annotations

from collections import Counter
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskdesk.dossier.sandbox import (
    company_life,
    sandbox_candidates,
    sandbox_dossier,
    sandbox_usccs,
)
from riskdesk.dossier.sandbox.life import Tier
from riskdesk.dossier.schema import Dossier, canonical_json
from riskdesk.dossier.uscc import is_valid_uscc

from .conftest import AS_OF


def test_same_uscc_and_date_give_the_same_bytes() -> None:
    code = sandbox_usccs(1, seed=3)[0]
    first = canonical_json(sandbox_dossier(code, AS_OF))
    company_life.cache_clear()
    assert canonical_json(sandbox_dossier(code, AS_OF)) == first


def test_shareholdings_add_up_and_kinds_are_varied(dossiers: list[Dossier]) -> None:
    kinds = Counter()
    for dossier in dossiers:
        ratios = [holder.ratio for holder in dossier.shareholders if holder.ratio is not None]
        if ratios:
            assert abs(sum(ratios) - 1) < 1e-9
        kinds.update(holder.kind.value for holder in dossier.shareholders)
    assert set(kinds) == {"state", "private", "foreign", "natural_person"}


def test_distribution_looks_like_a_b2b_customer_base(dossiers: list[Dossier]) -> None:
    tiers = Counter(company_life(dossier.uscc).tier for dossier in dossiers)
    assert tiers[Tier.CLEAN] > len(dossiers) * 0.6
    assert 0 < tiers[Tier.SEVERE] + tiers[Tier.BAD] < len(dossiers) * 0.15
    types = Counter(dossier.registration.enterprise_type for dossier in dossiers)
    assert types.most_common(1)[0][0].value == "民企"
    assert all(
        dossier.registration.industry_code and dossier.registration.province for dossier in dossiers
    )
    assert sum(bool(dossier.financials) for dossier in dossiers) > len(dossiers) * 0.9


def test_province_follows_the_uscc_region(dossiers: list[Dossier]) -> None:
    assert dossiers[0].uscc[2:4] == "31" or dossiers[0].registration.province
    shanghai = [dossier for dossier in dossiers if dossier.uscc[2:4] == "31"]
    assert shanghai and all(dossier.registration.province == "上海市" for dossier in shanghai)


def test_facts_never_postdate_the_as_of_date(dossiers: list[Dossier]) -> None:
    for dossier in dossiers[:100]:
        dates = [suit.filed_on for suit in dossier.judicial.lawsuits if suit.filed_on]
        dates += [article.published_on for article in dossier.news]
        dates += [item.published_on for item in dossier.judicial.dishonest_debtors]
        assert all(day <= AS_OF for day in dates)
        assert all(report.year < AS_OF.year for report in dossier.financials)


def test_a_later_date_keeps_what_was_already_known(dossiers: list[Dossier]) -> None:
    for before in dossiers[:80]:
        after = sandbox_dossier(before.uscc, date(2028, 1, 1))
        assert {suit.id for suit in before.judicial.lawsuits} <= {
            suit.id for suit in after.judicial.lawsuits
        }
        assert {report.id for report in before.financials} <= {
            report.id for report in after.financials
        }


def test_name_override_keeps_everything_else() -> None:
    code = sandbox_usccs(1, seed=5)[0]
    plain, named = (
        sandbox_dossier(code, AS_OF),
        sandbox_dossier(code, AS_OF, name="客户自己的名称有限公司"),
    )
    assert named.registration.name == "客户自己的名称有限公司"
    assert named.judicial == plain.judicial


def test_candidates_for_a_name_and_for_a_uscc() -> None:
    found = sandbox_candidates("华信", as_of=AS_OF)
    assert len(found) == 5 and all("华信" in candidate.name for candidate in found)
    assert all(is_valid_uscc(candidate.uscc) and candidate.province for candidate in found)
    assert sandbox_candidates("华信", as_of=AS_OF) == found
    exact = sandbox_candidates(found[0].uscc, as_of=AS_OF)
    assert [candidate.uscc for candidate in exact] == [found[0].uscc]
    assert sandbox_candidates("上海华信电子有限公司", as_of=AS_OF)[0].name == "上海华信电子有限公司"
    assert sandbox_candidates("  ", as_of=AS_OF) == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    day=st.dates(min_value=date(1995, 1, 1), max_value=date(2035, 12, 31)),
)
def test_sandbox_output_always_validates(seed: int, day: date) -> None:
    code = sandbox_usccs(1, seed=seed)[0]
    dossier = sandbox_dossier(code, day)
    assert Dossier.model_validate_json(canonical_json(dossier)) == dossier
