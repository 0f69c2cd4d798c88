"""``riskdesk assess (--all | --customer USCC) [--as-of DATE] [--chunk-size N] [--user NAME]``."""

from __future__ import annotations

import datetime as dt
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from riskdesk.accounts.services import cli_actor
from riskdesk.assessments import services
from riskdesk.customers.models import Customer
from riskdesk.dossier.uscc import UsccError, validate_uscc

BAR_WIDTH = 30


def parse_date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD / dates are YYYY-MM-DD: {text!r}") from None


class Command(BaseCommand):
    help = "风险评估：评估一个或全部客户 / Assess one customer or the whole portfolio."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="全部客户 / every customer")
        which.add_argument("--customer", metavar="USCC", help="一个客户 / one customer")
        parser.add_argument("--as-of", help="数据日期 YYYY-MM-DD / data date")
        parser.add_argument(
            "--chunk-size", type=int, default=services.CHUNK_SIZE, help="每批客户数 / per chunk"
        )
        parser.add_argument("--user", help="以该用户身份执行 / act as this user")

    def handle(self, *args, **options):
        try:
            actor = cli_actor(options["user"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        as_of = parse_date(options["as_of"])
        try:
            if options["customer"]:
                self._assess_one(actor, options["customer"], as_of)
            else:
                self._assess_all(actor, as_of, options["chunk_size"])
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from exc

    def _assess_one(self, actor, uscc: str, as_of) -> None:
        try:
            customer = Customer.objects.get(uscc=validate_uscc(uscc))
        except (UsccError, Customer.DoesNotExist):
            raise CommandError(f"没有该客户 / no customer with USCC {uscc}") from None
        progress = self._progress_bar()
        progress(0, 1)
        assessment = services.assess_customer(customer=customer, actor=actor, as_of=as_of)
        progress(1, 1)
        self.stderr.write("")
        outputs = assessment.outputs
        score = "-" if outputs["score"] is None else f"{outputs['score']:.1f}"
        limit = "-" if outputs["limit"] is None else f"{outputs['limit']:,.0f}"
        self.stdout.write(
            f"{customer.name}: 等级 grade {outputs['grade'] or '-'} · 评分 score {score} · "
            f"准入 admission {outputs['admission']} · 建议额度 limit {limit} "
            f"({assessment.policy_version})"
        )

    def _assess_all(self, actor, as_of, chunk_size: int) -> None:
        batch = services.assess_portfolio(
            actor=actor,
            as_of=as_of,
            chunk_size=chunk_size,
            inline=True,
            progress=self._progress_bar(),
        )
        self.stderr.write("")
        self.stdout.write(
            f"批次 batch #{batch.pk} ({batch.get_status_display()}): "
            f"已评估 assessed {batch.done} / {batch.total} · 策略 policy {batch.policy_version}\n"
            f"{services.batch_summary(batch)}"
        )
        failures = services.batch_failures(batch)
        for failure in failures:
            self.stdout.write(
                f"  客户 customer #{failure['customer_id']} [{failure['stage']}]: "
                f"{failure['error']}"
            )
        if len(failures) == services.FAILURES_SHOWN:
            self.stdout.write(f"  … (前 {len(failures)} 条 / first {len(failures)} shown)")
        if batch.status != "succeeded":
            raise CommandError(batch.error or "批量评估未完成 / the batch did not finish")

    def _progress_bar(self):
        """A progress line on stderr, rewritten in place, with the rate since the start."""
        started = time.monotonic()

        def show(done: int, total: int) -> None:
            filled = int(BAR_WIDTH * done / total) if total else BAR_WIDTH
            rate = done / max(time.monotonic() - started, 1e-9)
            self.stderr.write(
                f"\r评估 assess [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} "
                f"· {rate:,.0f}/s",
                ending="",
            )
            self.stderr.flush()

        return show
