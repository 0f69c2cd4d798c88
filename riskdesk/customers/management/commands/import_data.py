import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from riskdesk.accounts.services import cli_actor
from riskdesk.customers import services
from riskdesk.customers.imports.specs import SPECS


class Command(BaseCommand):
    help = (
        "导入客户 / 订单 / 发票 / 收款（CSV 或 Excel）。"
        "Import customers, orders, invoices or payments."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(SPECS))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入 / validate only")
        parser.add_argument("--valid-only", action="store_true", help="跳过错误行 / skip bad rows")
        parser.add_argument("--encoding", help="CSV 编码，如 gbk / CSV encoding, e.g. gbk")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--user", help="以该用户身份导入 / act as this user")

    def handle(self, *args, kind, file, dry_run, valid_only, encoding, format, user, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在 / no such file: {file}")
        try:
            actor = cli_actor(user)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        result = services.import_records(
            kind=kind,
            content=path.read_bytes(),
            filename=path.name,
            actor=actor,
            dry_run=dry_run,
            valid_only=valid_only,
            encoding=encoding,
        )
        if format == "json":
            payload = {
                k: v
                for k, v in result.to_dict().items()
                if k in ("ok", "created", "updated", "errors", "dry_run", "total_rows", "skipped")
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
        else:
            self._write_text(result)
        if result.errors:
            raise SystemExit(1)

    def _write_text(self, result) -> None:
        verb = "将" if result.dry_run else "已"
        self.stdout.write(
            f"{result.kind}: {result.total_rows} 行；{verb}新增 {result.created}，"
            f"{verb}更新 {result.updated}"
            f"，错误 {len(result.errors)}"
        )
        for error in result.errors:
            self.stdout.write(
                f"  第 {error.row} 行 [{error.column}] {error.value!r}: {error.message}"
            )
        if result.errors and not result.applied:
            self.stdout.write("未写入任何数据 / nothing was written")
