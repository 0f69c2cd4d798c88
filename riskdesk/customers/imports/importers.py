"""Stage two of an import, per kind: check rows against the database, then write them.

``check`` only reads and marks rows with errors; ``apply`` writes the valid rows and returns
(created, updated). The runner calls ``apply`` inside one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from riskdesk.accounts.models import Team, User
from riskdesk.customers.choices import INDUSTRY_SECTIONS, PROVINCES, InvoiceStatus
from riskdesk.customers.imports.errors import ImportErrorCode
from riskdesk.customers.imports.rows import ParsedRow, flag_duplicates
from riskdesk.customers.models import Customer, Invoice, Order, Payment, PaymentAllocation, Tag

BATCH = 2000


def _model_errors(row: ParsedRow, instance) -> None:
    """Run the model's own clean() (the single validation path) and keep its messages."""
    try:
        instance.clean()
    except ValidationError as exc:
        for field_name, messages in exc.message_dict.items():
            row.fail(field_name, ImportErrorCode.INCONSISTENT, "；".join(messages))


def _state(instance, fields: list[str]) -> tuple | None:
    if instance is None:
        return None
    return tuple(getattr(instance, name, None) for name in fields)


def normalize_industry(value: str) -> str | None:
    if value.upper() in INDUSTRY_SECTIONS:
        return INDUSTRY_SECTIONS[value.upper()]
    return value if value in INDUSTRY_SECTIONS.values() else None


def normalize_province(value: str) -> str | None:
    if value in PROVINCES:
        return value
    matches = [p for p in PROVINCES if p.startswith(value)] if len(value) >= 2 else []
    return matches[0] if len(matches) == 1 else None


# --- Customers ------------------------------------------------------------------------------


