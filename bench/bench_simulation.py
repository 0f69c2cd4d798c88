"""Simulation of a draft policy over the whole portfolio (issue 5 target: ≤ 10 s for 100k).

    .venv/bin/python bench/bench_simulation.py --database-url URL [--customers N] [--repeat 3]

Runs against an existing database loaded with `riskdesk demo --customers N` (see
bench_foundation.py; a SQLite file is ``sqlite:////path/riskdesk.sqlite3``); it creates a
draft with lower score bands, simulates it against the published policy ``--repeat`` times
and reports each run, the median, rows/s and the share of reading the features.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout, not an installed copy


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--customers", type=int, help="simulate only the first N customers")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.update(
        RISKDESK_DEMO="1",
        RISKDESK_TESTING="0",
        RISKDESK_DATABASE_URL=args.database_url,
        DJANGO_SETTINGS_MODULE="riskdesk.settings",
    )
    import django

    django.setup()
    import yaml
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    from riskdesk.accounts.services import cli_actor
    from riskdesk.assessments import simulation
    from riskdesk.customers.models import Customer
    from riskdesk.policies import services as policies

    actor = cli_actor()
    document = yaml.safe_load(policies.require_published_version().yaml)
    document["rating"]["bands"] = [
        {"min_score": 60, "grade": "A"},
        {"min_score": 45, "grade": "B"},
        {"min_score": 30, "grade": "C"},
        {"grade": "D"},
    ]
    draft = policies.create_draft(
        actor=actor, yaml_text=yaml.safe_dump(document, allow_unicode=True)
    )
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    ids = ids[: args.customers] if args.customers else None
    features: list[float] = []
    real = simulation.portfolio_feature_table

    def timed_features(**kwargs):
        started = time.perf_counter()
        try:
            return real(**kwargs)
        finally:
            features.append(time.perf_counter() - started)

    simulation.portfolio_feature_table = timed_features
    runs = []
    for n in range(args.repeat):
        features.clear()
        started = time.perf_counter()
        result = simulation.simulate_policy(candidate=draft, actor=actor, customer_ids=ids)
        seconds = time.perf_counter() - started
        runs.append(seconds)
        print(
            f"run {n + 1}: simulated {result.customers:,} customers in {seconds:.1f} s "
            f"({result.customers / seconds:,.0f}/s; features {sum(features):.1f} s); "
            f"{result.affected_count:,} affected",
            flush=True,
        )
    median = statistics.median(runs)
    print(
        f"{connection.vendor}: median of {len(runs)} {median:.1f} s "
        f"({result.customers / median:,.0f} customers/s)"
    )


if __name__ == "__main__":
    main()
