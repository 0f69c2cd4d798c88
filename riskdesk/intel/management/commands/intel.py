"""``riskdesk intel refresh [--all | --customer USCC] [--as-of DATE] [--provider ID] [--force]``.

(``riskdesk intel screen …`` never reaches Django: ``riskdesk/cli.py`` routes it to the
sanctions screener.)
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from riskdesk.accounts.services import cli_actor
from riskdesk.customers.models import Customer
from riskdesk.dossier.uscc import UsccError, validate_uscc
from riskdesk.intel import services
from riskdesk.jobs import services as jobs

BAR_WIDTH = 30


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD / dates are YYYY-MM-DD: {text!r}") from None


class Command(BaseCommand):
    help = "企业情报：刷新企业档案 / Enterprise intelligence: refresh dossiers."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        refresh = sub.add_parser("refresh", help="刷新企业档案 / refresh dossiers")
        which = refresh.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="全部客户 / every customer")
        which.add_argument("--customer", metavar="USCC", help="一个客户 / one customer")
        refresh.add_argument("--as-of", help="数据日期 YYYY-MM-DD / data date")
        refresh.add_argument("--provider", help="只用该数据源 / only this provider")
        refresh.add_argument(
            "--force", action="store_true", help="忽略有效期 / ignore the age rule"
        )
        refresh.add_argument("--user", help="以该用户身份执行 / act as this user")

    def handle(self, *args, action, **options):
        try:
            actor = cli_actor(options["user"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        as_of = _date(options["as_of"]) if options["as_of"] else None
        try:
            if options["customer"]:
                self._refresh_one(actor, options["customer"], as_of, options)
            else:
                self._refresh_all(actor, as_of, options)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from exc

    def _refresh_one(self, actor, uscc: str, as_of, options) -> None:
        try:
            customer = Customer.objects.get(uscc=validate_uscc(uscc))
        except (UsccError, Customer.DoesNotExist):
            raise CommandError(f"没有该客户 / no customer with USCC {uscc}") from None
        result = services.refresh_dossier(
            customer=customer,
            actor=actor,
            force=options["force"],
            as_of=as_of,
            provider_id=options["provider"],
        )
        self.stdout.write(
            f"{customer.name}: {result.status} · {result.provider_id or '-'} · "
            f"新事件 new events {result.events}"
        )
        for error in result.errors:
            self.stderr.write(f"  {error}")
        if result.status == "failed":
            raise CommandError("刷新失败 / refresh failed")

    def _refresh_all(self, actor, as_of, options) -> None:
        if options["provider"]:
            services.provider_waterfall(options["provider"])
        job = jobs.start_job(
            kind="intel.refresh", title="刷新全部企业档案 / Refresh dossiers", actor=actor
        )
        summary = services.refresh_all_dossiers(
            actor=actor,
            as_of=as_of,
            provider_id=options["provider"],
            force=options["force"],
            job_id=job.pk,
            progress=self._progress,
        )
        jobs.finish_job(job_id=job.pk, result=summary.as_dict())
        counts = summary.counts
        self.stdout.write(
            f"\n完成 done: {summary.done} 家 customers · 更新 created {counts['created']} · "
            f"无变化 unchanged {counts['unchanged']} · 有效期内 fresh {counts['fresh']} · "
            f"失败 failed {counts['failed'] + counts['crashed']} · 新事件 events {counts['events']}"
        )

    def _progress(self, done: int, total: int) -> None:
        filled = int(BAR_WIDTH * done / total) if total else BAR_WIDTH
        self.stdout.write(
            f"\r刷新 refresh [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total}", ending=""
        )
        self.stdout.flush()
