"""Time from "new prospect" to a fully rendered risk profile page, sandbox provider.

Run on purpose (never as a test):

    .venv/bin/python bench/bench_intel.py [--runs 30] [--database-url URL]

Each run: a salesperson searches a name, registers the first candidate as a prospect (the
sandbox dossier is fetched and stored), then the profile page is rendered — the overview and,
separately, all six tabs — in-process through Django's test client (server time, no network).
The first run pays the one-off start-up (Faker pools) and is reported apart. Target: ≤ 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

WORDS = [
    "华盛",
    "鑫达",
    "通宏",
    "远泰",
    "恒瑞",
    "丰源",
    "信诚",
    "安隆",
    "兴昌",
    "盈嘉",
    "德明",
    "新康",
    "利永",
    "汇金",
    "博润",
    "宇晨",
]
TABS = ["overview", "background", "licences", "judicial", "tax", "news"]


def setup(database_url: str | None) -> None:
    workdir = tempfile.mkdtemp(prefix="riskdesk-bench-intel-")
    os.environ.update(
        RISKDESK_DEMO="1",
        RISKDESK_DATA_DIR=workdir,
        DJANGO_SETTINGS_MODULE="riskdesk.settings",
        RISKDESK_ALLOWED_HOSTS="testserver",
        RISKDESK_TASKS_IMMEDIATE="1",
    )
    if database_url:
        os.environ["RISKDESK_DATABASE_URL"] = database_url
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def one_run(client, sales, query: str) -> tuple[float, float]:
    from riskdesk.intel import services

    start = time.perf_counter()
    candidate = next(
        c
        for c in services.search_prospects(query=query, actor=sales)
        if not c.customer_id and not c.registered_elsewhere
    )
    customer = services.create_prospect(actor=sales, uscc=candidate.uscc, name=candidate.name)
    response = client.get(f"/customers/{customer.pk}/profile/")
    assert response.status_code == 200 and candidate.name in response.content.decode()
    overview = time.perf_counter() - start
    for tab in TABS[1:]:
        assert client.get(f"/customers/{customer.pk}/profile/", {"tab": tab}).status_code == 200
    return overview * 1000, (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    setup(args.database_url)
    from django.test import Client

    from riskdesk.accounts.services import ensure_demo_users

    sales = next(user for user in ensure_demo_users() if user.username == "sales1")
    client = Client()
    client.force_login(sales)
    queries = [
        f"{WORDS[i % len(WORDS)]}{'科技' if i // len(WORDS) else ''}" for i in range(args.runs + 1)
    ]
    cold = one_run(client, sales, queries[0])
    warm = [one_run(client, sales, query) for query in queries[1:]]
    overview = sorted(sample[0] for sample in warm)
    all_tabs = sorted(sample[1] for sample in warm)
    p95 = lambda samples: samples[int(0.95 * (len(samples) - 1))]  # noqa: E731
    print(f"prospect → profile, {len(warm)} runs (sandbox provider, server time)")
    print(f"{'case':<42}{'median ms':>10}{'p95 ms':>9}")
    label = "search + create + fetch + overview page"
    print(f"{label:<42}{statistics.median(overview):>10.1f}{p95(overview):>9.1f}")
    print(f"{'… and all six tabs':<42}{statistics.median(all_tabs):>10.1f}{p95(all_tabs):>9.1f}")
    print(f"{'first run (cold start)':<42}{cold[0]:>10.1f}{cold[1]:>9.1f}")
    print("target: ≤ 2000 ms")


if __name__ == "__main__":
    main()
