"""riskdesk's policy engine: the rule language, policies and their evaluation (no Django).

One expression language (a checked SQL subset) for every condition and formula; a policy of
admission checks, rating rules, a scorecard and credit formulas; evaluation for one record
(generated Python, microseconds), for a table (one Polars query) and inside a database (SQL
for DuckDB, SQLite, PostgreSQL and Spark). All paths give the same results.
"""

from pathlib import Path

from riskdesk.engine.catalogue import (
    Catalogue,
    DerivedFeature,
    Feature,
    FeatureKind,
    catalogue_of,
    default_catalogue,
)
from riskdesk.engine.compiler import CompiledPolicy, compile_policy
from riskdesk.engine.decision import Decision, TraceStep, evaluate_one
from riskdesk.engine.errors import (
    ErrorCode,
    ExpressionError,
    FeatureValueError,
    PolicyValidationError,
)
from riskdesk.engine.explain import explain_text
from riskdesk.engine.expression import CompiledExpression, SqlFragment, compile_expression
from riskdesk.engine.policy import (
    AdmissionCheck,
    Band,
    Bin,
    Credit,
    CreditCase,
    CustomerList,
    Grade,
    Indicator,
    Outcome,
    Policy,
    Rating,
    RatingRule,
    Scorecard,
    dump_policy,
    load_policy,
)
from riskdesk.engine.policy_sql import policy_sql
from riskdesk.engine.table import evaluate_table, output_columns
from riskdesk.engine.types import ExprType, ValueType

POLICIES_DIR = Path(__file__).parent / "policies"
DEFAULT_POLICY_PATH = POLICIES_DIR / "default.yaml"


def default_policy() -> Policy:
    """The shipped Chinese default policy."""
    return load_policy(DEFAULT_POLICY_PATH)


__all__ = [
    "DEFAULT_POLICY_PATH",
    "POLICIES_DIR",
    "AdmissionCheck",
    "Band",
    "Bin",
    "Catalogue",
    "CompiledExpression",
    "CompiledPolicy",
    "Credit",
    "CreditCase",
    "CustomerList",
    "Decision",
    "DerivedFeature",
    "ErrorCode",
    "ExprType",
    "ExpressionError",
    "Feature",
    "FeatureKind",
    "FeatureValueError",
    "Grade",
    "Indicator",
    "Outcome",
    "Policy",
    "PolicyValidationError",
    "Rating",
    "RatingRule",
    "Scorecard",
    "SqlFragment",
    "TraceStep",
    "ValueType",
    "catalogue_of",
    "compile_expression",
    "compile_policy",
    "default_catalogue",
    "default_policy",
    "dump_policy",
    "evaluate_one",
    "evaluate_table",
    "explain_text",
    "load_policy",
    "output_columns",
    "policy_sql",
]
