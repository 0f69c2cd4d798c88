"""The engine's error classes.

``ExpressionError`` is the one error class for everything a policy author wrote wrongly: a
syntax error, an unknown feature, a type error, a forbidden construct, and (with ``path`` set)
every structural problem in a policy document. ``PolicyValidationError`` carries all of a
document's ``ExpressionError`` items at once, so an editor can show every problem in one pass.
``FeatureValueError`` is for bad *data* handed to evaluation (a text where a number belongs).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from riskdesk.engine.types import TYPE_LABELS_ZH, ExprType


class ErrorCode(StrEnum):
    """Stable machine-readable error codes, returned beside the human messages."""

    SYNTAX = "syntax"
    FORBIDDEN_SYNTAX = "forbidden_syntax"
    UNSUPPORTED = "unsupported"
    UNKNOWN_FEATURE = "unknown_feature"
    UNKNOWN_FUNCTION = "unknown_function"
    UNKNOWN_VALUE = "unknown_value"
    QUALIFIED_NAME = "qualified_name"
    TYPE_MISMATCH = "type_mismatch"
    WRONG_ARGUMENTS = "wrong_arguments"
    INVALID_LITERAL = "invalid_literal"
    TOO_COMPLEX = "too_complex"
    NOT_AVAILABLE_HERE = "not_available_here"
    CYCLE = "cycle"
    INVALID_DOCUMENT = "invalid_document"
    MISSING_FIELD = "missing_field"
    UNKNOWN_FIELD = "unknown_field"
    INVALID_VALUE = "invalid_value"
    DUPLICATE = "duplicate"
    UNKNOWN_GRADE = "unknown_grade"
    BINS_ORDER = "bins_order"
    BANDS_ORDER = "bands_order"


@dataclass(eq=False)
class ExpressionError(Exception):
    """A problem in something a policy author wrote, found before anything runs.

    Not frozen: test runners and hypothesis attach notes to exceptions they see.

    ``position`` is the 0-based character offset inside ``expression`` (None when the problem
    is not inside an expression), ``text`` the offending token or fragment, ``path`` the YAML
    path of the field (``rating.rules[3].when``) when the expression belongs to a policy.
    """

    code: ErrorCode
    message_zh: str
    message_en: str
    position: int | None = None
    text: str | None = None
    expression: str | None = None
    path: str | None = None
    suggestion: str | None = None

    def __str__(self) -> str:
        where = []
        if self.path:
            where.append(self.path)
        if self.position is not None:
            line, column = self.line_column
            where.append(f"{line}:{column}")
        prefix = f"[{' @ '.join(where)}] " if where else ""
        hint = f" （您是否想写 / did you mean: {self.suggestion}）" if self.suggestion else ""
        return f"{prefix}{self.message_zh} / {self.message_en}{hint}"

    @property
    def line_column(self) -> tuple[int, int]:
        """1-based line and column of ``position`` inside the expression."""
        source = self.expression or ""
        offset = self.position or 0
        before = source[:offset]
        line = before.count("\n") + 1
        column = offset - (before.rfind("\n") + 1) + 1
        return line, column

    def at_path(self, path: str) -> ExpressionError:
        """The same error, located at ``path`` inside a policy document."""
        return replace(self, path=path)

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code.value,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "path": self.path,
            "position": self.position,
            "text": self.text,
            "suggestion": self.suggestion,
        }


class PolicyValidationError(Exception):
    """A policy document with one or more problems; ``errors`` lists every one of them."""

    def __init__(self, errors: list[ExpressionError]) -> None:
        self.errors: tuple[ExpressionError, ...] = tuple(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


class FeatureValueError(ValueError):
    """A feature value handed to evaluation does not have the type the catalogue declares."""

    def __init__(self, feature: str, value: object, expected: ExprType) -> None:
        self.feature = feature
        self.value = value
        self.message_zh = f"特征 {feature} 的值 {value!r} 不是有效的{TYPE_LABELS_ZH[expected]}"
        self.message_en = f"feature {feature} has value {value!r}, which is not a valid {expected}"
        super().__init__(f"{self.message_zh} / {self.message_en}")
