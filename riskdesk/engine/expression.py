"""``compile_expression``: one checked expression, compiled for every evaluation path."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import polars as pl
from sqlglot import exp

from riskdesk.engine import ir
from riskdesk.engine.catalogue import Catalogue, default_catalogue
from riskdesk.engine.errors import ErrorCode, ExpressionError
from riskdesk.engine.parser import parse_expression
from riskdesk.engine.polars_backend import polars_expression
from riskdesk.engine.python_backend import (
    PythonEmitter,
    build_function,
    feature_loader,
    function_header,
)
from riskdesk.engine.sql_backend import Dialect, Parameters, SqlEmitter
from riskdesk.engine.types import ExprType, ValueType, expr_type_of


@dataclass(frozen=True, slots=True)
class SqlFragment:
    """SQL text and the values of its named parameters (empty when literals are inline)."""

    text: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class CompiledExpression:
    text: str
    node: ir.Node
    type: ExprType
    references: tuple[str, ...]
    catalogue: Catalogue = field(repr=False)
    _function: Callable[[Mapping[str, object]], object] = field(repr=False)

    def evaluate(self, features: Mapping[str, object]) -> object:
        """The value for one record; a missing feature is NULL (``None``)."""
        return self._function(features)

    def to_polars(self, column: Callable[[str], pl.Expr] = pl.col) -> pl.Expr:
        return polars_expression(self.node, column)

    def to_sql(self, dialect: str, *, inline_literals: bool = False) -> SqlFragment:
        target = Dialect(dialect)
        parameters = Parameters(target, inline_literals)
        emitter = SqlEmitter(target, lambda name: exp.column(name, quoted=True), parameters)
        text = emitter.emit(self.node).sql(dialect=target.value)
        return SqlFragment(text, parameters.values)


def compile_expression(
    text: str,
    catalogue: Catalogue | None = None,
    *,
    expected_type: ExprType | ValueType | str | None = None,
    available_outputs: frozenset[str] = frozenset(),
) -> CompiledExpression:
    """Parse, check and compile ``text``; raise ``ExpressionError`` when it is not allowed."""
    registry = catalogue if catalogue is not None else default_catalogue()
    parsed = parse_expression(
        text,
        registry,
        expected_type=_expr_type(expected_type),
        available_outputs=available_outputs,
    )
    function = _python_function(parsed.node, registry, parsed.text)
    return CompiledExpression(
        parsed.text, parsed.node, parsed.type, parsed.references, registry, function
    )


def _expr_type(value: ExprType | ValueType | str | None) -> ExprType | None:
    if value is None or isinstance(value, ExprType):
        return value
    return expr_type_of(ValueType(value))


def _python_function(
    node: ir.Node, catalogue: Catalogue, text: str
) -> Callable[[Mapping[str, object]], object]:
    names = sorted(ir.feature_names(node))
    locals_ = {name: f"f{index}" for index, name in enumerate(names)}
    emitter = PythonEmitter(locals_.__getitem__)
    body = emitter.value(node)
    loads = "".join(
        feature_loader(name, locals_[name], catalogue[name].expr_type, emitter) for name in names
    )
    header = function_header("_expression", emitter.constants)
    source = f"{header}    get = features.get\n{loads}    return {body}\n"
    try:
        function: Callable[[Mapping[str, object]], object] = build_function(
            source, "_expression", emitter.constants
        )
    except (SyntaxError, RecursionError, MemoryError):
        raise ExpressionError(
            ErrorCode.TOO_COMPLEX,
            "表达式过于复杂，请拆分为多条规则或派生特征",
            "the expression is too complex; split it into rules or derived features",
            position=0,
            expression=text,
        ) from None
    return function
