import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskdesk.intel.choices import SEVERITY_RANK
from riskdesk.monitoring.matching import (
    EXCLUDE,
    INCLUDE,
    CompiledRule,
    CustomerFacts,
    KeywordIndex,
    RuleSet,
    normalise,
)
from riskdesk.monitoring.models import MonitoringRule, compile_customer_filter


def test_nested_keywords_both_count():
    index = KeywordIndex([(1, INCLUDE, "破产"), (2, INCLUDE, "破产重整")])

    assert index.scan("法院裁定该公司进入破产重整程序") == {(1, INCLUDE), (2, INCLUDE)}
    assert index.scan("申请破产清算") == {(1, INCLUDE)}


def test_one_scan_finds_include_and_exclude_hits_of_every_rule():
    index = KeywordIndex(
        [
            (1, INCLUDE, "诉讼"),
            (1, EXCLUDE, "已撤诉"),
            (2, INCLUDE, "lawsuit"),
            (3, INCLUDE, "欠税"),
        ]
    )

    hits = index.scan("New LAWSUIT filed: 买卖合同诉讼（原告已撤诉）")

    assert hits == {(1, INCLUDE), (1, EXCLUDE), (2, INCLUDE)}


@pytest.mark.parametrize(
    "text",
    ["ＡＢＣ公司破产", "abc公司破产", "Abc 公司破产".replace(" ", ""), "ＡＢＣ公司\u3000破产"],
)
def test_full_width_and_case_are_folded(text):
    index = KeywordIndex([(7, INCLUDE, "ABC公司")])

    assert index.scan(text) == {(7, INCLUDE)}


def test_full_width_keyword_matches_half_width_text():
    index = KeywordIndex([(1, INCLUDE, "ｓｔ退市")])

    assert index.scan("公司股票被*ST退市风险警示") == {(1, INCLUDE)}


def test_empty_index_scans_to_nothing():
    assert KeywordIndex([]).scan("破产") == set()


def test_normalise_folds_full_width_digits_and_letters():
    assert normalise("１２３ＡＢＣ") == "123abc"


# --- the rule set: candidates by mask, excludes, filters ------------------------------------


def rule_set(*rules: MonitoringRule) -> RuleSet:
    keywords = [(r.pk, INCLUDE, w) for r in rules for w in r.include_keywords]
    keywords += [(r.pk, EXCLUDE, w) for r in rules for w in r.exclude_keywords]
    return RuleSet((), tuple(CompiledRule.of(r) for r in rules), KeywordIndex(keywords))


def facts(province="浙江省", tags=(), **features) -> CustomerFacts:
    return CustomerFacts(province, frozenset(tags), lambda: features)


def match(rules: RuleSet, text: str, event_type="news.negative", rank=1, customer=None):
    return rules.match(
        event_type=event_type, severity_rank=rank, text=text, customer=customer or facts()
    )


def test_nested_keywords_with_an_exclude_of_the_longer_one():
    rules = rule_set(
        MonitoringRule(pk=1, include_keywords=["破产"], exclude_keywords=["破产重整"]),
        MonitoringRule(pk=2, include_keywords=["破产重整"]),
    )

    assert match(rules, "法院裁定破产清算") == [1]
    assert match(rules, "进入破产重整程序") == [2]  # the exclude wins for rule 1
    assert match(rules, "先破产清算，后转破产重整") == [2]


def test_mixed_chinese_english_and_full_width_text():
    rules = rule_set(
        MonitoringRule(pk=1, include_keywords=["bankruptcy"]),
        MonitoringRule(pk=2, include_keywords=["失信"], exclude_keywords=["(已撤销)"]),
    )

    assert match(rules, "ＡＢＣ Ltd: ＢＡＮＫＲＵＰＴＣＹ 申请") == [1]
    assert match(rules, "列入失信名单（已撤销）") == []  # full-width brackets fold to ( )
    assert match(rules, "Listed 失信 after bankruptcy") == [1, 2]


