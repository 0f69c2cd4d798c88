"""Simulation before publishing: a draft and the published policy over the whole portfolio.

Both policies are evaluated vectorised on the same feature table, so every difference comes
from the policies alone. Nothing is stored; the result is shown and can be exported to Excel.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import polars as pl
from openpyxl import Workbook

from riskdesk.accounts import permissions
from riskdesk.assessments.services import portfolio_feature_table
from riskdesk.customers.exports import safe_cell
from riskdesk.customers.models import Customer
from riskdesk.customers.services import business_today
from riskdesk.engine import evaluate_table
from riskdesk.policies import services as policies
from riskdesk.policies.models import PolicyVersion

CHUNK = 20_000
COMPARED = ("admission", "grade", "list", "limit")


@dataclass(frozen=True)
class Simulation:
    candidate: PolicyVersion
    baseline: PolicyVersion | None
    as_of: dt.date
    customers: int
    grade_codes: list[str]
    migration: dict[tuple[str, str], int]  # (before grade, after grade) → customers
    admission: dict[tuple[str, str], int]
    limits_by_grade: list[dict]  # grade, customers, limit before/after, delta
    total_limit_before: float
    total_limit_after: float
    affected: pl.DataFrame  # one row per customer whose outputs change

    @property
    def affected_count(self) -> int:
        return self.affected.height


def _outputs(version: PolicyVersion | None, features: pl.DataFrame, suffix: str) -> pl.DataFrame:
    if version is None:
        columns = {name: pl.lit(None, dtype=pl.String) for name in ("admission", "grade", "list")}
        return features.select(
            "customer_id",
            *(v.alias(f"{k}{suffix}") for k, v in columns.items()),
            pl.lit(None, dtype=pl.Float64).alias(f"limit{suffix}"),
            pl.lit(None, dtype=pl.Float64).alias(f"score{suffix}"),
        )
    table = evaluate_table(
        policies.compiled_policy(version), features, keep=("customer_id",), detail=False
    )
    return table.select(
        "customer_id",
        *(pl.col(name).cast(pl.String).alias(f"{name}{suffix}") for name in COMPARED[:3]),
        pl.col("limit").cast(pl.Float64).alias(f"limit{suffix}"),
        pl.col("score").cast(pl.Float64).alias(f"score{suffix}"),
    )


def _compare_on(
    candidate: PolicyVersion, baseline: PolicyVersion | None, features: pl.DataFrame
) -> pl.DataFrame:
    before = _outputs(baseline, features, "_before")
    after = _outputs(candidate, features, "_after")
    return pl.concat([before, after.drop("customer_id")], how="horizontal")


def _compare(
    candidate: PolicyVersion,
    baseline: PolicyVersion | None,
    as_of: dt.date,
    ids: list[int] | None,
) -> pl.DataFrame:
    """Both versions on one feature table: the whole portfolio read at once, or the chosen
    customers in chunks (their ids go into the queries)."""
    if ids is None:
        features = portfolio_feature_table(as_of=as_of)
        return _compare_on(candidate, baseline, features) if features.height else pl.DataFrame()
    parts = [
        _compare_on(
            candidate,
            baseline,
            portfolio_feature_table(as_of=as_of, customer_ids=ids[start : start + CHUNK]),
        )
        for start in range(0, len(ids), CHUNK)
    ]
    return pl.concat(parts) if parts else pl.DataFrame()


def _crosstab(frame: pl.DataFrame, column: str) -> dict[tuple[str, str], int]:
    if frame.is_empty():
        return {}
    counts = frame.group_by(f"{column}_before", f"{column}_after").len()
    return {(before or "—", after or "—"): n for before, after, n in counts.iter_rows()}


def _limits_by_grade(frame: pl.DataFrame, grades: list[str]) -> list[dict]:
    rows = []
    for grade in grades:
        part = frame.filter(pl.col("grade_after") == grade)
        before = float(part["limit_before"].fill_null(0).sum()) if part.height else 0.0
        after = float(part["limit_after"].fill_null(0).sum()) if part.height else 0.0
        rows.append(
            {
                "grade": grade,
                "customers": part.height,
                "before": before,
                "after": after,
                "delta": after - before,
            }
        )
    return rows


def _changed(frame: pl.DataFrame) -> pl.Expr:
    return pl.any_horizontal(
        *(pl.col(f"{name}_before").ne_missing(pl.col(f"{name}_after")) for name in COMPARED)
    )


def simulate_policy(
    *,
    candidate: PolicyVersion,
    actor,
    as_of: dt.date | None = None,
    customer_ids: list[int] | None = None,
) -> Simulation:
    """Evaluate ``candidate`` and the published version on every customer (or the given ones)
    and compare."""
    permissions.require(actor, "publish_policy")
    baseline = policies.published_version()
    as_of = as_of or business_today()
    ids = None
    if customer_ids is not None:
        # Filtered here, not with an IN list, which SQLite caps at 32,766 parameters.
        wanted = set(customer_ids)
        ids = [
            pk
            for pk in Customer.objects.order_by("pk").values_list("pk", flat=True)
            if pk in wanted
        ]
    frame = _compare(candidate, baseline, as_of, ids)
    grades = [grade.code for grade in policies.compiled_policy(candidate).policy.grades]
    affected = frame.filter(_changed(frame)) if not frame.is_empty() else frame
    return Simulation(
        candidate=candidate,
        baseline=baseline,
        as_of=as_of,
        customers=frame.height,
        grade_codes=grades,
        migration=_crosstab(frame, "grade"),
        admission=_crosstab(frame, "admission"),
        limits_by_grade=_limits_by_grade(frame, grades) if not frame.is_empty() else [],
        total_limit_before=float(frame["limit_before"].fill_null(0).sum()) if frame.height else 0,
        total_limit_after=float(frame["limit_after"].fill_null(0).sum()) if frame.height else 0,
        affected=_with_names(affected),
    )


def _with_names(affected: pl.DataFrame) -> pl.DataFrame:
    if affected.is_empty():
        return affected
    # Every name in one query and a join: an IN list of the affected could pass SQLite's cap.
    names = pl.DataFrame(
        list(Customer.objects.values_list("pk", "name")),
        schema={"customer_id": pl.Int64, "name": pl.String},
        orient="row",
    )
    delta = (pl.col("limit_after").fill_null(0) - pl.col("limit_before").fill_null(0)).alias(
        "limit_delta"
    )
    return (
        affected.join(names, on="customer_id", how="left")
        .with_columns(delta)
        .sort(pl.col("limit_delta").abs(), descending=True)
    )


EXPORT_COLUMNS = [
    ("name", "客户名称"),
    ("grade_before", "原等级"),
    ("grade_after", "新等级"),
    ("admission_before", "原准入结果"),
    ("admission_after", "新准入结果"),
    ("list_before", "原名单"),
    ("list_after", "新名单"),
    ("score_before", "原评分"),
    ("score_after", "新评分"),
    ("limit_before", "原建议额度"),
    ("limit_after", "新建议额度"),
    ("limit_delta", "额度变化"),
]


def simulation_workbook(simulation: Simulation) -> bytes:
    """The affected customers and the grade migration matrix as an Excel workbook."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("受影响客户")
    sheet.append([title for _, title in EXPORT_COLUMNS])
    for row in simulation.affected.iter_rows(named=True):
        sheet.append([safe_cell(row.get(key)) for key, _ in EXPORT_COLUMNS])
    matrix = workbook.create_sheet("等级迁移")
    grades = [*simulation.grade_codes, "—"]
    matrix.append(["原等级 \\ 新等级", *grades])
    for before in grades:
        matrix.append([before, *(simulation.migration.get((before, after), 0) for after in grades)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
