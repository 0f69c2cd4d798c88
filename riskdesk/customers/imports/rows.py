"""Stage one of an import: map headers to columns and parse every cell of every row."""

from __future__ import annotations

from dataclasses import dataclass, field

from riskdesk.customers.imports.errors import ImportErrorCode, ImportFileError, RowError
from riskdesk.customers.imports.parsers import CellError, as_text
from riskdesk.customers.imports.readers import RawTable
from riskdesk.customers.imports.specs import ImportSpec, normalize_header

FIRST_DATA_ROW = 2  # the header is spreadsheet row 1


@dataclass
class ParsedRow:
    number: int
    values: dict[str, object]
    raw: dict[str, str]
    errors: list[RowError] = field(default_factory=list)

    def fail(self, column: str, code: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, self.raw.get(column, ""), code, message))


def map_headers(spec: ImportSpec, headers: list[str]) -> dict[int, str]:
    """Column index → field name; unknown columns are ignored, duplicates and gaps refused."""
    mapping: dict[int, str] = {}
    for index, header in enumerate(headers):
        key = normalize_header(header)
        column = next((c for c in spec.columns if key and key in c.names()), None)
        if column is None:
            continue
        if column.field in mapping.values():
            raise ImportFileError(
                ImportErrorCode.DUPLICATE_COLUMN,
                f"列“{header}”重复 / column '{header}' appears twice",
                row=1,
                column=header,
            )
        mapping[index] = column.field
    present = set(mapping.values())
    for column in spec.columns:
        if column.required and column.field not in present:
            raise ImportFileError(
                ImportErrorCode.MISSING_COLUMN,
                f"缺少必填列“{column.header}” / missing required column '{column.field}'",
                row=1,
                column=column.header,
            )
    if spec.one_of and not present.intersection(spec.one_of):
        names = " / ".join(spec.column(f).header for f in spec.one_of)
        raise ImportFileError(
            ImportErrorCode.MISSING_COLUMN,
            f"缺少客户列（{names}） / missing a customer column ({', '.join(spec.one_of)})",
            row=1,
        )
    return mapping


def parse_rows(spec: ImportSpec, table: RawTable) -> list[ParsedRow]:
    mapping = map_headers(spec, table.headers)
    parsed: list[ParsedRow] = []
    for offset, cells in enumerate(table.rows):
        raw = {
            field_name: as_text(cells[index]) if index < len(cells) else ""
            for index, field_name in mapping.items()
        }
        row = ParsedRow(number=FIRST_DATA_ROW + offset, values={}, raw=raw)
        for index, field_name in mapping.items():
            column = spec.column(field_name)
            cell = cells[index] if index < len(cells) else None
            if as_text(cell) == "":
                if column.required:
                    row.fail(
                        field_name, ImportErrorCode.REQUIRED, "必填项为空 / required value missing"
                    )
                continue
            try:
                row.values[field_name] = column.parse(cell)
            except CellError as exc:
                row.fail(field_name, exc.code, exc.message)
        if (
            spec.one_of
            and not any(row.values.get(f) for f in spec.one_of)
            and not any(raw.get(f) for f in spec.one_of)
        ):
            row.fail(spec.one_of[0], ImportErrorCode.REQUIRED, "缺少客户 / customer missing")
        parsed.append(row)
    return parsed


def flag_duplicates(rows: list[ParsedRow], field_name: str) -> None:
    """Mark every row whose key already appeared earlier in the same file."""
    first_seen: dict[object, int] = {}
    for row in rows:
        key = row.values.get(field_name)
        if key in (None, ""):
            continue
        if key in first_seen:
            row.fail(
                field_name,
                ImportErrorCode.DUPLICATE_IN_FILE,
                f"与第 {first_seen[key]} 行重复 / duplicates row {first_seen[key]}",
            )
        else:
            first_seen[key] = row.number
