"""Foundation benchmark: demo data at scale, the customer list page and trading aggregates.

Run on purpose (never as a test):

    .venv/bin/python bench/bench_foundation.py --customers 200000 [--database-url URL]

It builds a fresh database (SQLite file in a temp dir by default), loads demo customers with
`riskdesk demo --customers N`, then times the pages a user opens most, in-process through
Django's test client (server time, no network), reporting medians and p95 of repeated runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def load(customers: int, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "riskdesk.cli", "demo", "--customers", str(customers)],
        check=True,
        env=env,
        cwd=ROOT,
    )
    return time.perf_counter() - start


def measure(repeat: int) -> list[tuple[str, float, float]]:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("collectstatic", interactive=False, verbosity=0)
    from django.test import Client
    from django.utils import timezone

    from riskdesk.accounts.models import User
    from riskdesk.customers.aggregates import customer_aggregates, portfolio_aggregates
    from riskdesk.customers.models import Customer

    risk, sales = User.objects.get(username="risk"), User.objects.get(username="sales1")
    client, sales_client = Client(), Client()
    client.force_login(risk)
    sales_client.force_login(sales)
    last_page = Customer.objects.count() // 50
    some = Customer.objects.order_by("pk")[Customer.objects.count() // 2]
    today = timezone.localdate()

    def get(c, url, **params):
        def call():
            response = c.get(url, params)
            assert response.status_code == 200, response.status_code

        return call

    cases = [
        ("list page 1 (risk manager)", get(client, "/customers/")),
        ("list page 1 (sales, own+team)", get(sales_client, "/customers/")),
        (
            "list filtered industry+province",
            get(client, "/customers/", industry="制造业", province="广东省"),
        ),
        ("list search by name", get(client, "/customers/", q="科技")),
        ("list sorted by -province", get(client, "/customers/", sort="-province")),
        ("list last page", get(client, "/customers/", page=str(last_page))),
        (
            "list htmx partial",
            lambda: client.get("/customers/", {"page": "3"}, HTTP_HX_REQUEST="true"),
        ),
        ("customer detail page", get(client, f"/customers/{some.pk}/")),
        ("dashboard", get(client, "/")),
        ("API list /api/customers/", get(client, "/api/customers/")),
        ("aggregates, one customer", lambda: customer_aggregates(some.pk, as_of=today)),
    ]
    results = [(name, *timed(fn, repeat)) for name, fn in cases]
    results.append(
        ("aggregates, whole portfolio", *timed(lambda: portfolio_aggregates(as_of=today), 3))
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url")
    parser.add_argument("--reuse", help="data dir of an earlier run: skip loading, only measure")
    args = parser.parse_args()
    workdir = args.reuse or tempfile.mkdtemp(prefix="riskdesk-bench-")
    env = dict(
        os.environ,
        RISKDESK_DEMO="1",
        RISKDESK_DATA_DIR=workdir,
        DJANGO_SETTINGS_MODULE="riskdesk.settings",
        RISKDESK_ALLOWED_HOSTS="testserver",
    )
    if args.database_url:
        env["RISKDESK_DATABASE_URL"] = args.database_url
    os.environ.update(env)
    if not args.reuse:
        seconds = load(args.customers, env)
        print(
            f"\nloaded {args.customers:,} demo customers in {seconds:.1f} s "
            f"({args.customers / seconds:,.0f} customers/s) into {args.database_url or workdir}"
        )
    results = measure(args.repeat)
    width = max(len(name) for name, *_ in results)
    print(f"\n{'case':<{width}}  {'median ms':>10}  {'p95 ms':>8}")
    for name, median, p95 in results:
        print(f"{name:<{width}}  {median:>10.1f}  {p95:>8.1f}")


if __name__ == "__main__":
    main()