class CustomerImporter:
    key_fields = ("uscc", "external_id")

    def __init__(self) -> None:
        self.by_uscc: dict[str, Customer] = {}
        self.by_external: dict[str, Customer] = {}
        self.owners: dict[str, User] = {}
        self.teams: dict[str, Team] = {}

    def check(self, rows: list[ParsedRow]) -> None:
        for key in self.key_fields:
            flag_duplicates(rows, key)
        self._load(rows)
        for row in rows:
            self._check_row(row)

    def _load(self, rows: list[ParsedRow]) -> None:
        usccs = {r.values["uscc"] for r in rows if "uscc" in r.values}
        externals = {r.values["external_id"] for r in rows if r.values.get("external_id")}
        found = Customer.objects.filter(Q(uscc__in=usccs) | Q(external_id__in=externals))
        for customer in found:
            self.by_uscc[customer.uscc] = customer
            if customer.external_id:
                self.by_external[customer.external_id] = customer
        owner_names = {r.values["owner"] for r in rows if r.values.get("owner")}
        self.owners = {u.username: u for u in User.objects.filter(username__in=owner_names)}
        team_names = {r.values["team"] for r in rows if r.values.get("team")}
        self.teams = {t.name: t for t in Team.objects.filter(name__in=team_names)}

    def _check_row(self, row: ParsedRow) -> None:
        values = row.values
        if values.get("owner") and values["owner"] not in self.owners:
            row.fail("owner", ImportErrorCode.UNKNOWN_OWNER, "系统中没有该用户 / no such user")
        if values.get("team") and values["team"] not in self.teams:
            row.fail("team", ImportErrorCode.UNKNOWN_TEAM, "系统中没有该团队 / no such team")
        if values.get("industry"):
            industry = normalize_industry(str(values["industry"]))
            if industry is None:
                row.fail(
                    "industry",
                    ImportErrorCode.INVALID_CHOICE,
                    "行业须为 GB/T 4754 门类名称或字母 / industry must be a GB/T 4754 section",
                )
            values["industry"] = industry
        if values.get("province"):
            province = normalize_province(str(values["province"]))
            if province is None:
                row.fail("province", ImportErrorCode.INVALID_CHOICE, "未知省份 / unknown province")
            values["province"] = province
        by_uscc = self.by_uscc.get(values.get("uscc", ""))
        by_external = self.by_external.get(values.get("external_id") or "")
        if by_uscc and by_external and by_uscc.pk != by_external.pk:
            row.fail(
                "external_id",
                ImportErrorCode.CONFLICT,
                f"外部编码已属于另一客户“{by_external.name}” / "
                "external id belongs to another customer",
            )
        row.values["_existing"] = by_uscc or by_external
        if not row.errors:
            probe = Customer(
                name=values.get("name", ""),
                uscc=values.get("uscc", ""),
                industry=values.get("industry") or "",
                province=values.get("province") or "",
            )
            _model_errors(row, probe)

    def apply(self, rows: list[ParsedRow], actor) -> tuple[int, int]:
        new, changed, tags = [], [], {}
        fields = sorted(
            {f for r in rows for f in r.values} - {"_existing", "tags", "owner", "team"}
        )
        tracked = [*fields, "owner_id", "team_id"]
        for row in rows:
            customer = row.values["_existing"] or Customer()
            before = _state(customer, tracked) if customer.pk else None
            old_tags = sorted(t.name for t in customer.tags.all()) if customer.pk else None
            self._assign(customer, row.values)
            if "tags" in row.values and row.values["tags"] != old_tags:
                tags[id(customer)] = row.values["tags"]
            if customer.pk is None:
                new.append(customer)
            elif _state(customer, tracked) != before or id(customer) in tags:
                changed.append(customer)
        bulk_create_with_history(new, Customer, batch_size=BATCH, default_user=actor)
        update_fields = [f for f in fields if f not in {"_existing"}]
        if any(r.values.get("owner") for r in rows):
            update_fields.append("owner")
        if any(r.values.get("team") for r in rows):
            update_fields.append("team")
        if changed and update_fields:
            bulk_update_with_history(
                changed, Customer, update_fields, batch_size=BATCH, default_user=actor
            )
        self._set_tags([*new, *changed], tags)
        return len(new), len(changed)

    def _assign(self, customer: Customer, values: dict) -> None:
        for name in ("name", "uscc", "industry", "province", "city", "external_id", "status"):
            if values.get(name):
                setattr(customer, name, values[name])
        if values.get("owner"):
            customer.owner = self.owners[values["owner"]]
        if values.get("team"):
            customer.team = self.teams[values["team"]]
        elif values.get("owner") and customer.team_id is None:
            customer.team = customer.owner.team

    def _set_tags(self, customers: list[Customer], tags: dict[int, list[str]]) -> None:
        if not tags:
            return
        missing = [c for c in customers if c.pk is None]
        if missing:
            refreshed = Customer.objects.in_bulk([c.uscc for c in missing], field_name="uscc")
            for customer in missing:
                customer.pk = refreshed[customer.uscc].pk
        names = {name for names in tags.values() for name in names}
        for name in names:
            Tag.objects.get_or_create(name=name)
        tag_ids = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
        through = Customer.tags.through
        targets = [c for c in customers if id(c) in tags]
        through.objects.filter(customer_id__in=[c.pk for c in targets]).delete()
        links = [
            through(customer_id=c.pk, tag_id=tag_ids[name]) for c in targets for name in tags[id(c)]
        ]
        through.objects.bulk_create(links, batch_size=BATCH)


# --- Trading documents ------------------------------------------------------------------------


