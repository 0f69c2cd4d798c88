"""Portfolio re-assessment end to end: features from the database, evaluation, assessments
written, proposed limits applied (issue 5).

Run on purpose (never as a test):

    .venv/bin/python bench/bench_assessments.py [--customers 100000] [--database-url URL]
        [--reuse DIR] [--runs 3] [--with-limits] [--limit-probe 2000] [--verify 2000]

Without ``--reuse`` it builds a fresh database (SQLite file in a temp dir unless
``--database-url``) with ``riskdesk demo --customers N``; ``--reuse DIR`` measures the data
dir (and database) of an earlier run again. Each run is one ``assess_portfolio`` in process,
as ``riskdesk assess --all`` does it, and reports time and rows/s.

The limit step depends on how many proposals change, not on the portfolio: on fresh demo data
almost every active customer gets a first limit, one ``credit.apply_proposed_limit`` call each,
which would dominate every figure. So by default the runs stub it out (features, evaluation
and insert are measured), and ``--limit-probe N`` then times the real step on N customers of
the last batch twice: all first grants (the worst case, per customer), then the same
proposals again (the nightly steady state: nothing changes, only the set-based check runs).
``--with-limits`` keeps the real step in the runs.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout, not an installed copy


def load(customers: int, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "riskdesk.cli", "demo", "--customers", str(customers)],
        check=True,
        env=env,
        cwd=ROOT,
    )
    return time.perf_counter() - start


def timed_limits(limits, *, stub: bool) -> list[float]:
    """Wrap (or stub out) the limit step of each chunk to report its share of a run."""
    spent: list[float] = []
    real = limits.apply_batch_limits

    def wrapper(**kwargs):
        started = time.perf_counter()
        try:
            return limits.LimitOutcome() if stub else real(**kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    wrapper.__wrapped__ = real  # type: ignore[attr-defined]
    limits.apply_batch_limits = wrapper
    return spent


def probe_limits(limits, batch_id: int, size: int) -> None:
    """The real limit step on ``size`` customers of a batch: first grants, then unchanged."""
    from django.db import transaction

    from riskdesk.assessments.models import Assessment, BatchRun

    batch = BatchRun.objects.select_related("actor").get(pk=batch_id)
    rows = Assessment.objects.filter(batch_run=batch).order_by("customer_id")[:size]
    proposals = dict(rows.values_list("customer_id", "proposed_limit"))
    apply = limits.apply_batch_limits.__wrapped__
    for label in ("first grants", "unchanged"):
        started = time.perf_counter()
        with transaction.atomic():
            outcome = apply(batch=batch, proposals=proposals)
        seconds = time.perf_counter() - started
        applied = outcome.granted + outcome.requested
        print(
            f"limit step, {label}: {len(proposals):,} customers, {outcome.granted:,} granted, "
            f"{outcome.requested:,} requested in {seconds:.2f} s "
            f"({applied / seconds:,.0f} applied/s; {seconds / len(proposals) * 1000:.2f} ms "
            "per customer)"
        )


def run_once(services, spent: list[float]) -> dict:
    spent.clear()
    started = time.perf_counter()
    batch = services.assess_portfolio(actor=services.SYSTEM, inline=True)
    seconds = time.perf_counter() - started
    return {
        "batch": batch.pk,
        "seconds": seconds,
        "assessed": batch.done,
        "failed": batch.failed,
        "granted": batch.limits_granted,
        "requested": batch.limits_requested,
        "limit_seconds": sum(spent),
    }


def verify_sample(batch_id: int, size: int) -> tuple[int, int]:
    from riskdesk.assessments.models import Assessment
    from riskdesk.assessments.services import replay_assessment

    ids = list(Assessment.objects.filter(batch_run_id=batch_id).values_list("pk", flat=True))
    sample = random.Random(7).sample(ids, min(size, len(ids)))
    rows = Assessment.objects.filter(pk__in=sample).select_related("policy_version")
    identical = sum(1 for row in rows.iterator() if not replay_assessment(row))
    return identical, len(sample)


def report(runs: list[dict]) -> None:
    print(
        f"\n{'run':<4} {'seconds':>8} {'rows/s':>8} {'assessed':>9} {'failed':>6} "
        f"{'granted':>8} {'requested':>9} {'limit s':>8}"
    )
    for n, run in enumerate(runs, 1):
        print(
            f"{n:<4} {run['seconds']:>8.1f} {run['assessed'] / run['seconds']:>8,.0f} "
            f"{run['assessed']:>9,} {run['failed']:>6} {run['granted']:>8,} "
            f"{run['requested']:>9,} {run['limit_seconds']:>8.1f}"
        )
    median = statistics.median(run["seconds"] for run in runs)
    rows = statistics.median(run["assessed"] for run in runs)
    print(f"median of {len(runs)} runs: {median:.1f} s, {rows / median:,.0f} rows/s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--reuse", help="data dir of an earlier run: skip loading, only measure")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--with-limits", action="store_true", help="real limit step in runs")
    parser.add_argument("--limit-probe", type=int, default=2000, help="customers (0: none)")
    parser.add_argument("--verify", type=int, default=2000, help="replay this many (0: none)")
    args = parser.parse_args()
    workdir = args.reuse or tempfile.mkdtemp(prefix="riskdesk-bench-")
    env = dict(
        os.environ,
        RISKDESK_DEMO="1",
        RISKDESK_TESTING="0",
        RISKDESK_DATA_DIR=workdir,
        DJANGO_SETTINGS_MODULE="riskdesk.settings",
    )
    if args.database_url:
        env["RISKDESK_DATABASE_URL"] = args.database_url
    os.environ.update(env)
    if not args.reuse:
        seconds = load(args.customers, env)
        print(f"loaded {args.customers:,} demo customers in {seconds:.1f} s into {workdir}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    from riskdesk.assessments import limits, services

    limit_step = "real" if args.with_limits else "stubbed"
    print(f"database: {connection.vendor} {args.database_url or workdir}; limit step {limit_step}")
    spent = timed_limits(limits, stub=not args.with_limits)
    runs = []
    for n in range(args.runs):
        runs.append(run_once(services, spent))
        print(f"run {n + 1}: {runs[-1]}", flush=True)
    report(runs)
    if args.limit_probe:
        probe_limits(limits, runs[-1]["batch"], args.limit_probe)
    if args.verify:
        identical, total = verify_sample(runs[-1]["batch"], args.verify)
        print(f"replay: {identical} of {total} sampled assessments replay identically")


if __name__ == "__main__":
    main()
