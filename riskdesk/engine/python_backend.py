"""Compile the validated tree to Python source for the single-record path.

The generated source is built only from ``ir`` nodes: feature names and literal values never
appear in it as text. They are bound as module-level constants (``_k3``) of the namespace the
code is executed in, and that namespace exposes no builtins beyond the handful used here.
NULL is ``None``; three-valued logic is spelled out with conditional expressions, and a
condition compiled in *truth context* (``truth()``) short-circuits to a plain ``bool``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from riskdesk.engine import ir, runtime
from riskdesk.engine.types import ExprType

_PY_COMPARE = {"=": "==", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_INVERSE = {"=": "<>", "<>": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_SAFE_BUILTINS: dict[str, object] = {
    "abs": abs,
    "min": min,
    "max": max,
    "float": float,
    "str": str,
    "bool": bool,
    "len": len,
    "sorted": sorted,
    "tuple": tuple,
}
_FAST_CLASS = {
    ExprType.NUMBER: "float",
    ExprType.TEXT: "str",
    ExprType.BOOLEAN: "bool",
    ExprType.DATE: "_date",
}


class PythonEmitter:
    """Turns ``ir`` nodes into Python expression source, collecting constants and temps."""

    def __init__(self, local_of: Callable[[str], str]) -> None:
        self.local_of = local_of
        self.constants: dict[str, object] = {}
        self._constant_names: dict[tuple[type, object], str] = {}
        self._temps = 0

    def constant(self, value: object) -> str:
        key: tuple[type, object] = (type(value), value)
        if isinstance(value, dict):
            key = (dict, id(value))  # unhashable: never shared
        name = self._constant_names.get(key)
        if name is None:
            name = f"_k{len(self._constant_names)}"
            self._constant_names[key] = name
            self.constants[name] = value
        return name

    def temp(self) -> str:
        self._temps += 1
        return f"_t{self._temps}"

    # -- operands -------------------------------------------------------------------------

    def operand(self, node: ir.Node) -> tuple[str, str | None]:
        """(expression to use, expression to test for NULL, or None when never NULL).

        The NULL test of a computed operand assigns it to a temp, so it must be evaluated
        before the use: callers put the tests in the condition of a conditional expression.
        """
        if isinstance(node, ir.FeatureRef):
            name = self.local_of(node.name)
            return name, name
        if isinstance(node, ir.Literal) and node.value is not None:
            return self.literal(node), None
        temp = self.temp()
        return temp, f"({temp} := {self.value(node)})"

    def literal(self, node: ir.Literal) -> str:
        if node.value is None or isinstance(node.value, bool):
            return repr(node.value)
        return self.constant(node.value)

    def guarded(self, operands: list[ir.Node], body: Callable[[list[str]], str]) -> str:
        """NULL if any operand is NULL, else ``body`` of the operand expressions."""
        if any(isinstance(o, ir.Literal) and o.value is None for o in operands):
            return "None"
        pairs = [self.operand(o) for o in operands]
        tests = [f"{test} is None" for _, test in pairs if test is not None]
        result = body([use for use, _ in pairs])
        return f"(None if {' or '.join(tests)} else {result})" if tests else f"({result})"

    def known(self, operands: list[ir.Node], body: Callable[[list[str]], str]) -> str:
        """True when no operand is NULL and ``body`` holds (truth context)."""
        if any(isinstance(o, ir.Literal) and o.value is None for o in operands):
            return "False"
        pairs = [self.operand(o) for o in operands]
        tests = [f"{test} is not None" for _, test in pairs if test is not None]
        return "(" + " and ".join([*tests, body([use for use, _ in pairs])]) + ")"

    # -- values ---------------------------------------------------------------------------

    def value(self, node: ir.Node) -> str:
        match node:
            case ir.Literal():
                return self.literal(node)
            case ir.FeatureRef(name):
                return self.local_of(name)
            case ir.Not(operand):
                return self.guarded([operand], lambda u: f"not {u[0]}")
            case ir.Logical(op, operands):
                return self.logical_value(op, operands)
            case ir.Compare(op, left, right):
                py = _PY_COMPARE[op]
                return self.guarded([left, right], lambda u: f"{u[0]} {py} {u[1]}")
            case ir.InList(operand, items, negated):
                members = self.constant(frozenset(items))
                word = "not in" if negated else "in"
                return self.guarded([operand], lambda u: f"{u[0]} {word} {members}")
            case ir.IsNull(operand, negated):
                return f"({self.value(operand)} is {'not ' if negated else ''}None)"
            case ir.Like(operand, pattern, negated):
                regex = self.constant(runtime.compiled_like(pattern))
                test = "is None" if negated else "is not None"
                return self.guarded([operand], lambda u: f"{regex}.fullmatch({u[0]}) {test}")
            case ir.Arithmetic(first, rest):
                return self.arithmetic(first, rest)
            case ir.Negate(operand):
                return self.guarded([operand], lambda u: f"-{u[0]}")
            case ir.Case(branches, default):
                parts = [f"{self.value(v)} if {self.truth(c)} else" for c, v in branches]
                return "(" + " ".join([*parts, self.value(default)]) + ")"
            case ir.Coalesce(args):
                return self.coalesce(args)
            case ir.LeastGreatest(function, args):
                builtin = "min" if function == "least" else "max"
                call = (
                    (lambda u: u[0]) if len(args) == 1 else (lambda u: f"{builtin}({', '.join(u)})")
                )
                return self.guarded(list(args), call)
            case ir.Abs(operand):
                return self.guarded([operand], lambda u: f"abs({u[0]})")
            case ir.Round(operand, digits):
                return f"_round({self.value(operand)}, {digits})"
            case ir.DaysBetween(start, end):
                return self.guarded([start, end], lambda u: f"float(({u[1]} - {u[0]}).days)")
        raise AssertionError(f"unhandled node {node!r}")

    def logical_value(self, op: str, operands: tuple[ir.Node, ...]) -> str:
        # Kleene logic: one FALSE decides AND, one TRUE decides OR; otherwise NULL wins.
        decisive = "False" if op == "and" else "True"
        temps = [self.temp() for _ in operands]
        decided = " or ".join(
            f"({t} := {self.value(o)}) is {decisive}" for t, o in zip(temps, operands, strict=True)
        )
        unknown = " or ".join(f"{t} is None" for t in temps)
        other = "True" if op == "and" else "False"
        return f"({decisive} if {decided} else (None if {unknown} else {other}))"

    def arithmetic(self, first: ir.Node, rest: tuple[tuple[ir.ArithmeticOp, ir.Node], ...]) -> str:
        operands = [first, *(node for _, node in rest)]
        if any(isinstance(o, ir.Literal) and o.value is None for o in operands):
            return "None"
        pairs = [self.operand(o) for o in operands]
        tests = []
        for index, (use, test) in enumerate(pairs):
            divisor = index > 0 and rest[index - 1][0] == "/"
            if divisor:
                # ``not x`` is true for None and for 0.0: division by zero gives NULL.
                tests.append(f"not {test if test is not None else use}")
            elif test is not None:
                tests.append(f"{test} is None")
        tail = "".join(f" {op} {use}" for (op, _), (use, _) in zip(rest, pairs[1:], strict=True))
        body = pairs[0][0] + tail
        return f"(None if {' or '.join(tests)} else {body})" if tests else f"({body})"

    def coalesce(self, args: tuple[ir.Node, ...]) -> str:
        parts = []
        for arg in args[:-1]:
            temp = self.temp()
            parts.append(f"{temp} if ({temp} := {self.value(arg)}) is not None else")
        return "(" + " ".join([*parts, self.value(args[-1])]) + ")"

    # -- truth context --------------------------------------------------------------------

    def truth(self, node: ir.Node) -> str:
        """Python ``bool``: is the SQL value TRUE (a NULL condition does not match)."""
        match node:
            case ir.Literal(value):
                return "True" if value is True else "False"
            case ir.Logical(op, operands):
                return "(" + f" {op} ".join(self.truth(o) for o in operands) + ")"
            case ir.Not(operand):
                return self.falsity(operand)
            case ir.Compare(op, left, right):
                py = _PY_COMPARE[op]
                return self.known([left, right], lambda u: f"{u[0]} {py} {u[1]}")
            case ir.IsNull():
                return self.value(node)
            case ir.InList(operand, items, negated):
                members = self.constant(frozenset(items))
                word = "not in" if negated else "in"
                return self.known([operand], lambda u: f"{u[0]} {word} {members}")
        return f"({self.value(node)} is True)"

    def falsity(self, node: ir.Node) -> str:
        """Python ``bool``: is the SQL value FALSE."""
        match node:
            case ir.Literal(value):
                return "True" if value is False else "False"
            case ir.Logical(op, operands):
                joiner = " or " if op == "and" else " and "
                return "(" + joiner.join(self.falsity(o) for o in operands) + ")"
            case ir.Not(operand):
                return self.truth(operand)
            case ir.Compare(op, left, right):
                # No NaN reaches here (NaN input is NULL), so NOT (a < b) is exactly a >= b.
                py = _PY_COMPARE[_INVERSE[op]]
                return self.known([left, right], lambda u: f"{u[0]} {py} {u[1]}")
            case ir.IsNull():
                return f"(not {self.value(node)})"
        return f"({self.value(node)} is False)"


def feature_loader(name: str, local: str, expr_type: ExprType, emitter: PythonEmitter) -> str:
    """Source lines that read one feature from ``features`` and check its type.

    The common case (already the right type) costs one class check; anything else goes
    through the runtime coercer, which converts or raises ``FeatureValueError``.
    """
    key = emitter.constant(name)
    coercer = emitter.constant(runtime.COERCERS[expr_type])
    fast = _FAST_CLASS[expr_type]
    if expr_type is ExprType.NUMBER:
        # ints pass as they are: Python compares and computes int with float exactly as
        # float64 does for every integer a float64 holds (|n| < 2**53).
        # ``None != None`` is false, so a missing value skips the coercer call too.
        check = (
            f"{local}.__class__ is not float and {local} is not None "
            f"and {local}.__class__ is not int or {local} != {local}"
        )
    else:
        check = f"{local} is not None and {local}.__class__ is not {fast}"
    return (
        f"    {local} = get({key})\n    if {check}:\n        {local} = {coercer}({local}, {key})\n"
    )


def function_header(function_name: str, constants: dict[str, object]) -> str:
    """``def name(features, *, _k0=_k0, …):`` — constants become fast locals."""
    bound = "".join(f", {name}={name}" for name in constants)
    star = ", *" if constants else ""
    return f"def {function_name}(features{star}{bound}):\n"


def build_function(source: str, function_name: str, constants: dict[str, object]) -> Any:
    """Execute generated ``source`` in a namespace holding only its constants and helpers."""
    namespace: dict[str, object] = {
        "__builtins__": _SAFE_BUILTINS,
        "_round": runtime.round_half_away,
        "_round_to": runtime.round_to_step,
        "_date": dt.date,
        "int": int,
        **constants,
    }
    code = compile(source, f"<riskdesk:{function_name}>", "exec")
    exec(code, namespace)  # the source is generated from validated ir nodes only
    return namespace[function_name]