class DocumentImporter:
    """Shared logic for orders, invoices and payments: find the customer, upsert by number."""

    model: type = Order
    fields: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.existing: dict[str, object] = {}

    def check(self, rows: list[ParsedRow]) -> None:
        flag_duplicates(rows, "number")
        self._resolve_customers(rows)
        numbers = [r.values["number"] for r in rows if "number" in r.values]
        self.existing = self.model.objects.in_bulk(numbers, field_name="number")
        for row in rows:
            existing = self.existing.get(row.values.get("number"))
            customer = row.values.get("_customer")
            if (
                existing is not None
                and customer is not None
                and existing.customer_id != customer.pk
            ):
                row.fail(
                    "number",
                    ImportErrorCode.CONFLICT,
                    "该单号已属于其他客户 / this number belongs to another customer",
                )
            if not row.errors:
                self.check_row(row, existing)

    def check_row(self, row: ParsedRow, existing) -> None:
        """Kind-specific checks; runs only on rows that parsed cleanly."""

    def _resolve_customers(self, rows: list[ParsedRow]) -> None:
        usccs = {r.values["customer_uscc"] for r in rows if r.values.get("customer_uscc")}
        externals = {
            r.values["customer_external_id"] for r in rows if r.values.get("customer_external_id")
        }
        found = Customer.objects.filter(Q(uscc__in=usccs) | Q(external_id__in=externals))
        by_uscc = {c.uscc: c for c in found}
        by_external = {c.external_id: c for c in found if c.external_id}
        for row in rows:
            uscc, external = row.values.get("customer_uscc"), row.values.get("customer_external_id")
            a, b = (
                by_uscc.get(uscc) if uscc else None,
                by_external.get(external) if external else None,
            )
            if (uscc and a is None) or (external and b is None):
                column = "customer_uscc" if uscc and a is None else "customer_external_id"
                if column in row.values:
                    row.fail(
                        column,
                        ImportErrorCode.UNKNOWN_CUSTOMER,
                        "系统中没有该客户，请先导入客户 / unknown customer, import it first",
                    )
            elif a and b and a.pk != b.pk:
                row.fail(
                    "customer_external_id",
                    ImportErrorCode.CONFLICT,
                    "信用代码与外部编码指向不同客户 / "
                    "USCC and external id name different customers",
                )
            row.values["_customer"] = a or b

    def build(self, row: ParsedRow, existing):
        instance = existing or self.model(number=row.values["number"])
        instance.customer = row.values["_customer"]
        for name in self.fields:
            if name in row.values:
                setattr(instance, name, row.values[name])
        return instance

    def apply(self, rows: list[ParsedRow], actor) -> tuple[int, int]:
        new, changed = [], []
        for row in rows:
            existing = self.existing.get(row.values["number"])
            before = _state(existing, ["customer_id", *self.fields])
            instance = self.build(row, existing)
            if existing is None:
                new.append(instance)
            elif _state(instance, ["customer_id", *self.fields]) != before:
                changed.append(instance)
        bulk_create_with_history(new, self.model, batch_size=BATCH, default_user=actor)
        if changed:
            bulk_update_with_history(
                changed,
                self.model,
                ["customer", *self.fields],
                batch_size=BATCH,
                default_user=actor,
            )
        return len(new), len(changed)


class OrderImporter(DocumentImporter):
    model = Order
    fields = ("order_date", "amount", "currency", "status")


class InvoiceImporter(DocumentImporter):
    model = Invoice
    fields = ("issue_date", "due_date", "amount", "paid_amount", "paid_date", "currency", "status")

    def check_row(self, row: ParsedRow, existing) -> None:
        values = row.values
        invoice = self.build(row, None)
        invoice.paid_amount = values.get("paid_amount", Decimal("0"))
        values["paid_amount"] = invoice.paid_amount
        values["status"] = values.get("status") or infer_invoice_status(invoice)
        _model_errors(row, invoice)
        fully_paid = invoice.paid_amount >= invoice.amount and values["status"] != "cancelled"
        if fully_paid and invoice.amount > 0 and not values.get("paid_date"):
            row.fail(
                "paid_date",
                ImportErrorCode.REQUIRED,
                "已全额付款的发票须填写结清日期 / a fully paid invoice needs its paid date",
            )
        if values.get("paid_date") and values["paid_date"] < invoice.issue_date:
            row.fail(
                "paid_date",
                ImportErrorCode.INCONSISTENT,
                "结清日期早于开票日期 / paid date is before the issue date",
            )


def infer_invoice_status(invoice: Invoice) -> str:
    if invoice.paid_amount >= invoice.amount:
        return InvoiceStatus.PAID
    if invoice.paid_amount > 0:
        return InvoiceStatus.PARTIAL
    return InvoiceStatus.OPEN


