"""``riskdesk monitoring digest [--now] [--period daily|weekly|immediate]``,
``riskdesk monitoring deliveries [--retry-dead] [--send]`` and
``riskdesk monitoring rules export [FILE] | import FILE [--dry-run]`` (YAML, all or nothing)."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from riskdesk.accounts.services import cli_actor
from riskdesk.monitoring import delivery, rules_io
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
        rules = sub.add_parser("rules", help="导出或导入监控规则（YAML）/ export or import rules")
        rules.add_argument("--user", help="以该用户身份执行 / act as this user")
        verbs = rules.add_subparsers(dest="verb", required=True)
        export = verbs.add_parser("export", help="导出 / export")
        export.add_argument("file", nargs="?", help="输出文件，缺省为标准输出 / default stdout")
        load = verbs.add_parser("import", help="导入（全部或全不）/ import (all or nothing)")
        load.add_argument("file")
        load.add_argument("--dry-run", action="store_true", help="只校验 / validate only")

    def handle(self, *args, action, **options):
        if action == "digest":
            self._digest(options)
        elif action == "rules":
            self._rules(options)
        else:
            self._deliveries(options)

    def _rules(self, options) -> None:
        try:
            actor = cli_actor(options["user"])
            if options["verb"] == "export":
                self._export_rules(actor, options.get("file"))
            else:
                self._import_rules(actor, options["file"], options["dry_run"])
        except (ValueError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from exc

    def _export_rules(self, actor, file: str | None) -> None:
        text = rules_io.export_rules(actor=actor)
        if file:
            Path(file).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")

    def _import_rules(self, actor, file: str, dry_run: bool) -> None:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"无法读取文件 / cannot read {file}: {exc}") from exc
        try:
            report = rules_io.import_rules(text=text, actor=actor, dry_run=dry_run)
        except rules_io.RuleImportError as exc:
            for problem in exc.errors:
                for field, items in problem["errors"].items():
                    for item in items:
                        self.stderr.write(
                            f"规则 rule {problem['rule'] or '-'} ({problem.get('name') or '-'}) "
                            f"{field} [{item['code']}]: {item['message']}"
                        )
            raise CommandError(str(exc)) from exc
        prefix = "试运行，未保存 / dry run, nothing saved: " if dry_run else ""
        self.stdout.write(
            f"{prefix}新建 created {len(report.created)} · 更新 updated {len(report.updated)} · "
            f"未变 unchanged {len(report.unchanged)}"
        )

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
