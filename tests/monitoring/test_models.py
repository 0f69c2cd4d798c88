import pytest
from django.core.exceptions import ValidationError

from riskdesk.monitoring.models import MonitoringRule


def test_clean_normalises_lists_and_filter(db):
    rule = MonitoringRule(
        name="建筑业预警",
        event_types=["lawsuit.added", "lawsuit.added"],
        include_keywords=["  破产 ", "ＡＢＣ", "破产", ""],
        customer_filter="  industry IN ('建筑业','房地产业') AND grade IN ('C','D')  ",
    )

    rule.full_clean()

    assert rule.event_types == ["lawsuit.added"]
    assert rule.include_keywords == ["破产", "abc"]
    assert rule.customer_filter.startswith("industry IN")


def test_invalid_filter_is_refused_with_a_bilingual_message(db):
    rule = MonitoringRule(name="坏规则", customer_filter="revenue_typo > 1")

    with pytest.raises(ValidationError) as caught:
        rule.full_clean()

    message = caught.value.message_dict["customer_filter"][0]
    assert "未知特征" in message and "unknown feature" in message


def test_non_boolean_filter_is_refused(db):
    with pytest.raises(ValidationError) as caught:
        MonitoringRule(name="坏规则", customer_filter="registered_capital + 1").full_clean()

    assert "customer_filter" in caught.value.message_dict


def test_unknown_event_types_and_roles_are_refused(db):
    rule = MonitoringRule(name="坏规则", event_types=["nope.added"], recipient_roles=["boss"])

    with pytest.raises(ValidationError) as caught:
        rule.full_clean()

    assert set(caught.value.message_dict) == {"event_types", "recipient_roles"}
    assert "nope.added" in caught.value.message_dict["event_types"][0]


def test_digest_defaults_to_21_00_shanghai(db):
    rule = MonitoringRule(name="默认")

    assert (rule.delivery_mode, rule.digest_time.isoformat(), rule.digest_timezone) == (
        "daily_digest",
        "21:00:00",
        "Asia/Shanghai",
    )


def test_keywords_must_be_a_list_of_texts(db):
    with pytest.raises(ValidationError) as caught:
        MonitoringRule(name="坏规则", include_keywords="破产").full_clean()

    assert "include_keywords" in caught.value.message_dict
