"""Dossier benchmarks, run on purpose: ``.venv/bin/python bench/bench_dossier.py [--n 100000]``.

Prints medians (of ``--repeat`` runs) and ratios against the targets of issue 4:
* diff throughput on N dossier pairs with 5 % changed (target ≥ 300k pairs/s),
  objects with cached canonical bytes, and stored canonical bytes;
* sandbox generation of N dossiers (target: well under a minute for 100k);
* portfolio features versus one-by-one features.

With ``--freeze`` (the default) the generated dossiers are moved out of the garbage
collector's reach (``gc.freeze()``) before the diff and feature timings, as a long-running
worker holding them would do; otherwise every full collection walks millions of objects that
are never garbage and the timings measure the collector, not the code.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from datetime import date

from riskdesk.dossier.diff import diff_canonical, diff_dossiers
from riskdesk.dossier.features import dossier_features, portfolio_dossier_features
from riskdesk.dossier.sandbox import company_life, sandbox_dossier, sandbox_usccs
from riskdesk.dossier.sandbox.pools import pools
from riskdesk.dossier.schema import canonical_json

AS_OF, LATER = date(2026, 11, 28), date(2027, 11, 28)


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def bench_sandbox(count: int) -> list:
    pools()
    codes = sandbox_usccs(count, seed=1)
    company_life.cache_clear()
    start = time.perf_counter()
    dossiers = [sandbox_dossier(code, AS_OF) for code in codes]
    seconds = time.perf_counter() - start
    print(f"sandbox: {count} dossiers in {seconds:.1f} s = {seconds / count * 1e6:.0f} µs each")
    print(f"  100k would take {seconds / count * 100_000:.0f} s (target: well under 60 s)")
    return dossiers


def changed_pairs(dossiers: list, share_changed: float) -> list[tuple]:
    """Pairs (before, after): a share of them with a later, different dossier."""
    step = round(1 / share_changed)
    pairs = []
    for number, before in enumerate(dossiers):
        after = before
        if number % step == 0:
            after = sandbox_dossier(before.uscc, LATER)
        pairs.append((before, after))
    return pairs


def bench_diff(dossiers: list, repeat: int, *, freeze: bool) -> None:
    pairs = changed_pairs(dossiers, 0.05)
    changed = sum(before is not after and before != after for before, after in pairs)
    stored = [(canonical_json(before), canonical_json(after)) for before, after in pairs]
    count = len(pairs)
    if freeze:
        gc.collect()
        gc.freeze()

    objects = median_seconds(lambda: [diff_dossiers(b, a) for b, a in pairs], repeat)
    stored_bytes = median_seconds(lambda: [diff_canonical(b, a) for b, a in stored], repeat)
    dated = median_seconds(
        lambda: [diff_dossiers(b, a, as_of=LATER, previous_as_of=AS_OF) for b, a in pairs], repeat
    )
    events = sum(len(diff_dossiers(b, a)) for b, a in pairs)
    print(f"diff: {count} pairs, {changed} changed ({changed / count:.1%}), {events} events")
    for label, seconds in (
        ("objects (cached canonical bytes)", objects),
        ("stored canonical bytes", stored_bytes),
        ("objects + licence dates moved", dated),
    ):
        rate = count / seconds
        print(f"  {label}: {rate:,.0f} pairs/s, {rate / 300_000:.2f}× the 300k target")
    fresh = [(b.model_copy(), a.model_copy()) for b, a in pairs[:5000]]
    cold = median_seconds(lambda: [diff_dossiers(b, a) for b, a in fresh], 1)
    print(f"  cold (canonical bytes not yet computed): {5000 / cold:,.0f} pairs/s")


def bench_features(dossiers: list, repeat: int) -> None:
    sample = dossiers[:20_000]
    single = median_seconds(lambda: [dossier_features(d, AS_OF) for d in sample], repeat)
    table = median_seconds(lambda: portfolio_dossier_features(sample, AS_OF), repeat)
    print(
        f"features: {len(sample)} dossiers: one by one {single:.2f} s, portfolio {table:.2f} s "
        f"({single / table:.2f}× faster)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--freeze", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    dossiers = bench_sandbox(args.n)
    bench_diff(dossiers, args.repeat, freeze=args.freeze)
    bench_features(dossiers, args.repeat)


if __name__ == "__main__":
    main()
