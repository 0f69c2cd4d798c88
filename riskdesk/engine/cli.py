"""``riskdesk policy …``: validate, evaluate, explain and emit SQL for a policy file.

``main(argv)`` takes the arguments after the word ``policy`` and returns the exit code:
0 on success, 1 when the policy or the input is invalid, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import polars as pl

from riskdesk.engine.compiler import CompiledPolicy, compile_policy
from riskdesk.engine.decision import evaluate_one
from riskdesk.engine.errors import ExpressionError, FeatureValueError, PolicyValidationError
from riskdesk.engine.explain import explain_text
from riskdesk.engine.policy import load_policy
from riskdesk.engine.policy_sql import policy_sql
from riskdesk.engine.table import evaluate_table
from riskdesk.engine.types import ExprType

TABLE_FORMATS = (".csv", ".parquet", ".arrow", ".ipc", ".feather")
_CSV_TYPES = {
    ExprType.NUMBER: pl.Float64,
    ExprType.TEXT: pl.String,
    ExprType.BOOLEAN: pl.Boolean,
    ExprType.DATE: pl.String,  # parsed by evaluate_table, which accepts YYYY-MM-DD text
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="riskdesk policy", description="策略工具 / policy tools")
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="校验策略 / validate a policy")
    validate.add_argument("policy", type=Path)
    evaluate = commands.add_parser("evaluate", help="批量评估 / evaluate a feature table")
    evaluate.add_argument("policy", type=Path)
    evaluate.add_argument("--input", required=True, type=Path)
    evaluate.add_argument("--output", required=True, type=Path)
    evaluate.add_argument(
        "--detail", action="store_true", help="also credit case, reason codes, contributions"
    )
    explain = commands.add_parser("explain", help="解释单条评估 / explain one evaluation")
    explain.add_argument("policy", type=Path)
    explain.add_argument("--input", required=True, type=Path)
    explain.add_argument("--lang", choices=("zh", "en"), default="zh")
    explain.add_argument("--format", choices=("text", "json"), default="text")
    sql = commands.add_parser("sql", help="导出 SQL / emit the policy as SQL")
    sql.add_argument("policy", type=Path)
    sql.add_argument("--dialect", required=True, choices=("duckdb", "postgres", "sqlite", "spark"))
    sql.add_argument("--table", default="features")
    sql.add_argument("--keep", action="append", help="columns to carry through (default: id)")
    sql.add_argument("--detail", action="store_true")
    sql.add_argument("--bind", action="store_true", help="print JSON with bound parameters")
    return parser


def main(argv: list[str]) -> int:
    try:
        arguments = _parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        return int(_COMMANDS[arguments.command](arguments))
    except PolicyValidationError as error:
        _write_errors(error.errors)
    except ExpressionError as error:
        _write_errors([error])
    except FeatureValueError as error:
        sys.stderr.write(f"{error}\n")
    except (OSError, ValueError, pl.exceptions.PolarsError) as error:
        sys.stderr.write(f"错误 / error: {error}\n")
    return 1


def _write_errors(errors: list[ExpressionError] | tuple[ExpressionError, ...]) -> None:
    sys.stderr.write(f"策略有 {len(errors)} 处错误 / the policy has {len(errors)} error(s):\n")
    for error in errors:
        sys.stderr.write(f"  {error}\n")
        if error.expression and error.position is not None:
            sys.stderr.write(f"    {error.expression}\n    {' ' * error.position}^\n")


def _compiled(path: Path) -> CompiledPolicy:
    return compile_policy(load_policy(path))


def _validate(arguments: argparse.Namespace) -> int:
    compiled = _compiled(arguments.policy)
    counts = (
        len(compiled.checks),
        len(compiled.indicators),
        len(compiled.rules),
        len(compiled.cases),
    )
    sys.stdout.write(
        f"OK: {arguments.policy} — 准入 {counts[0]} 项，指标 {counts[1]} 个，"
        f"评级规则 {counts[2]} 条，"
        f"授信条件 {counts[3]} 条 / {counts[0]} checks, {counts[1]} indicators, "
        f"{counts[2]} rules, {counts[3]} credit cases\n"
    )
    return 0


def _read_table(path: Path, compiled: CompiledPolicy) -> pl.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        # Declared types, not inference: an all-empty column is still a number column.
        declared = {
            name: _CSV_TYPES[compiled.catalogue[name].expr_type] for name in compiled.input_features
        }
        return pl.read_csv(path, schema_overrides=declared, infer_schema_length=10000)
    if suffix == ".parquet":
        return pl.read_parquet(path)
    if suffix in TABLE_FORMATS:
        return pl.read_ipc(path)
    raise ValueError(
        f"不支持的文件格式 / unsupported file type: {path.suffix} ({', '.join(TABLE_FORMATS)})"
    )


def _write_table(frame: pl.DataFrame, path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame.write_csv(path)
    elif suffix == ".parquet":
        frame.write_parquet(path)
    elif suffix in TABLE_FORMATS:
        frame.write_ipc(path)
    else:
        raise ValueError(
            f"不支持的文件格式 / unsupported file type: {path.suffix} ({', '.join(TABLE_FORMATS)})"
        )


def _evaluate(arguments: argparse.Namespace) -> int:
    compiled = _compiled(arguments.policy)
    table = _read_table(arguments.input, compiled)
    result = evaluate_table(compiled, table, detail=arguments.detail)
    _write_table(result, arguments.output)
    sys.stdout.write(f"{result.height} 行 / rows → {arguments.output}\n")
    return 0


def _explain(arguments: argparse.Namespace) -> int:
    compiled = _compiled(arguments.policy)
    features = json.loads(arguments.input.read_text(encoding="utf-8"))
    if not isinstance(features, dict):
        raise ValueError("输入必须是一个 JSON 对象 / the input must be one JSON object")
    decision = evaluate_one(compiled, features)
    if arguments.format == "json":
        sys.stdout.write(json.dumps(decision.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(explain_text(decision, arguments.lang))
    return 0


def _sql(arguments: argparse.Namespace) -> int:
    compiled = _compiled(arguments.policy)
    fragment = policy_sql(
        compiled,
        arguments.dialect,
        table=arguments.table,
        keep=arguments.keep or ["id"],
        inline_literals=not arguments.bind,
        detail=arguments.detail,
    )
    if arguments.bind:
        payload = {"sql": fragment.text, "params": fragment.params}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        sys.stdout.write(fragment.text + ";\n")
    return 0


_COMMANDS = {"validate": _validate, "evaluate": _evaluate, "explain": _explain, "sql": _sql}

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
