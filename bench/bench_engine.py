"""Benchmark the policy engine (run on purpose: ``.venv/bin/python bench/bench_engine.py``).

A realistic policy (20 rating rules, 15 indicators, credit formulas) on 10k / 100k / 1M
synthetic rows: the vectorised path (Polars), the single-record path in a loop, DuckDB running
the emitted SQL, one-record latency percentiles, and compiling the default policy.
Targets (issue 3, 2-core machine): vectorised 1M ≤ 150 ms and ≥ 15× the single-record loop;
one record p50 ≤ 10 µs, p99 ≤ 50 µs; compile default policy ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from collections.abc import Callable

import duckdb
import numpy as np
import polars as pl

from riskdesk.engine import (
    DEFAULT_POLICY_PATH,
    CompiledPolicy,
    compile_policy,
    default_policy,
    evaluate_one,
    evaluate_table,
    load_policy,
    policy_sql,
)

# (id, condition, grade, list) — thirteen more rules on top of the default policy's seven.
EXTRA_RULES = [
    ("r_tax_d", "tax_credit_grade = 'D' AND tax_arrears_amount > 0", "D", "watchlist"),
    ("r_enforcement", "enforcement_amount > 5000000 OR enforcement_count >= 5", "D", "watchlist"),
    ("r_restricted", "consumption_restriction AND overdue_amount > 0", "D", "blacklist"),
    ("r_lawsuits", "lawsuit_amount_12m > registered_capital * 0.5", "C", "watchlist"),
    ("r_pledges", "equity_pledge_count >= 3 AND net_profit < 0", "C", None),
    ("r_util", "utilisation > 1.2", "C", "watchlist"),
    ("r_news", "negative_news_count_90d >= 10", "C", None),
    ("r_licence", "licence_expired_count > 2", "C", None),
    ("r_loss", "net_profit < -0.2 * annual_revenue", "C", None),
    ("r_young_big", "years_established < 2 AND open_receivables > 1000000", "C", None),
    (
        "r_foreign",
        "enterprise_type = '外资' AND total_assets >= 1000000000 AND score >= 80",
        "A",
        None,
    ),
    (
        "r_loyal",
        "customer_since_years >= 8 AND max_overdue_days_12m = 0 AND score >= 75",
        "A",
        "whitelist",
    ),
    ("r_region", "province IN ('北京市', '上海市', '广东省') AND score >= 90", "A", None),
]
EXTRA_INDICATOR = """
    - key: employees
      label: 从业人数
      value: employees
      weight: 4
      bins: [{below: 10, points: 20}, {below: 100, points: 60},
             {below: 1000, points: 85}, {points: 100}]
      missing_points: 30
