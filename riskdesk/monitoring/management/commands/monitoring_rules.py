"""``riskdesk monitoring_rules export [FILE]`` and ``import FILE [--dry-run]`` [--user USER]."""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from riskdesk.accounts.services import cli_actor
from riskdesk.monitoring import rules_io


class Command(BaseCommand):
    help = "导出或导入监控规则（YAML）/ Export or import monitoring rules (YAML)"

    def add_arguments(self, parser):
        parser.add_argument("--user", help="以该用户身份执行 / act as this user")
        sub = parser.add_subparsers(dest="verb", required=True)
        export = sub.add_parser("export", help="导出 / export")
        export.add_argument("file", nargs="?", help="输出文件，缺省为标准输出 / default stdout")
        load = sub.add_parser("import", help="导入（全部或全不）/ import (all or nothing)")
        load.add_argument("file")
        load.add_argument("--dry-run", action="store_true", help="只校验 / validate only")

    def handle(self, *args, verb, file=None, **options):
        try:
            actor = cli_actor(options["user"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        try:
            if verb == "export":
                return self._export(actor, file)
            return self._import(actor, file, options["dry_run"])
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc

    def _export(self, actor, file) -> None:
        text = rules_io.export_rules(actor=actor)
        if file:
            Path(file).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")

    def _import(self, actor, file, dry_run: bool) -> None:
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
