"""``riskdesk policy …`` on the default (Chinese) and the English example policy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from riskdesk.engine import DEFAULT_POLICY_PATH, POLICIES_DIR, compile_policy, load_policy
from riskdesk.engine.cli import main

EXAMPLE_PATH = POLICIES_DIR / "example_en.yaml"
POLICIES = [DEFAULT_POLICY_PATH, EXAMPLE_PATH]
ROWS = [
    {
        "id": 1,
        "enterprise_type": "央企",
        "state_share": 0.9,
        "annual_revenue": 3e8,
        "status": "存续",
        "tax_credit_grade": "A",
        "established_date": "2001-05-01",
        "as_of_date": "2025-06-30",
    },
    {"id": 2, "enterprise_type": "民企", "status": "吊销", "sanctions_hit": True},
    {
        "id": 3,
        "patent_count": 4,
        "avg_monthly_sales_12m": 2e5,
        "registered_capital": 1e7,
        "max_overdue_days_12m": 12,
        "pd": 0.04,
        "customer_since_years": 6,
        "status": "在业",
    },
    {"id": 4},
]


def _features_csv(tmp_path: Path, policy: Path) -> Path:
    compiled = compile_policy(load_policy(policy))
    frame = pl.DataFrame(ROWS, infer_schema_length=None)
    missing = [
        pl.lit(None).alias(name) for name in compiled.input_features if name not in frame.columns
    ]
    path = tmp_path / "features.csv"
    frame.with_columns(missing).write_csv(path)
    return path


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_validate_ok(policy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(policy)]) == 0
    assert "OK" in capsys.readouterr().out


def test_validate_reports_errors_with_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    broken.write_text(text.replace("state_share > 0.8", "state_share > '央企'"), encoding="utf-8")
    assert main(["validate", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "rating.rules[5].when" in err and "type mismatch" in err and "^" in err


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_evaluate_writes_one_row_per_input(policy: Path, suffix: str, tmp_path: Path) -> None:
    source = _features_csv(tmp_path, policy)
    if suffix == ".parquet":
        pl.read_csv(source).write_parquet(source.with_suffix(".parquet"))
        source = source.with_suffix(".parquet")
    output = tmp_path / f"out{suffix}"
    assert main(["evaluate", str(policy), "--input", str(source), "--output", str(output)]) == 0
    result = pl.read_csv(output) if suffix == ".csv" else pl.read_parquet(output)
    expected = [
        "id",
        "admission",
        "admission_reasons",
        "grade",
        "list",
        "rating_rule",
        "score",
        "limit",
    ]
    assert result.columns[: len(expected)] == expected
    assert all(name.startswith("points_") for name in result.columns[len(expected) :])
    assert result["id"].to_list() == [1, 2, 3, 4]
    assert result["admission"][1] == "reject"


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_emitted_sql_on_duckdb_matches_evaluate(
    policy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _features_csv(tmp_path, policy)
    output = tmp_path / "out.csv"
    assert main(["evaluate", str(policy), "--input", str(source), "--output", str(output)]) == 0
    capsys.readouterr()
    assert main(["sql", str(policy), "--dialect", "duckdb"]) == 0
    sql = capsys.readouterr().out
    connection = duckdb.connect()
    connection.execute(f"CREATE TABLE features AS SELECT * FROM read_csv_auto('{source}')")
    cursor = connection.execute(sql.rstrip().rstrip(";") + " ORDER BY id")
    names = [column[0] for column in cursor.description]
    from_sql = pl.DataFrame(cursor.fetchall(), schema=names, orient="row")
    expected = pl.read_csv(output)
    assert from_sql.columns == expected.columns
    assert from_sql.fill_null("").cast(pl.String).equals(expected.fill_null("").cast(pl.String))


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "sqlite", "spark"])
def test_sql_for_every_dialect(dialect: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", str(DEFAULT_POLICY_PATH), "--dialect", dialect, "--bind"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["sql"].startswith("WITH")
    assert "央企" not in payload["sql"] or dialect == "spark"


@pytest.mark.parametrize(("lang", "word"), [("zh", "准入"), ("en", "Admission")])
def test_explain_text(
    lang: str, word: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = tmp_path / "one.json"
    record.write_text(json.dumps(ROWS[0], ensure_ascii=False), encoding="utf-8")
    assert main(["explain", str(DEFAULT_POLICY_PATH), "--input", str(record), "--lang", lang]) == 0
    out = capsys.readouterr().out
    assert word in out and "central_soe" in out


def test_explain_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = tmp_path / "one.json"
    record.write_text(json.dumps(ROWS[0], ensure_ascii=False), encoding="utf-8")
    assert main(["explain", str(EXAMPLE_PATH), "--input", str(record), "--format", "json"]) == 0
    decision = json.loads(capsys.readouterr().out)
    assert decision["currency"] == "USD" and decision["trace"]


def test_usage_errors_and_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frobnicate"]) == 2
    assert main(["validate", str(tmp_path / "missing.yaml")]) == 1
    bad = tmp_path / "bad.json"
    bad.write_text('{"state_share": "high"}', encoding="utf-8")
    assert main(["explain", str(DEFAULT_POLICY_PATH), "--input", str(bad)]) == 1
    assert "state_share" in capsys.readouterr().err


def test_module_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "riskdesk.engine.cli", "validate", str(EXAMPLE_PATH)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
