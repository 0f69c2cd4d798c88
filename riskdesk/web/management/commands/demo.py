import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from riskdesk.accounts.services import DEMO_PASSWORD, DEMO_USERS, ensure_demo_users
from riskdesk.audit.choices import AuditAction
from riskdesk.audit.services import record_event
from riskdesk.customers.demo import generate_demo_data
from riskdesk.customers.models import Customer
from riskdesk.monitoring.demo import ensure_demo_rule

DEFAULT_CUSTOMERS = 300
INTEL_LIMIT = 5_000  # beyond this, fetching sandbox dossiers would dominate a benchmark load


class Command(BaseCommand):
    help = (
        "加载演示数据并启动 Web + 后台任务 / Load demo data and run web + worker + scheduler. "
        "With --customers N it loads N more customers and exits (add --serve to run as well)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, help="要生成的客户数 / customers to generate")
        parser.add_argument(
            "--serve", action="store_true", help="加载后启动服务 / serve afterwards"
        )
        parser.add_argument("--seed", type=int, default=20261128)
        parser.add_argument(
            "--with-intel",
            action="store_true",
            help="大批量时也获取企业档案并评估 / fetch dossiers and assess even for large loads",
        )
        parser.add_argument("--bind", default="127.0.0.1:8000")

    def handle(self, *args, customers, serve, seed, bind, with_intel, **options):
        if not settings.DEMO_MODE:
            self.stderr.write("提示：未设置 RISKDESK_DEMO=1 / note: RISKDESK_DEMO=1 is not set")
        call_command("migrate", interactive=False, verbosity=0)
        users = ensure_demo_users()
        ensure_demo_rule()
        count = (
            customers
            if customers is not None
            else (0 if Customer.objects.exists() else DEFAULT_CUSTOMERS)
        )
        if count:
            self._load(count, seed, users)
            if count <= INTEL_LIMIT or with_intel:
                self._fetch_dossiers()
                self._assess_all()
            else:
                self.stdout.write(
                    f"客户超过 {INTEL_LIMIT} 个，未获取企业档案；需要时运行 "
                    "riskdesk intel refresh --all / "
                    f"more than {INTEL_LIMIT} customers: dossiers not fetched (--with-intel)"
                )
        if customers is None or serve:
            self._print_logins(bind)
            self._serve(bind)

    def _load(self, count: int, seed: int, users) -> None:
        owners = [(u.pk, u.team_id) for u in users if u.has_role("sales")]
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            width = 30
            filled = int(width * done / total)
            self.stdout.write(
                f"\r演示数据 demo data [{'#' * filled}{'.' * (width - filled)}] {done}/{total}",
                ending="",
            )
            self.stdout.flush()

        summary = generate_demo_data(
            customers=count, owners=owners, seed=seed + Customer.objects.count(), progress=progress
        )
        record_event(
            actor=None, actor_name="demo", action=AuditAction.DEMO_LOADED, extra=summary.__dict__
        )
        self.stdout.write(
            f"\n已生成 {summary.customers} 个客户、{summary.orders} 笔订单、"
            f"{summary.invoices} 张发票、"
            f"{summary.payments} 笔收款（{time.monotonic() - started:.1f} 秒）"
        )

    def _fetch_dossiers(self) -> None:
        """Sandbox dossiers for every new customer: a baseline half a year ago, then today's,
        so the profiles open with a change timeline already."""
        from riskdesk.intel.demo import load_demo_dossiers

        started = time.monotonic()
        summary = load_demo_dossiers()
        self.stdout.write(
            f"已获取 {summary['customers']} 份企业档案、{summary['events']} 条变更事件"
            f"（{time.monotonic() - started:.1f} 秒）"
        )

    def _assess_all(self) -> None:
        """Assess every customer with the published policy, so each profile shows a grade."""
        from riskdesk.assessments.services import SYSTEM, assess_portfolio

        started = time.monotonic()
        batch = assess_portfolio(actor=SYSTEM, inline=True)
        self.stdout.write(f"已评估 {batch.done} 个客户（{time.monotonic() - started:.1f} 秒）")

    def _print_logins(self, bind: str) -> None:
        self.stdout.write(
            self.style.WARNING(
                "\n⚠ 演示模式 DEMO MODE：数据为虚构，密钥不安全，请勿用于生产 / "
                "fictitious data, insecure key, "
                "not for production."
            )
        )
        self.stdout.write(
            f"\n打开 Open http://{bind}/  ——  演示账号 demo logins (密码 password: {DEMO_PASSWORD})"
        )
        for username, display, roles, team in DEMO_USERS:
            self.stdout.write(
                f"  {username:<8} {roles[0]:<18} {display}{'（' + team + '）' if team else ''}"
            )
        self.stdout.write("")

    def _serve(self, bind: str) -> None:
        processes = [
            subprocess.Popen([sys.executable, "-m", "riskdesk.cli", "worker"]),
            subprocess.Popen([sys.executable, "-m", "riskdesk.cli", "serve", "--bind", bind]),
        ]

        def stop(*_args) -> None:
            for process in processes:
                process.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
        finally:
            stop()
            for process in processes:
                process.wait(timeout=20)
