"""``riskdesk audit verify-assessments [--since DATE]``: prove every assessment replays."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from riskdesk.assessments import services
from riskdesk.assessments.management.commands.assess import parse_date

MAX_LISTED_DIFFERENCES = 200


class Command(BaseCommand):
    help = "审计工具 / Audit tools: verify-assessments."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser(
            "verify-assessments",
            help="重放评估记录并核对结果 / replay assessments and compare their outputs",
        )
        verify.add_argument("--since", help="只核对该日期及以后的评估 / only from this date")

    def handle(self, *args, action, **options):
        report = services.verify_assessments(since=parse_date(options.get("since")))
        for assessment_id, customer_id, differences in report.differing[:MAX_LISTED_DIFFERENCES]:
            self.stdout.write(
                f"不一致 differs: assessment #{assessment_id} customer #{customer_id}"
            )
            for key, (stored, replayed) in differences.items():
                self.stdout.write(
                    f"  {key}: stored {json.dumps(stored, ensure_ascii=False)} → "
                    f"replayed {json.dumps(replayed, ensure_ascii=False)}"
                )
        self.stdout.write(
            f"{report.identical} of {report.total} assessments replay identically "
            f"（{report.total} 条评估中 {report.identical} 条重放结果一致）"
        )
        if not report.ok:
            raise CommandError(
                f"{len(report.differing)} 条评估重放结果不一致 / "
                f"{len(report.differing)} assessments differ on replay"
            )
