"""How long a deliverer waits before trying a receiver again: exponential backoff with full
jitter, so receivers that failed together are not hit again together (a thundering herd)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RetrySchedule:
    max_attempts: int
    base_seconds: float
    cap_seconds: float
    attempt_timeout_seconds: float
    _random: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def ceiling(self, attempt: int) -> float:
        """The longest wait after failed attempt number ``attempt`` (1-based)."""
        return float(min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1)))

    def delay(self, attempt: int) -> float:
        """A wait drawn uniformly from [0, ceiling]: full jitter."""
        return self._random.uniform(0.0, self.ceiling(attempt))

    def longest(self) -> float:
        """The most one event can take before it is given up on: every attempt timing out and
        every wait at its ceiling. The benchmark checks deliveries against it."""
        waits = sum(self.ceiling(attempt) for attempt in range(1, self.max_attempts))
        return waits + self.max_attempts * self.attempt_timeout_seconds
