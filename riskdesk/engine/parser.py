"""Parse an expression with sqlglot, check it against the allowlist and the catalogue, type it.

The result is an ``ir.Node`` tree. Every check happens here, before anything runs: a text that
gets past this module can only contain catalogue features, literals and the closed set of
operators and functions documented in ``docs/policy-language.md``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import cast

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokenizer_core import Token, TokenType
from sqlglot.tokens import Tokenizer

from riskdesk.engine import ir
from riskdesk.engine.catalogue import Catalogue, FeatureKind
from riskdesk.engine.errors import ErrorCode, ExpressionError
from riskdesk.engine.types import TYPE_LABELS_ZH, ExprType

MAX_TEXT_LENGTH = 4000
# Left-deep nesting the backends must handle; also keeps generated Python within the
# interpreter's parenthesis-nesting limit.
MAX_DEPTH = 48
MAX_ROUND_DIGITS = 15
ALLOWED_FUNCTIONS = ("COALESCE", "LEAST", "GREATEST", "ABS", "ROUND", "DAYS_BETWEEN")
ORDERED_TYPES = (ExprType.NUMBER, ExprType.DATE)


@dataclass(frozen=True, slots=True)
class ParsedExpression:
    text: str
    node: ir.Node
    type: ExprType
    references: tuple[str, ...]


def parse_expression(
    text: object,
    catalogue: Catalogue,
    *,
    expected_type: ExprType | None = None,
    available_outputs: frozenset[str] = frozenset(),
) -> ParsedExpression:
    """Parse and check ``text``; raise ``ExpressionError`` for anything not allowed."""
    source = _checked_source(text)
    tokens = _tokens(source)  # first: comments and statement separators never reach the parser
    tree = _sqlglot_tree(source)
    checker = _Checker(source, catalogue, available_outputs, tokens)
    try:
        node = checker.convert(tree)
    except RecursionError:
        raise _too_complex(source) from None
    if _left_deep_depth(node) > MAX_DEPTH:
        raise _too_complex(source)
    if expected_type is not None and node.type not in (expected_type, ExprType.NULL):
        raise checker.type_error_for(tree, expected_type, node.type)
    if expected_type is not None:
        node = _retyped(node, expected_type)
    return ParsedExpression(source, node, node.type, tuple(dict.fromkeys(checker.references)))


def _checked_source(text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError(
            ErrorCode.SYNTAX, "表达式为空", "the expression is empty", expression=str(text or "")
        )
    if len(text) > MAX_TEXT_LENGTH:
        raise ExpressionError(
            ErrorCode.TOO_COMPLEX,
            f"表达式过长（超过 {MAX_TEXT_LENGTH} 个字符）",
            f"the expression is longer than {MAX_TEXT_LENGTH} characters",
            expression=text,
        )
    return text


def _tokens(source: str) -> list[Token]:
    try:
        tokens = Tokenizer().tokenize(source)
    except TokenError:
        raise _tokenize_error(source) from None
    except Exception:  # sqlglot may fail in other ways on hostile text; all of it is syntax
        raise _syntax_error(source, 0, None) from None
    for token in tokens:
        if token.comments:
            raise ExpressionError(
                ErrorCode.FORBIDDEN_SYNTAX,
                "表达式中不允许注释（-- 或 /* */）",
                "comments (-- or /* */) are not allowed in an expression",
                position=_comment_position(source, token),
                text=token.comments[0].strip() or "--",
                expression=source,
            )
        if token.token_type in (TokenType.SEMICOLON, TokenType.PLACEHOLDER, TokenType.PARAMETER):
            raise ExpressionError(
                ErrorCode.FORBIDDEN_SYNTAX,
                f"表达式中不允许使用 {token.text!r}",
                f"{token.text!r} is not allowed in an expression",
                position=token.start,
                text=token.text,
                expression=source,
            )
    return tokens


def _comment_position(source: str, token: Token) -> int:
    positions = [p for p in (source.find("--"), source.find("/*")) if p >= 0]
    return min(positions) if positions else token.start


def _tokenize_error(source: str) -> ExpressionError:
    quote = _unterminated_quote(source)
    if quote is not None:
        return ExpressionError(
            ErrorCode.SYNTAX,
            "字符串或名称缺少结束引号",
            "a string or name is missing its closing quote",
            position=quote,
            text=source[quote],
            expression=source,
        )
    return _syntax_error(source, 0, None)


def _unterminated_quote(source: str) -> int | None:
    opened: int | None = None
    quote_char = ""
    for index, char in enumerate(source):
        if opened is None and char in "'\"":
            opened, quote_char = index, char
        elif opened is not None and char == quote_char:
            opened = None
    return opened


def _sqlglot_tree(source: str) -> exp.Expr:
    try:
        trees = sqlglot.parse(source)
    except ParseError as error:
        detail = error.errors[0] if error.errors else {}
        position = _offset(source, detail.get("line"), detail.get("col"))
        return_token = detail.get("highlight") or None
        raise _syntax_error(source, position, return_token) from None
    except RecursionError:
        raise _too_complex(source) from None
    except Exception:  # sqlglot may fail in other ways on hostile text; all of it is syntax
        raise _syntax_error(source, 0, None) from None
    if len(trees) != 1 or trees[0] is None:
        raise _syntax_error(source, 0, None)
    return trees[0]


def _offset(source: str, line: object, column: object) -> int:
    if not isinstance(line, int) or not isinstance(column, int):
        return 0
    lines = source.split("\n")
    offset = sum(len(text) + 1 for text in lines[: max(line - 1, 0)])
    return max(0, min(offset + column - 1, len(source) - 1))


def _syntax_error(source: str, position: int, token: str | None) -> ExpressionError:
    near = f"：{token!r} 附近" if token else ""
    near_en = f" near {token!r}" if token else ""
    return ExpressionError(
        ErrorCode.SYNTAX,
        f"语法错误{near}",
        f"syntax error{near_en}",
        position=position,
        text=token,
        expression=source,
    )


def _too_complex(source: str) -> ExpressionError:
    return ExpressionError(
        ErrorCode.TOO_COMPLEX,
        "表达式嵌套过深，请拆分为多条规则或派生特征",
        "the expression is nested too deeply; split it into rules or derived features",
        position=0,
        expression=source,
    )


def _left_deep_depth(node: ir.Node) -> int:
    """Depth as a left-deep SQL tree would have it: chains count one level per operand."""
    extra = 0
    if isinstance(node, ir.Arithmetic):
        extra = len(node.rest) - 1
    elif isinstance(node, ir.Logical):
        extra = len(node.operands) - 2
    elif isinstance(node, ir.Case):
        extra = len(node.branches) - 1
    deepest = max((_left_deep_depth(child) for child in ir.children(node)), default=0)
    return 1 + extra + deepest


def _retyped(node: ir.Node, target: ExprType) -> ir.Node:
    """A NULL-typed expression takes the type of the values around it.

    Backends then never meet an untyped NULL where a typed value is expected (PostgreSQL
    cannot add a number to an untyped ``COALESCE(NULL, NULL)``).
    """
    if node.type is not ExprType.NULL or target is ExprType.NULL:
        return node
    match node:
        case ir.Literal():
            return ir.Literal(None, target)
        case ir.Case(branches, default):
            typed = tuple((condition, _retyped(value, target)) for condition, value in branches)
            return ir.Case(typed, _retyped(default, target), target)
        case ir.Coalesce(args):
            return ir.Coalesce(tuple(_retyped(arg, target) for arg in args), target)
        case ir.LeastGreatest(function, args):
            return ir.LeastGreatest(function, tuple(_retyped(a, target) for a in args), target)
    return node


@dataclass
class _Checker:
    source: str
    catalogue: Catalogue
    available_outputs: frozenset[str]
    tokens: list[Token]
    references: list[str] = field(default_factory=list)

    # -- positions and errors ---------------------------------------------------------------

    def span(self, node: exp.Expr) -> tuple[int, int]:
        starts: list[int] = []
        ends: list[int] = []
        for sub in node.walk():
            meta = sub.meta if sub._meta else {}
            if "start" in meta and "end" in meta:
                starts.append(int(meta["start"]))
                ends.append(int(meta["end"]))
        if not starts:
            return 0, max(len(self.source) - 1, 0)
        start, end = min(starts), max(ends)
        if isinstance(node, exp.Func) and not isinstance(node, exp.Connector):
            end = max(end, self._closing_paren(start))
        return start, end

    def _closing_paren(self, start: int) -> int:
        """The end of a call's closing parenthesis, counted from its name at ``start``."""
        depth = 0
        for token in self.tokens:
            if token.start < start:
                continue
            if token.token_type is TokenType.L_PAREN:
                depth += 1
            elif token.token_type is TokenType.R_PAREN:
                depth -= 1
                if depth == 0:
                    return token.end
        return start

    def error(
        self,
        node: exp.Expr,
        code: ErrorCode,
        zh: str,
        en: str,
        suggestion: str | None = None,
        at_operator: bool = False,
    ) -> ExpressionError:
        start, end = self.operator_span(node) if at_operator else self.span(node)
        return ExpressionError(
            code,
            zh,
            en,
            position=start,
            text=self.source[start : end + 1],
            expression=self.source,
            suggestion=suggestion,
        )

    def operator_span(self, node: exp.Expr) -> tuple[int, int]:
        left, right = node.args.get("this"), node.args.get("expression")
        if isinstance(left, exp.Expr) and isinstance(right, exp.Expr):
            left_end, right_start = self.span(left)[1], self.span(right)[0]
            for token in self.tokens:
                between = left_end < token.start and token.end < right_start
                if between and token.token_type not in (TokenType.L_PAREN, TokenType.R_PAREN):
                    return token.start, token.end
        return self.span(node)

    def type_error_for(
        self, node: exp.Expr, expected: ExprType, actual: ExprType
    ) -> ExpressionError:
        return self.error(
            node,
            ErrorCode.TYPE_MISMATCH,
            f"这里需要{TYPE_LABELS_ZH[expected]}，但表达式的类型是{TYPE_LABELS_ZH[actual]}",
            f"expected a {expected} expression here, got {actual}",
        )

    # -- conversion -------------------------------------------------------------------------

    def convert(self, node: exp.Expr) -> ir.Node:
        handler = _HANDLERS.get(type(node))
        if handler is not None:
            return handler(self, node)
        if isinstance(node, exp.Func):
            return self.unknown_function(node, node.sql_name())
        raise self.error(
            node,
            ErrorCode.UNSUPPORTED,
            f"不支持的语法：{type(node).__name__}",
            f"unsupported construct: {type(node).__name__}",
        )

    def expect(self, node: exp.Expr, *types: ExprType) -> ir.Node:
        converted = self.convert(node)
        if converted.type is ExprType.NULL:
            return _retyped(converted, types[0])
        if converted.type not in types:
            raise self.type_error_for(node, types[0], converted.type)
        return converted

    def unify(self, nodes: Sequence[exp.Expr], where: exp.Expr) -> list[ir.Node]:
        converted = [self.convert(node) for node in nodes]
        types = {node.type for node in converted} - {ExprType.NULL}
        if len(types) > 1:
            names_zh = "、".join(TYPE_LABELS_ZH[t] for t in sorted(types))
            raise self.error(
                where,
                ErrorCode.TYPE_MISMATCH,
                f"类型不一致：不能混用{names_zh}",
                f"type mismatch: cannot mix {', '.join(sorted(types))}",
                at_operator=True,
            )
        target = types.pop() if types else ExprType.NULL
        return [_retyped(node, target) for node in converted]

    def unknown_function(self, node: exp.Expr, name: str) -> ir.Node:
        matches = difflib.get_close_matches(name.upper(), ALLOWED_FUNCTIONS, n=1)
        hint = "CASE WHEN … THEN … ELSE … END" if name.upper() in ("IF", "IIF") else None
        raise self.error(
            node,
            ErrorCode.UNKNOWN_FUNCTION,
            f"不允许使用函数 {name}；可用：{', '.join(ALLOWED_FUNCTIONS)}",
            f"function {name} is not allowed; allowed: {', '.join(ALLOWED_FUNCTIONS)}",
            suggestion=hint or (matches[0] if matches else None),
        )

    def literal(self, node: exp.Expr) -> ir.Node:
        literal = cast(exp.Literal, node)
        if literal.is_string:
            return ir.Literal(literal.this, ExprType.TEXT)
        try:
            value = float(literal.this)
        except ValueError:
            value = math.inf
        if not math.isfinite(value):
            raise self.error(node, ErrorCode.INVALID_LITERAL, "数值超出范围", "number out of range")
        return ir.Literal(value, ExprType.NUMBER)

    def date_literal(self, node: exp.Expr) -> ir.Node:
        cast_node = cast(exp.Cast, node)
        target, value = cast_node.args.get("to"), cast_node.this
        is_date = isinstance(target, exp.DataType) and target.this == exp.DataType.Type.DATE
        if not is_date or not (isinstance(value, exp.Literal) and value.is_string):
            raise self.error(
                node,
                ErrorCode.UNSUPPORTED,
                "不支持类型转换（CAST）；日期请写 DATE 'YYYY-MM-DD'",
                "type casts are not supported; write dates as DATE 'YYYY-MM-DD'",
            )
        try:
            return ir.Literal(dt.date.fromisoformat(value.this), ExprType.DATE)
        except ValueError:
            raise self.error(
                node,
                ErrorCode.INVALID_LITERAL,
                f"无效日期 {value.this!r}，请写 YYYY-MM-DD",
                f"invalid date {value.this!r}; write YYYY-MM-DD",
            ) from None

    def column(self, node: exp.Expr) -> ir.Node:
        column = cast(exp.Column, node)
        if column.args.get("table") is not None or not isinstance(column.this, exp.Identifier):
            raise self.error(
                node,
                ErrorCode.QUALIFIED_NAME,
                "只能直接使用特征名，不能带表名或使用 *",
                "use a bare feature name: no table qualifier and no *",
            )
        return self.feature(node, column.this.this)

    def feature(self, node: exp.Expr, name: str) -> ir.Node:
        feature = self.catalogue.get(name)
        if feature is None:
            raise self.error(
                node,
                ErrorCode.UNKNOWN_FEATURE,
                f"未知特征 {name}",
                f"unknown feature {name}",
                suggestion=self.suggest_feature(name),
            )
        if feature.kind is FeatureKind.OUTPUT and name not in self.available_outputs:
            raise self.error(
                node,
                ErrorCode.NOT_AVAILABLE_HERE,
                f"{name}（{feature.label_zh}）由策略计算得出，在这里还不能使用",
                f"{name} ({feature.label_en}) is computed by the policy and is not available here",
            )
        self.references.append(name)
        derived = self.catalogue.derived_ir.get(name)
        if derived is not None:
            return derived
        return ir.FeatureRef(name, feature.expr_type)

    def suggest_feature(self, name: str) -> str | None:
        for feature in self.catalogue:
            if name in (feature.label_zh, feature.label_en) or name.lower() == feature.name:
                return feature.name
        matches = difflib.get_close_matches(name.lower(), self.catalogue.names, n=1, cutoff=0.6)
        return matches[0] if matches else None

    def logical(self, node: exp.Expr) -> ir.Node:
        kind = type(node)
        operands: list[exp.Expr] = []
        pending: list[exp.Expr] = [node]
        while pending:  # iterative: long AND chains must not exhaust the stack
            current = pending.pop()
            if type(current) is kind:
                pending.append(current.expression)
                pending.append(current.this)
            else:
                operands.append(current)
        converted = [self.expect(operand, ExprType.BOOLEAN) for operand in operands]
        return ir.Logical("and" if kind is exp.And else "or", tuple(converted))

    def negation(self, node: exp.Expr) -> ir.Node:
        inner = cast(exp.Not, node).this
        if isinstance(inner, exp.Is):
            return self.is_null(inner, negated=True)
        if isinstance(inner, exp.In):
            return self.in_list(inner, negated=True)
        return ir.Not(self.expect(inner, ExprType.BOOLEAN))

    def comparison(self, node: exp.Expr) -> ir.Node:
        op = _COMPARE_OPS[type(node)]
        left, right = self.unify([node.this, node.expression], node)
        value_type = left.type
        if value_type in (ExprType.TEXT, ExprType.BOOLEAN) and op not in ("=", "<>"):
            raise self.error(
                node,
                ErrorCode.TYPE_MISMATCH,
                f"{TYPE_LABELS_ZH[value_type]}只能用 = 或 <> 比较",
                f"{value_type} values can only be compared with = or <>",
                at_operator=True,
            )
        self.check_categories(left, [right], node.expression)
        self.check_categories(right, [left], node.this)
        return ir.Compare(op, left, right)

    def check_categories(self, subject: ir.Node, others: list[ir.Node], where: exp.Expr) -> None:
        """Catch typos such as ``province = '广东'`` against the feature's allowed values."""
        if not isinstance(subject, ir.FeatureRef):
            return
        feature = self.catalogue.get(subject.name)
        allowed = feature.allowed_values if feature else ()
        if not allowed:
            return
        for other in others:
            text = other.value if isinstance(other, ir.Literal) else None
            if isinstance(text, str) and text not in allowed:
                matches = difflib.get_close_matches(text, allowed, n=1, cutoff=0.5)
                raise self.error(
                    where,
                    ErrorCode.UNKNOWN_VALUE,
                    f"{subject.name} 没有取值 {text!r}；可选：{'、'.join(allowed)}",
                    f"{subject.name} has no value {text!r}; allowed: {', '.join(allowed)}",
                    suggestion=matches[0] if matches else None,
                )

    def in_list(self, node: exp.Expr, negated: bool = False) -> ir.Node:
        in_node = cast(exp.In, node)
        if any(in_node.args.get(key) is not None for key in ("query", "unnest", "field")):
            raise self.error(
                node,
                ErrorCode.UNSUPPORTED,
                "IN 只能跟常量或表达式列表，不能用子查询",
                "IN takes a list of values, not a subquery",
            )
        operand, *items = self.unify([in_node.this, *in_node.expressions], node)
        self.check_categories(operand, items, node)
        constants = [item for item in items if isinstance(item, ir.Literal)]
        if items and len(constants) == len(items) and all(c.value is not None for c in constants):
            values = tuple(cast(float | str | bool | dt.date, c.value) for c in constants)
            return ir.InList(operand, values, negated)
        # Equalities joined by OR give SQL's IN semantics exactly, NULL items included.
        equalities = tuple(ir.Compare("=", operand, item) for item in items)
        expanded: ir.Node = ir.Logical("or", equalities) if len(equalities) > 1 else equalities[0]
        return ir.Not(expanded) if negated else expanded

    def between(self, node: exp.Expr) -> ir.Node:
        operand, low, high = self.unify([node.this, node.args["low"], node.args["high"]], node)
        if operand.type not in (*ORDERED_TYPES, ExprType.NULL):
            raise self.type_error_for(node, ExprType.NUMBER, operand.type)
        return ir.Logical("and", (ir.Compare(">=", operand, low), ir.Compare("<=", operand, high)))

    def is_null(self, node: exp.Expr, negated: bool = False) -> ir.Node:
        if not isinstance(node.expression, exp.Null):
            raise self.error(
                node,
                ErrorCode.UNSUPPORTED,
                "IS 后面只能跟 NULL；布尔判断请写 = TRUE 或 COALESCE(x, FALSE)",
                "IS only takes NULL; for booleans write = TRUE or COALESCE(x, FALSE)",
            )
        return ir.IsNull(self.convert(node.this), negated)

    def like(self, node: exp.Expr) -> ir.Node:
        operand = self.expect(node.this, ExprType.TEXT)
        pattern = node.expression
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            raise self.error(
                node,
                ErrorCode.UNSUPPORTED,
                "LIKE 的模式必须是字符串常量",
                "the LIKE pattern must be a string literal",
            )
        return ir.Like(operand, pattern.this, bool(node.args.get("negate")))

    def arithmetic(self, node: exp.Expr) -> ir.Node:
        group = _ADDITIVE if type(node) in _ADDITIVE else _MULTIPLICATIVE
        chain: list[tuple[ir.ArithmeticOp, exp.Expr]] = []
        current = node
        while type(current) in group:  # iterative, and left-to-right order is preserved
            chain.append((group[type(current)], current.expression))
            current = current.this
        first = self.expect(current, ExprType.NUMBER)
        rest = tuple((op, self.expect(operand, ExprType.NUMBER)) for op, operand in reversed(chain))
        return ir.Arithmetic(first, rest)

    def negate(self, node: exp.Expr) -> ir.Node:
        operand = self.expect(node.this, ExprType.NUMBER)
        if isinstance(operand, ir.Literal) and isinstance(operand.value, float):
            return ir.Literal(-operand.value, ExprType.NUMBER)
        return ir.Negate(operand)

    def case(self, node: exp.Expr) -> ir.Node:
        case_node = cast(exp.Case, node)
        subject = case_node.this
        conditions: list[ir.Node] = []
        for branch in case_node.args.get("ifs") or []:
            if subject is not None:
                left, right = self.unify([subject, branch.this], branch)
                conditions.append(ir.Compare("=", left, right))
            else:
                conditions.append(self.expect(branch.this, ExprType.BOOLEAN))
        results = [branch.args["true"] for branch in case_node.args.get("ifs") or []]
        default = case_node.args.get("default") or exp.Null()
        values = self.unify([*results, default], node)
        branches = tuple(zip(conditions, values[:-1], strict=True))
        return ir.Case(branches, values[-1], values[-1].type)

    def coalesce(self, node: exp.Expr) -> ir.Node:
        args = self.unify([node.this, *node.expressions], node)
        return ir.Coalesce(tuple(args), args[0].type)

    def least_greatest(self, node: exp.Expr) -> ir.Node:
        args = self.unify([node.this, *node.expressions], node)
        if args[0].type not in (*ORDERED_TYPES, ExprType.NULL):
            raise self.type_error_for(node, ExprType.NUMBER, args[0].type)
        function: ir.Aggregate = "least" if isinstance(node, exp.Least) else "greatest"
        return ir.LeastGreatest(function, tuple(args), args[0].type)

    def absolute(self, node: exp.Expr) -> ir.Node:
        return ir.Abs(self.expect(node.this, ExprType.NUMBER))

    def round(self, node: exp.Expr) -> ir.Node:
        operand = self.expect(node.this, ExprType.NUMBER)
        decimals = node.args.get("decimals")
        digits = 0.0
        if decimals is not None:
            value = self.convert(decimals)
            literal = value.value if isinstance(value, ir.Literal) else None
            valid = isinstance(literal, float)
            digits = literal if isinstance(literal, float) else math.nan
            if not (valid and digits.is_integer() and abs(digits) <= MAX_ROUND_DIGITS):
                raise self.error(
                    decimals,
                    ErrorCode.WRONG_ARGUMENTS,
                    f"ROUND 的位数必须是 -{MAX_ROUND_DIGITS} 到 {MAX_ROUND_DIGITS} 之间的整数常量",
                    f"ROUND digits must be an integer literal between -{MAX_ROUND_DIGITS} "
                    f"and {MAX_ROUND_DIGITS}",
                )
        return ir.Round(operand, int(digits))

    def anonymous(self, node: exp.Expr) -> ir.Node:
        anonymous = cast(exp.Anonymous, node)
        name = str(anonymous.this)
        if name.upper() != "DAYS_BETWEEN":
            return self.unknown_function(node, name)
        if len(anonymous.expressions) != 2:
            raise self.error(
                node,
                ErrorCode.WRONG_ARGUMENTS,
                "DAYS_BETWEEN 需要两个日期参数：DAYS_BETWEEN(开始, 结束)",
                "DAYS_BETWEEN takes two dates: DAYS_BETWEEN(start, end)",
            )
        start, end = (self.expect(arg, ExprType.DATE) for arg in anonymous.expressions)
        return ir.DaysBetween(start, end)


