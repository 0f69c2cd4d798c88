"""A seeded random source with the few distributions the sandbox needs."""

from __future__ import annotations

import hashlib
import itertools
import math
import random
from collections.abc import Sequence
from datetime import date, timedelta


def seed_for(*parts: str) -> int:
    """A stable 64-bit seed (Python's ``hash`` of a str changes between processes)."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


class Draw:
    """Thin helpers over :class:`random.Random`; every draw goes through one seeded stream."""

    __slots__ = ("rng",)

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def pick[T](self, options: Sequence[T]) -> T:
        return options[int(self.rng.random() * len(options))]

    def between(self, low: float, high: float) -> float:
        return low + (high - low) * self.rng.random()

    def integer(self, low: int, high: int) -> int:
        """Uniform integer in [low, high]."""
        return low + int(self.rng.random() * (high - low + 1))

    def lognormal(self, median: float, sigma: float) -> float:
        return median * math.exp(self.rng.gauss(0.0, sigma))

    def gauss(self, mean: float, sigma: float) -> float:
        return self.rng.gauss(mean, sigma)

    def poisson(self, mean: float) -> int:
        """Knuth's method; the sandbox only asks for small means."""
        if mean <= 0:
            return 0
        limit, count, product = math.exp(-min(mean, 60.0)), 0, self.rng.random()
        while product > limit:
            count += 1
            product *= self.rng.random()
        return count

    def day(self, start: date, end: date) -> date:
        """A uniform day in [start, end] (``start`` when the range is empty)."""
        span = (end - start).days
        return start if span <= 0 else start + timedelta(days=int(self.rng.random() * (span + 1)))

    def days_after(self, start: date, low: int, high: int) -> date:
        return start + timedelta(days=self.integer(low, high))

    def weighted[T](self, options: Sequence[tuple[T, float]]) -> T:
        total = sum(weight for _, weight in options)
        point = self.rng.random() * total
        for option, weight in options:
            point -= weight
            if point < 0:
                return option
        return options[-1][0]

    def split(self, parts: int, total: int = 10_000) -> list[int]:
        """``parts`` positive integers adding up to ``total`` (basis points by default)."""
        if parts <= 1:
            return [total]
        cuts = sorted(self.rng.sample(range(1, total), parts - 1))
        bounds = [0, *cuts, total]
        return [high - low for low, high in itertools.pairwise(bounds)]

    def digits(self, count: int) -> str:
        return str(self.rng.randrange(10**count)).zfill(count)
