"""``riskdesk onboard (--name NAME | --uscc CODE) [--owner USER] [--user USER] [--format json]``."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from riskdesk.accounts.services import cli_actor
from riskdesk.onboarding import services


class Command(BaseCommand):
    help = "新建准入：查找企业、获取档案、评估并记录结论 / Admit a new customer."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--name", help="企业名称 / company name")
        which.add_argument("--uscc", metavar="CODE", help="统一社会信用代码 / USCC")
        parser.add_argument("--owner", help="客户经理用户名 / owner's username")
        parser.add_argument("--user", help="以该用户身份执行 / act as this user")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        try:
            actor = cli_actor(options["user"])
            owner = cli_actor(options["owner"]) if options["owner"] else None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        try:
            case = services.start_admission(
                actor=actor, uscc=options["uscc"], name=options["name"], owner=owner
            )
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from exc
        summary = services.case_summary(case)
        if options["format"] == "json":
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        self.stdout.write(
            f"准入案例 case #{summary['case_id']} · {summary['customer']} {summary['uscc']} · "
            f"{summary['status']} · 等级 grade {summary['grade'] or '-'} · "
            f"建议额度 limit {summary['proposed_limit'] or '-'}"
        )
        for reason in summary["reasons"]:
            self.stdout.write(f"  - {reason['reason']} / {reason['reason_en'] or reason['code']}")
