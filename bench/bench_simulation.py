"""Simulation of a draft policy over the whole portfolio (issue 5 target: ≤ 10 s for 100k).

    .venv/bin/python bench/bench_simulation.py --database-url URL [--customers N]

Runs against an existing database loaded with `riskdesk demo --customers N` (see
bench_foundation.py); it creates a draft with lower score bands, simulates it against the
published policy and reports the wall time of each stage.
"""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--customers", type=int, help="simulate only the first N customers")
    args = parser.parse_args()
    os.environ.update(
        RISKDESK_DEMO="1",
        RISKDESK_DATABASE_URL=args.database_url,
        DJANGO_SETTINGS_MODULE="riskdesk.settings",
    )
    import django

    django.setup()
    import yaml
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
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
    started = time.perf_counter()
    result = simulation.simulate_policy(candidate=draft, actor=actor, customer_ids=ids)
    seconds = time.perf_counter() - started
    print(
        f"simulated {result.customers:,} customers in {seconds:.1f} s "
        f"({result.customers / seconds:,.0f}/s); {result.affected_count:,} affected"
    )


if __name__ == "__main__":
    main()