"""


def realistic_policy_text() -> str:
    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    rules = "".join(
        f"    - {json.dumps({'id': i, 'when': w, 'grade': g, 'list': k}, ensure_ascii=False)}\n"
        for i, w, g, k in EXTRA_RULES
    )
    text = text.replace("  bands: [", rules.replace(', "list": null', "") + "  bands: [", 1)
    return text.replace("rating:\n", EXTRA_INDICATOR.lstrip("\n") + "rating:\n", 1)


def synthetic(rows: int, seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)

    def nullable(values: np.ndarray, share: float = 0.1) -> pl.Series:
        series = pl.Series(values)
        return series.scatter(np.flatnonzero(rng.random(rows) < share), None)

    def choice(options: list[str], share: float = 0.05) -> pl.Series:
        return nullable(rng.choice(np.array(options, dtype=object), rows), share)

    counts = {
        name: nullable(rng.poisson(lam, rows).astype(np.float64))
        for name, lam in {
            "patent_count": 4,
            "negative_news_count_90d": 1,
            "lawsuit_defendant_count_12m": 1,
            "penalty_count_24m": 0.5,
            "dishonest_debtor_count": 0.02,
            "enforcement_count": 0.3,
            "equity_pledge_count": 0.5,
            "licence_expired_count": 0.3,
            "max_overdue_days_12m": 8,
            "employees": 150,
        }.items()
    }
    money = {
        name: nullable(rng.lognormal(mu, 1.5, rows))
        for name, mu in {
            "total_assets": 18.5,
            "registered_capital": 16,
            "annual_revenue": 18,
            "sales_12m": 14.5,
            "avg_monthly_sales_12m": 12,
            "tax_arrears_amount": 8,
            "enforcement_amount": 10,
            "lawsuit_amount_12m": 11,
            "overdue_amount": 9,
            "open_receivables": 13,
        }.items()
    }
    return pl.DataFrame(
        {
            "id": np.arange(rows),
            "enterprise_type": choice(["央企", "国企", "民企", "外资", "合资", "其他"]),
            "status": choice(["存续", "在业", "吊销", "注销", "停业"], 0.02),
            "tax_credit_grade": choice(["A", "B", "M", "C", "D"]),
            "province": choice(["北京市", "上海市", "广东省", "江苏省", "四川省"]),
            "state_share": nullable(rng.random(rows)),
            "years_established": nullable(rng.exponential(10, rows)),
            "customer_since_years": nullable(rng.exponential(4, rows)),
            "dso_days": nullable(rng.exponential(60, rows)),
            "utilisation": nullable(rng.random(rows) * 1.4),
            "net_profit": nullable(rng.normal(1e6, 5e6, rows)),
            "sanctions_hit": nullable(rng.random(rows) < 0.001),
            "serious_violation_active": nullable(rng.random(rows) < 0.01),
            "abnormal_operation_active": nullable(rng.random(rows) < 0.05),
            "consumption_restriction": nullable(rng.random(rows) < 0.02),
            **counts,
            **money,
        }
    )


def median_ms(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [
        " | ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True))
        for line in [header, *rows]
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def _latencies_us(compiled: CompiledPolicy, records: list[dict[str, object]]) -> list[float]:
    for record in records[:2000]:
        evaluate_one(compiled, record)  # warm up
    latencies = []
    for record in records:
        start = time.perf_counter_ns()
        evaluate_one(compiled, record)
        latencies.append((time.perf_counter_ns() - start) / 1000)
    return sorted(latencies)


def _loop(compiled: CompiledPolicy, records: list[dict[str, object]]) -> None:
    for record in records:  # results are dropped, as a streaming caller would
        evaluate_one(compiled, record)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--loop-rows", type=int, default=100_000, help="rows for the Python loop")
    args = parser.parse_args()
    compiled = compile_policy(load_policy(realistic_policy_text()))
    rating, scorecard = compiled.policy.rating, compiled.policy.scorecard
    assert rating is not None and scorecard is not None
    print(
        f"policy: {len(rating.rules)} rating rules, {len(scorecard.indicators)} indicators, "
        f"{len(compiled.checks)} admission checks, {len(compiled.cases)} credit cases"
    )
    shipped = default_policy()
    compile_ms = median_ms(lambda: compile_policy(shipped), 15)

    sizes = [int(size) for size in args.sizes.split(",")]
    frames = {size: synthetic(size) for size in sizes}
    records = synthetic(args.loop_rows, seed=11).to_dicts()
    latencies = _latencies_us(compiled, records[:50_000])
    p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]
    loop_ms = median_ms(lambda: _loop(compiled, records), 3)
    per_row_us = loop_ms * 1000 / len(records)

    query = policy_sql(compiled, "duckdb", detail=False)
    connection = duckdb.connect()
    rows = []
    for size, frame in frames.items():
        evaluate_table(compiled, frame, detail=False)  # warm up
        repeat = 7 if size <= 100_000 else 5
        core_ms = median_ms(lambda f=frame: evaluate_table(compiled, f, detail=False), repeat)
        detail_ms = median_ms(lambda f=frame: evaluate_table(compiled, f), 3)
        loop_estimate = per_row_us * size / 1000
        connection.register("features", frame.to_arrow())
        duck_ms = median_ms(lambda: connection.execute(query.text, query.params).fetchall(), 3)
        rows.append(
            [
                f"{size:,}",
                f"{core_ms:.1f}",
                f"{detail_ms:.1f}",
                f"{loop_estimate:,.0f}",
                f"{loop_estimate / core_ms:.0f}×",
                f"{duck_ms:.1f}",
            ]
        )
    header = ["rows", "Polars ms", "+detail ms", "loop ms", "speed-up", "DuckDB SQL ms"]
    print()
    print(_table(header, rows))
    print()
    print(
        f"loop = single-record path: {len(records):,} rows took {loop_ms:.0f} ms "
        f"({per_row_us:.2f} µs/row); other sizes are that rate × rows"
    )
    print("+detail = also credit_case, reason_codes and contribution_* columns")
    print(f"one record, whole policy: p50 {p50:.2f} µs, p99 {p99:.2f} µs (target ≤ 10 / ≤ 50)")
    print(f"compile default policy: {compile_ms:.1f} ms median (target ≤ 50)")


if __name__ == "__main__":
    main()