_COMPARE_OPS: dict[type[exp.Expr], ir.CompareOp] = {
    exp.EQ: "=",
    exp.NEQ: "<>",
    exp.LT: "<",
    exp.LTE: "<=",
    exp.GT: ">",
    exp.GTE: ">=",
}
_ADDITIVE: dict[type[exp.Expr], ir.ArithmeticOp] = {exp.Add: "+", exp.Sub: "-"}
_MULTIPLICATIVE: dict[type[exp.Expr], ir.ArithmeticOp] = {exp.Mul: "*", exp.Div: "/"}

_Handler = Callable[[_Checker, exp.Expr], ir.Node]
_HANDLERS: dict[type[exp.Expr], _Handler] = {
    exp.Paren: lambda checker, node: checker.convert(node.this),
    exp.Literal: _Checker.literal,
    exp.Boolean: lambda checker, node: ir.Literal(bool(node.this), ExprType.BOOLEAN),
    exp.Null: lambda checker, node: ir.Literal(None, ExprType.NULL),
    exp.Cast: _Checker.date_literal,
    exp.Column: _Checker.column,
    exp.And: _Checker.logical,
    exp.Or: _Checker.logical,
    exp.Not: _Checker.negation,
    **dict.fromkeys(_COMPARE_OPS, _Checker.comparison),
    exp.In: _Checker.in_list,
    exp.Between: _Checker.between,
    exp.Is: _Checker.is_null,
    exp.Like: _Checker.like,
    **dict.fromkeys((*_ADDITIVE, *_MULTIPLICATIVE), _Checker.arithmetic),
    exp.Neg: _Checker.negate,
    exp.Case: _Checker.case,
    exp.Coalesce: _Checker.coalesce,
    exp.Least: _Checker.least_greatest,
    exp.Greatest: _Checker.least_greatest,
    exp.Abs: _Checker.absolute,
    exp.Round: _Checker.round,
    exp.Anonymous: _Checker.anonymous,
}