def test_type_severity_province_tags_and_a_shared_filter():
    condition = "registered_capital < 1000000"
    rules = rule_set(
        MonitoringRule(pk=1, event_types=["lawsuit.added"], min_severity="medium"),
        MonitoringRule(pk=2, provinces=["广东省"]),
        MonitoringRule(pk=3, tags=["重点客户"]),
        MonitoringRule(pk=4, customer_filter=condition),
        MonitoringRule(pk=5, customer_filter=condition, include_keywords=["诉讼"]),
    )
    calls = []
    small = CustomerFacts(
        "广东省", frozenset({"重点客户"}), lambda: calls.append(1) or {"registered_capital": 5e5}
    )

    assert match(rules, "买卖合同诉讼", "lawsuit.added", 2, small) == [1, 2, 3, 4, 5]
    assert calls == [1]  # features loaded once, the shared filter evaluated once
    assert match(rules, "x", "lawsuit.added", 1, facts(registered_capital=5e6)) == []


def test_a_filter_that_fails_is_reported_per_rule_and_the_others_match():
    rules = rule_set(
        MonitoringRule(pk=1, customer_filter="registered_capital < 1"),
        MonitoringRule(pk=2),
    )

    def broken():
        raise RuntimeError("no features")

    errors = []
    found = rules.match(
        event_type="news.negative",
        severity_rank=0,
        text="",
        customer=CustomerFacts("", frozenset(), broken),
        on_error=lambda rule_id, exc: errors.append(rule_id),
    )
    assert found == [2] and errors == [1]


WORDS = ["破产", "破产重整", "重整", "失信", "ab", "Ｂａ", "逾期", "诉讼", "整", "a"]
FILTERS = ["", "registered_capital < 1000000", "registered_capital >= 1000000"]


@st.composite
def rule_documents(draw, rule_id: int) -> MonitoringRule:
    return MonitoringRule(
        pk=rule_id,
        event_types=draw(st.lists(st.sampled_from(["lawsuit.added", "news.negative"]), max_size=2)),
        min_severity=draw(st.sampled_from(["info", "low", "medium", "high"])),
        include_keywords=draw(st.lists(st.sampled_from(WORDS), max_size=3, unique=True)),
        exclude_keywords=draw(st.lists(st.sampled_from(WORDS), max_size=1)),
        provinces=draw(st.sampled_from([[], ["广东省"]])),
        customer_filter=draw(st.sampled_from(FILTERS)),
    )


def naive(rule: MonitoringRule, text, event_type, rank, province, capital) -> bool:
    text = normalise(text)
    return (
        (not rule.event_types or event_type in rule.event_types)
        and rank >= SEVERITY_RANK[rule.min_severity]
        and not any(normalise(w) in text for w in rule.exclude_keywords)
        and (not rule.include_keywords or any(normalise(w) in text for w in rule.include_keywords))
        and (not rule.provinces or province in rule.provinces)
        and (
            not rule.customer_filter
            or compile_customer_filter(rule.customer_filter).evaluate(
                {"registered_capital": capital}
            )
            is True
        )
    )


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    text=st.text(alphabet="破产重整失信逾期诉讼abAＢa 公司", max_size=30),
    event_type=st.sampled_from(["lawsuit.added", "news.negative"]),
    rank=st.integers(0, 4),
    province=st.sampled_from(["广东省", "浙江省"]),
    capital=st.sampled_from([5e5, 5e6]),
)
def test_the_rule_set_agrees_with_a_naive_per_rule_check(
    data, text, event_type, rank, province, capital
):
    rules = [data.draw(rule_documents(rule_id)) for rule_id in range(1, 9)]
    compiled = rule_set(*rules)
    customer = facts(province, registered_capital=capital)
    found = compiled.match(event_type=event_type, severity_rank=rank, text=text, customer=customer)
    batch = compiled.match_many(
        [(event_type, rank, other, customer) for other in ("公司失信", text, "", text[::-1])]
    )
    expected = [r.pk for r in rules if naive(r, text, event_type, rank, province, capital)]
    assert found == expected == batch[1]
    reverse = text[::-1]
    assert batch[3] == [
        r.pk for r in rules if naive(r, reverse, event_type, rank, province, capital)
    ]


def test_batch_scan_finds_the_same_keywords_as_the_automaton():
    index = KeywordIndex(
        [(1, INCLUDE, "破产"), (2, INCLUDE, "破产重整"), (3, INCLUDE, "整"), (4, EXCLUDE, "ＳＴ")]
    )
    texts = ["进入破产重整程序", "", "*st公司", "破产", "重", "整"]

    batch = index.hit_numbers_many(texts)

    assert batch == [index.hit_numbers(text) for text in texts]
    assert [len(hits) for hits in batch] == [3, 0, 1, 1, 0, 1]
