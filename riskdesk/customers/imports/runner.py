"""Run an import end to end: read, parse, check, and write all rows or none."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from riskdesk.customers.imports.errors import ImportFileError, ImportResult
from riskdesk.customers.imports.importers import IMPORTERS
from riskdesk.customers.imports.readers import read_table
from riskdesk.customers.imports.rows import parse_rows
from riskdesk.customers.imports.specs import SPECS

logger = logging.getLogger("riskdesk.imports")


def run_import(
    *,
    kind: str,
    content: bytes,
    filename: str,
    actor,
    dry_run: bool,
    valid_only: bool = False,
    encoding: str | None = None,
) -> ImportResult:
    """Import ``content``. Unless ``valid_only``, one bad row means nothing is written."""
    spec = SPECS[kind]
    result = ImportResult(kind=kind, dry_run=dry_run)
    try:
        table = read_table(
            content, filename, encoding=encoding, max_bytes=settings.IMPORT_MAX_BYTES
        )
        rows = parse_rows(spec, table)
    except ImportFileError as exc:
        result.errors.append(exc.error)
        return result
    result.encoding, result.total_rows = table.encoding, len(rows)
    importer = IMPORTERS[kind]()
    importer.check(rows)
    for row in rows:
        result.errors.extend(row.errors)
    good = [row for row in rows if not row.errors]
    result.skipped = len(rows) - len(good)
    if result.errors and not valid_only:
        return result
    if dry_run:
        result.created, result.updated = _would_change(importer, good)
        result.unchanged = len(good) - result.created - result.updated
        return result
    with transaction.atomic():
        result.created, result.updated = importer.apply(good, actor)
    result.unchanged = len(good) - result.created - result.updated
    result.applied = True
    logger.info(
        "import %s by %s: %s created, %s updated, %s rejected",
        kind,
        getattr(actor, "username", "system"),
        result.created,
        result.updated,
        result.skipped,
    )
    return result


def _would_change(importer, rows) -> tuple[int, int]:
    """Counts for a dry run: apply in a savepoint and roll it back, so they are exact."""
    with transaction.atomic():
        counts = importer.apply(rows, None)
        transaction.set_rollback(True)
    return counts