class PaymentImporter(DocumentImporter):
    model = Payment
    fields = ("payment_date", "amount", "currency")

    def check(self, rows: list[ParsedRow]) -> None:
        super().check(rows)
        numbers = {r.values["invoice_number"] for r in rows if r.values.get("invoice_number")}
        self.invoices = Invoice.objects.in_bulk(numbers, field_name="number")
        replaced = {r.values["number"] for r in rows if "number" in r.values}
        allocated = dict(
            PaymentAllocation.objects.filter(invoice__number__in=numbers)
            .exclude(payment__number__in=replaced)
            .values("invoice__number")
            .annotate(total=Sum("amount"))
            .values_list("invoice__number", "total")
        )
        pending: dict[str, Decimal] = defaultdict(Decimal)
        for row in rows:
            if not row.errors and row.values.get("invoice_number"):
                self._check_allocation(row, allocated, pending)

    def _check_allocation(self, row: ParsedRow, allocated: dict, pending: dict) -> None:
        values = row.values
        invoice = self.invoices.get(values["invoice_number"])
        if invoice is None:
            row.fail(
                "invoice_number",
                ImportErrorCode.UNKNOWN_INVOICE,
                "系统中没有该发票 / no such invoice",
            )
            return
        if invoice.customer_id != values["_customer"].pk:
            row.fail(
                "invoice_number",
                ImportErrorCode.CONFLICT,
                "发票属于其他客户 / the invoice belongs to another customer",
            )
            return
        open_amount = invoice.amount - allocated.get(invoice.number, Decimal("0"))
        open_amount -= pending[invoice.number]
        amount = values.get("allocated_amount", min(values["amount"], max(open_amount, Decimal(0))))
        if amount > values["amount"]:
            row.fail(
                "allocated_amount",
                ImportErrorCode.INCONSISTENT,
                "核销金额超过收款金额 / allocation exceeds the payment",
            )
        elif amount > open_amount:
            row.fail(
                "allocated_amount",
                ImportErrorCode.INCONSISTENT,
                f"核销金额超过发票未付金额 {open_amount} / allocation exceeds the open amount",
            )
        values["allocated_amount"] = amount
        pending[invoice.number] += amount

    def apply(self, rows: list[ParsedRow], actor) -> tuple[int, int]:
        created, updated = super().apply(rows, actor)
        payments = Payment.objects.in_bulk([r.values["number"] for r in rows], field_name="number")
        PaymentAllocation.objects.filter(payment__in=payments.values()).delete()
        allocations = [
            PaymentAllocation(
                payment=payments[r.values["number"]],
                invoice=self.invoices[r.values["invoice_number"]],
                amount=r.values["allocated_amount"],
            )
            for r in rows
            if r.values.get("invoice_number") and r.values["allocated_amount"] > 0
        ]
        PaymentAllocation.objects.bulk_create(allocations, batch_size=BATCH)
        recalculate_invoices([a.invoice_id for a in allocations], actor=actor)
        return created, updated


def recalculate_invoices(invoice_ids: list[int], *, actor) -> None:
    """Paid amount, status and paid date of invoices follow their payment allocations."""
    invoices = list(Invoice.objects.filter(pk__in=set(invoice_ids)))
    allocations = defaultdict(list)
    for allocation in (
        PaymentAllocation.objects.filter(invoice__in=invoices)
        .select_related("payment")
        .order_by("payment__payment_date", "payment_id")
    ):
        allocations[allocation.invoice_id].append(allocation)
    for invoice in invoices:
        running, paid_date = Decimal("0"), None
        for allocation in allocations[invoice.pk]:
            running += allocation.amount
            if paid_date is None and running >= invoice.amount:
                paid_date = allocation.payment.payment_date
        invoice.paid_amount, invoice.paid_date = running, paid_date
        if invoice.status != InvoiceStatus.CANCELLED:
            invoice.status = infer_invoice_status(invoice)
    bulk_update_with_history(
        invoices,
        Invoice,
        ["paid_amount", "paid_date", "status"],
        batch_size=BATCH,
        default_user=actor,
    )


IMPORTERS = {
    "customers": CustomerImporter,
    "orders": OrderImporter,
    "invoices": InvoiceImporter,
    "payments": PaymentImporter,
}
