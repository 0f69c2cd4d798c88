"""``riskdesk monitoring digest [--now] [--period daily|weekly|immediate]`` and
``riskdesk monitoring deliveries [--retry-dead] [--send]``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from riskdesk.accounts.services import cli_actor
from riskdesk.monitoring import delivery
from riskdesk.monitoring.choices import DeliveryStatus, Period
from riskdesk.monitoring.models import Delivery

PERIODS = [Period.IMMEDIATE.value, Period.DAILY.value, Period.WEEKLY.value]


class Command(BaseCommand):
    help = "监控预警：汇总与发送 / Monitoring: digests and deliveries."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        digest = sub.add_parser("digest", help="生成并发送汇总 / build and send digests")
        digest.add_argument(
            "--now",
            action="store_true",
            help="不等汇总时间，立即生成 / build every digest now, not at its time",
        )
        digest.add_argument(
            "--period",
            action="append",
            choices=PERIODS,
            help="只处理该周期（可重复）/ only this period (repeatable)",
        )
        deliveries = sub.add_parser("deliveries", help="发送记录 / the delivery log")
        deliveries.add_argument(
            "--retry-dead", action="store_true", help="重试已放弃的发送 / retry dead deliveries"
        )
        deliveries.add_argument(
            "--send", action="store_true", help="立即发送到期的 / send what is due now"
        )
        deliveries.add_argument("--user", help="以该用户身份执行 / act as this user")

    def handle(self, *args, action, **options):
        if action == "digest":
            self._digest(options)
        else:
            self._deliveries(options)

    def _digest(self, options) -> None:
        summary = delivery.run_digests(force=options["now"], periods=options["period"])
        sent = summary.sent
        self.stdout.write(
            f"即时 immediate {summary.immediate} · 汇总 digests {summary.digests} · "
            f"已发送 sent {sent.sent} · 失败 failed {sent.failed} · 放弃 dead {sent.dead}"
        )

    def _deliveries(self, options) -> None:
        if options["retry_dead"]:
            try:
                actor = cli_actor(options["user"])
                count = delivery.retry_dead(actor=actor)
            except (ValueError, PermissionDenied) as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"重新排队 requeued {count}")
        if options["send"]:
            sent = delivery.send_due_deliveries()
            self.stdout.write(f"已发送 sent {sent.sent} · 失败 failed {sent.failed}")
        for status in DeliveryStatus.values:
            count = Delivery.objects.filter(status=status).count()
            self.stdout.write(f"{status:8} {count}")
