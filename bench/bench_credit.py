"""Order credit check benchmark: ``POST /api/credit/check`` over HTTP, 20 concurrent clients.

Run on purpose (never as a test):

    .venv/bin/python bench/bench_credit.py \
        --database-url postgresql://postgres@127.0.0.1:5432/rd_credit_bench
    .venv/bin/python bench/bench_credit.py --sqlite      # the same on a SQLite file

The bench (re)creates the database (PostgreSQL: drops and creates the named database; SQLite:
a file in a temp dir), migrates it, adds N customers with limits and trading history (invoices
over 18 months, some open or paid late, and orders), a credit controller and its
API token, then starts gunicorn (gthread) on a free port in a subprocess and sends the orders
from a pool of client threads, each with its own keep-alive httpx client and token auth.
A share of the orders goes to a few "hot" customers, so concurrent checks of one customer
wait on its row lock. Reports p50/p90/p99 latency, throughput and the decisions.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx

ROOT = Path(__file__).resolve().parents[1]


def _recreate_postgres(url: str) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def _environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "RISKDESK_DATABASE_URL": database_url,
        "RISKDESK_SECRET_KEY": "bench-credit-not-secret",
        "RISKDESK_HTTPS": "0",
        "RISKDESK_ALLOWED_HOSTS": "127.0.0.1",
        "RISKDESK_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "riskdesk.settings",
    }


def prepare(customers: int, invoices_per_customer: int, small_limit_share: float) -> str:
    """Migrate, add customers with limits, trading history and a credit controller; return
    the controller's API token."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from decimal import Decimal

    from riskdesk.accounts.choices import Role
    from riskdesk.accounts.models import User
    from riskdesk.accounts.services import create_api_token, set_roles
    from riskdesk.credit.models import CreditLimit
    from riskdesk.customers.models import Customer
    from riskdesk.customers.services import business_today
    from riskdesk.dossier.uscc import generate_uscc

    controller = User.objects.create_user(username="bench_credit", password="bench-pw-123")
    set_roles(user=controller, roles=[Role.CREDIT_CONTROLLER], actor=None)
    rng = random.Random(7)
    made = Customer.objects.bulk_create(
        Customer(name=f"压测客户{n:06d}有限公司", uscc=generate_uscc(rng), status="active")
        for n in range(customers)
    )
    today = business_today()
    CreditLimit.objects.bulk_create(
        CreditLimit(
            customer=customer,
            amount=Decimal("50000") if rng.random() < small_limit_share else Decimal("50000000"),
            valid_from=today,
            source="manual",
        )
        for customer in made
    )
    _trading_history(made, invoices_per_customer, rng, today)
    return create_api_token(user=controller, actor=controller).key


def _trading_history(customers, invoices_per_customer: int, rng: random.Random, today) -> None:
    """Invoices over the last 18 months (most paid, some late, some open) and a few orders."""
    import datetime as dt
    from decimal import Decimal

    from riskdesk.customers.models import Invoice, Order

    invoices, orders = [], []
    for customer in customers:
        for n in range(invoices_per_customer):
            issue = today - dt.timedelta(days=rng.randint(0, 540))
            due = issue + dt.timedelta(days=30)
            amount = Decimal(rng.randint(1_000, 200_000))
            # settled unless recent; a rare invoice stays unpaid long past due (a hold)
            paid = due < today - dt.timedelta(days=10) and rng.random() > 0.002
            invoices.append(
                Invoice(
                    customer=customer,
                    number=f"B-INV-{customer.pk}-{n}",
                    issue_date=issue,
                    due_date=due,
                    amount=amount,
                    paid_amount=amount if paid else Decimal("0"),
                    paid_date=due + dt.timedelta(days=rng.randint(-10, 10)) if paid else None,
                    status="paid" if paid else "open",
                )
            )
        for n in range(invoices_per_customer // 4):
            orders.append(
                Order(
                    customer=customer,
                    number=f"B-SO-{customer.pk}-{n}",
                    order_date=today - dt.timedelta(days=rng.randint(0, 60)),
                    amount=Decimal(rng.randint(1_000, 100_000)),
                    status=rng.choice(["open", "fulfilled"]),
                )
            )
    Invoice.objects.bulk_create(invoices, batch_size=5000)
    Order.objects.bulk_create(orders, batch_size=5000)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], workers: int, threads: int) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "riskdesk.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.post(f"{base}/api/credit/check", timeout=1)  # any answer (401) means up
            return server, base
        except httpx.HTTPError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def _orders(count: int, customer_ids: list[int], hot: int, hot_share: float):
    rng = random.Random(11)
    hot_ids = customer_ids[:hot]
    for n in range(count):
        pool = hot_ids if rng.random() < hot_share else customer_ids
        yield {
            "customer": str(rng.choice(pool)),
            "order_reference": f"BENCH-{n:07d}",
            "amount": str(rng.randint(100, 20000)),
        }


def fire(base: str, token: str, orders: list[dict], clients: int):
    latencies: list[float] = []
    decisions: dict[str, int] = {}
    lock = threading.Lock()
    queue = iter(orders)
    headers = {"Authorization": f"Token {token}"}

    def client() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            while True:
                with lock:
                    order = next(queue, None)
                if order is None:
                    return
                start = time.perf_counter()
                response = http.post("/api/credit/check", json=order)
                elapsed = (time.perf_counter() - start) * 1000
                key = response.json().get("decision") if response.status_code == 200 else None
                with lock:
                    latencies.append(elapsed)
                    key = key or f"http {response.status_code}"
                    decisions[key] = decisions.get(key, 0) + 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, decisions, time.perf_counter() - start


def _percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/rd_credit_bench"
    )
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--orders", type=int, default=4000)
    parser.add_argument("--invoices", type=int, default=40, help="invoices per customer")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=10)
    parser.add_argument("--hot", type=int, default=5, help="customers that share orders")
    parser.add_argument("--hot-share", type=float, default=0.2)
    args = parser.parse_args()

    if args.sqlite:
        database_url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-credit-')}/bench.sqlite3"
    else:
        database_url = args.database_url
        _recreate_postgres(database_url)
    env = _environment(database_url)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    token = prepare(args.customers, args.invoices, small_limit_share=0.1)
    from riskdesk.customers.models import Customer

    customer_ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    orders = list(_orders(args.warmup + args.orders, customer_ids, args.hot, args.hot_share))
    server, base = start_server(env, args.workers, args.threads)
    try:
        fire(base, token, orders[: args.warmup], args.clients)
        latencies, decisions, wall = fire(base, token, orders[args.warmup :], args.clients)
    finally:
        server.terminate()
        server.wait(timeout=30)
    engine = "SQLite" if args.sqlite else "PostgreSQL"
    print(
        f"{engine}: {args.orders} orders, {args.clients} clients, {args.customers} customers "
        f"with {args.invoices} invoices each "
        f"({args.hot} hot customers get {args.hot_share:.0%} of the orders), "
        f"gunicorn {args.workers} workers x {args.threads} threads"
    )
    print(
        f"  p50 {_percentile(latencies, 50):.1f} ms  p90 {_percentile(latencies, 90):.1f} ms  "
        f"p99 {_percentile(latencies, 99):.1f} ms  mean {statistics.mean(latencies):.1f} ms"
    )
    print(f"  throughput {len(latencies) / wall:.0f} checks/s over {wall:.1f} s")
    print(f"  decisions {dict(sorted(decisions.items()))}")


if __name__ == "__main__":
    main()
