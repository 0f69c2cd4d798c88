"""A token-bucket rate limiter and a circuit breaker, with injectable clocks for tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum

type Clock = Callable[[], float]
type Sleep = Callable[[float], None]


class TokenBucket:
    """Allows ``burst`` calls at once and ``per_second`` calls a second on average."""

    def __init__(
        self,
        per_second: float,
        burst: int = 1,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.per_second, self.capacity = per_second, float(burst)
        self._tokens, self._clock, self._sleep = float(burst), clock, sleep
        self._updated = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.per_second)
        self._updated = now

    def acquire(self) -> float:
        """Take one token, sleeping until there is one; returns the seconds waited."""
        self._refill()
        waited = 0.0
        if self._tokens < 1:
            waited = (1 - self._tokens) / self.per_second
            self._sleep(waited)
            self._refill()
            self._tokens = max(self._tokens, 1.0)
        self._tokens -= 1
        return waited


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Opens after ``failure_threshold`` failures in a row; after ``reset_seconds`` lets one
    trial call through (half-open): success closes it, failure opens it again."""

    def __init__(
        self,
        failure_threshold: int = 5,
        reset_seconds: float = 60.0,
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        self.failure_threshold, self.reset_seconds, self._clock = (
            failure_threshold,
            reset_seconds,
            clock,
        )
        self.failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> CircuitState:
        if self._opened_at is None:
            return CircuitState.CLOSED
        if self._clock() - self._opened_at >= self.reset_seconds:
            return CircuitState.HALF_OPEN
        return CircuitState.OPEN

    def allow(self) -> bool:
        """Whether a call may go out now (in half-open state, only one trial at a time)."""
        state = self.state
        if state is CircuitState.CLOSED:
            return True
        if state is CircuitState.HALF_OPEN and not self._trial_running:
            self._trial_running = True
            return True
        return False

    def seconds_until_trial(self) -> float:
        if self._opened_at is None:
            return 0.0
        return max(0.0, self.reset_seconds - (self._clock() - self._opened_at))

    def record_success(self) -> None:
        self.failures, self._opened_at, self._trial_running = 0, None, False

    def record_failure(self) -> None:
        self.failures += 1
        if self._trial_running or self.failures >= self.failure_threshold:
            self._opened_at, self._trial_running = self._clock(), False
