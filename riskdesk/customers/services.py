"""Every write to customers and trading data goes through these functions."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from riskdesk.accounts import permissions
from riskdesk.audit.choices import AuditAction
from riskdesk.audit.services import record_event, snapshot
from riskdesk.customers.aggregates import customer_aggregates
from riskdesk.customers.exports import customers_workbook
from riskdesk.customers.imports.errors import ImportResult
from riskdesk.customers.imports.runner import run_import
from riskdesk.customers.models import Customer, ImportBatch, Tag

logger = logging.getLogger("riskdesk.customers")
EDITABLE_FIELDS = (
    "name",
    "uscc",
    "owner",
    "team",
    "industry",
    "province",
    "city",
    "status",
    "external_id",
)


def _tags(names: list[str]) -> list[Tag]:
    return [Tag.objects.get_or_create(name=name)[0] for name in names]


def business_today() -> dt.date:
    return timezone.localdate()


@transaction.atomic
def create_customer(*, actor, tags: list[str] | None = None, **fields) -> Customer:
    permissions.require(actor, "create")
    if not actor.has_role("admin", "risk_manager"):
        fields["owner"] = actor  # salespeople create customers for themselves
        fields.setdefault("team", actor.team)
    customer = Customer(**{k: v for k, v in fields.items() if k in EDITABLE_FIELDS})
    customer.full_clean()
    customer.save()
    if tags:
        customer.tags.set(_tags(tags))
    record_event(
        actor=actor, action=AuditAction.CUSTOMER_CREATED, obj=customer, after=snapshot(customer)
    )
    return customer


@transaction.atomic
def update_customer(
    *, customer: Customer, actor, tags: list[str] | None = None, **changes
) -> Customer:
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    permissions.require(actor, "change", locked)
    if "owner" in changes and not actor.has_role("admin", "risk_manager"):
        changes.pop("owner")  # only managers reassign customers
    before = snapshot(locked)
    for name, value in changes.items():
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"字段不可修改 / field cannot be changed: {name}")
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    if tags is not None:
        locked.tags.set(_tags(tags))
    record_event(
        actor=actor,
        action=AuditAction.CUSTOMER_UPDATED,
        obj=locked,
        before=before,
        after=snapshot(locked),
    )
    return locked


@transaction.atomic
def delete_customer(*, customer: Customer, actor) -> None:
    permissions.require(actor, "delete", customer)
    record_event(
        actor=actor, action=AuditAction.CUSTOMER_DELETED, obj=customer, before=snapshot(customer)
    )
    customer.delete()


def import_records(
    *,
    kind: str,
    content: bytes,
    filename: str,
    actor,
    dry_run: bool = False,
    valid_only: bool = False,
    encoding: str | None = None,
) -> ImportResult:
    """Import customers, orders, invoices or payments; all rows or none (unless ``valid_only``)."""
    permissions.require(actor, "import")
    with transaction.atomic():
        result = run_import(
            kind=kind,
            content=content,
            filename=filename,
            actor=actor,
            dry_run=dry_run,
            valid_only=valid_only,
            encoding=encoding,
        )
        if result.applied:
            record_event(
                actor=actor,
                action=AuditAction.IMPORT_APPLIED,
                extra={"kind": kind, "filename": filename[:200], **_counts(result)},
            )
    if result.errors:
        logger.info("import %s %s: %s errors", kind, filename, len(result.errors))
    return result


def _counts(result: ImportResult) -> dict[str, int]:
    return {"created": result.created, "updated": result.updated, "rejected": result.skipped}


@transaction.atomic
def stage_import(
    *,
    kind: str,
    content: bytes,
    filename: str,
    actor,
    valid_only: bool = False,
    encoding: str | None = None,
) -> ImportBatch:
    """Web flow, step 1: keep the upload and its dry-run result for the user to confirm."""
    permissions.require(actor, "import")
    preview = run_import(
        kind=kind,
        content=content,
        filename=filename,
        actor=actor,
        dry_run=True,
        valid_only=valid_only,
        encoding=encoding,
    )
    return ImportBatch.objects.create(
        kind=kind,
        filename=filename[:255],
        content=content,
        encoding=encoding or "",
        valid_only=valid_only,
        preview=preview.to_dict(),
        created_by=actor,
    )


@transaction.atomic
def confirm_import(*, batch: ImportBatch, actor) -> ImportResult:
    """Web flow, step 2: apply a staged upload (only by the user who staged it, only once)."""
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.created_by_id != actor.pk or locked.applied_at is not None:
        permissions.require(actor, "manage_users")
    result = import_records(
        kind=locked.kind,
        content=bytes(locked.content),
        filename=locked.filename,
        actor=actor,
        valid_only=locked.valid_only,
        encoding=locked.encoding or None,
    )
    locked.result = result.to_dict()
    if result.applied:
        locked.applied_at = timezone.now()
        locked.content = b""
    locked.save()
    return result


@transaction.atomic
def export_customers(*, queryset, actor, as_of: dt.date | None = None) -> bytes:
    permissions.require(actor, "export")
    scoped = permissions.restrict(queryset, actor, "export")
    content, count = customers_workbook(scoped, as_of=as_of or business_today())
    record_event(actor=actor, action=AuditAction.EXPORT, extra={"kind": "customers", "rows": count})
    return content


def trading_summary(*, customer: Customer, as_of: dt.date | None = None) -> dict:
    return customer_aggregates(customer.pk, as_of=as_of or business_today())
