import pytest

from riskdesk.monitoring.matching import EXCLUDE, INCLUDE, KeywordIndex, normalise


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
