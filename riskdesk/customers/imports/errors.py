from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.db import models


class ImportErrorCode(models.TextChoices):
    # file-level
    FILE_TOO_LARGE = "file_too_large"
    UNREADABLE = "unreadable"
    ENCODING = "encoding"
    EMPTY = "empty"
    MISSING_COLUMN = "missing_column"
    DUPLICATE_COLUMN = "duplicate_column"
    # row-level
    REQUIRED = "required"
    TOO_LONG = "too_long"
    INVALID_TEXT = "invalid_text"
    INVALID_USCC = "invalid_uscc"
    INVALID_DATE = "invalid_date"
    INVALID_AMOUNT = "invalid_amount"
    NEGATIVE_AMOUNT = "negative_amount"
    INVALID_CHOICE = "invalid_choice"
    DUPLICATE_IN_FILE = "duplicate_in_file"
    UNKNOWN_CUSTOMER = "unknown_customer"
    UNKNOWN_OWNER = "unknown_owner"
    UNKNOWN_TEAM = "unknown_team"
    UNKNOWN_INVOICE = "unknown_invoice"
    CONFLICT = "conflict"
    INCONSISTENT = "inconsistent"


@dataclass(frozen=True)
class RowError:
    """One problem in one cell; ``row`` is the spreadsheet row number (header = row 1)."""

    row: int
    column: str
    value: str
    code: str
    message: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    encoding: str = ""
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "kind": self.kind,
            "dry_run": self.dry_run,
            "applied": self.applied,
            "total_rows": self.total_rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "encoding": self.encoding,
            "errors": [error.to_dict() for error in self.errors],
        }


class ImportFileError(Exception):
    """The file as a whole cannot be read; carries one RowError (row 0 or 1)."""

    def __init__(self, code: str, message: str, *, row: int = 0, column: str = "", value: str = ""):
        super().__init__(message)
        self.error = RowError(row=row, column=column, value=value, code=code, message=message)
