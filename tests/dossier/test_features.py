from __future__ import annotations

from datetime import date

import pytest

from riskdesk.dossier.features import FEATURE_NAMES, dossier_features, portfolio_dossier_features
from riskdesk.dossier.sandbox import sandbox_dossier, sandbox_usccs
from riskdesk.dossier.schema import Dossier

DESIGN_NAMES = [
    "enterprise_type",
    "state_share",
    "registered_capital",
    "paid_in_capital",
    "years_established",
    "industry",
    "province",
    "status",
    "patent_count",
    "trademark_count",
    "total_assets",
    "annual_revenue",
    "net_profit",
    "employees",
    "tax_credit_grade",
    "tax_arrears_amount",
    "dishonest_debtor_count",
    "enforcement_count",
    "enforcement_amount",
    "consumption_restriction",
    "lawsuit_defendant_count_12m",
    "lawsuit_amount_12m",
    "abnormal_operation_active",
    "penalty_count_24m",
    "serious_violation_active",
    "equity_pledge_count",
    "negative_news_count_90d",
    "sanctions_hit",
    "licence_expired_count",
]


def test_feature_names_are_exactly_the_design_catalogue(dossiers: list[Dossier]) -> None:
    assert list(FEATURE_NAMES) == DESIGN_NAMES
    assert list(dossier_features(dossiers[0], date(2026, 11, 28))) == DESIGN_NAMES


def test_types_per_kind(dossiers: list[Dossier]) -> None:
    for dossier in dossiers[:50]:
        features = dossier_features(dossier, date(2026, 11, 28))
        assert isinstance(features["dishonest_debtor_count"], int)
        assert isinstance(features["sanctions_hit"], bool)
        assert isinstance(features["enforcement_amount"], float)
        assert features["tax_credit_grade"] in {None, "A", "B", "M", "C", "D"}


def test_windows_and_missing_values() -> None:
    dossier = Dossier.model_validate(
        {
            "registration": {"name": "测试有限公司", "uscc": "913172971417776307"},
            "judicial": {
                "lawsuits": [
                    {
                        "case_number": "a",
                        "role": "defendant",
                        "amount_cny": 100,
                        "filed_on": "2026-01-01",
                    },
                    {
                        "case_number": "b",
                        "role": "defendant",
                        "amount_cny": 50,
                        "filed_on": "2025-01-01",
                    },
                    {
                        "case_number": "c",
                        "role": "plaintiff",
                        "amount_cny": 70,
                        "filed_on": "2026-02-01",
                    },
                ],
                "dishonest_debtors": [
                    {"case_number": "d", "published_on": "2025-05-01", "removed_on": "2026-03-01"}
                ],
            },
            "licences": [
                {"name": "许可证", "number": "1", "valid_to": "2025-12-31"},
                {"name": "许可证", "number": "2", "valid_to": "2026-03-31"},
                {"name": "长期证", "number": "3"},
            ],
        }
    )
    features = dossier_features(dossier, date(2026, 6, 1))
    assert features["lawsuit_defendant_count_12m"] == 1 and features["lawsuit_amount_12m"] == 100.0
    assert features["dishonest_debtor_count"] == 0
    assert dossier_features(dossier, date(2026, 2, 1))["dishonest_debtor_count"] == 1
    assert features["licence_expired_count"] == 1
    assert features["total_assets"] is None and features["state_share"] is None
    assert features["years_established"] is None and features["tax_arrears_amount"] == 0.0


@pytest.mark.parametrize("as_of", [date(2026, 11, 28), date(2024, 3, 1)])
def test_portfolio_table_equals_single_records_including_nulls(as_of: date) -> None:
    dossiers = [sandbox_dossier(code, as_of) for code in sandbox_usccs(2500, seed=21)]
    table = portfolio_dossier_features(dossiers, as_of)
    assert table.columns == ["uscc", *FEATURE_NAMES]
    nulls = 0
    for dossier, row in zip(dossiers, table.iter_rows(named=True), strict=True):
        assert row.pop("uscc") == dossier.uscc
        expected = dossier_features(dossier, as_of)
        assert row == expected
        assert [type(value) for value in row.values()] == [
            type(value) for value in expected.values()
        ]
        nulls += sum(value is None for value in row.values())
    assert nulls > 0


def test_empty_portfolio_gives_an_empty_table() -> None:
    table = portfolio_dossier_features([], date(2026, 1, 1))
    assert table.height == 0 and table.columns == ["uscc", *FEATURE_NAMES]


def test_industry_is_the_section_name_policies_compare():
    from riskdesk.dossier.features import industry_section
    from riskdesk.engine.catalogue import INDUSTRY_SECTIONS

    assert industry_section("E48") == "建筑业"
    assert industry_section("k70") == "房地产业"
    assert industry_section("C39") == "制造业"
    assert industry_section(None) is None
    assert industry_section("Z99") is None
    assert industry_section("T") == INDUSTRY_SECTIONS[-1]
