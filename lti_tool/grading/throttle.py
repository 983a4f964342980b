"""Throttling is not refusal: after a platform throttled a call (Canvas: 403 with
``X-Rate-Limit-Remaining``; 429), this process makes no call to that registration's platform
until the wait is over, and then one call at a time for a while (Canvas charges concurrent
calls more). In-process state: each worker process keeps its own."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field

THROTTLED_FOR = 600.0  # after a throttled answer, one call at a time this long (seconds)


@dataclass(slots=True)
class Gate:
    lock: threading.Lock = field(default_factory=threading.Lock)
    until: float = 0.0  # monotonic: no call before
    serial_until: float = 0.0  # monotonic: one call at a time until

    def wait_left(self) -> float:
        return self.until - time.monotonic()

    @contextmanager
    def turn(self) -> Iterator[None]:
        """One call at a time to a platform that has throttled us lately."""
        if self.serial_until <= time.monotonic():
            yield
            return
        with self.lock:
            yield

    def throttled(self, retry_after: float | None) -> None:
        now = time.monotonic()
        self.until = max(self.until, now + (retry_after or 1.0))
        self.serial_until = now + THROTTLED_FOR


class Gates:
    """One gate per registration."""

    def __init__(self) -> None:
        self._gates: dict[int, Gate] = {}
        self._lock = threading.Lock()

    def of(self, registration_id: int) -> Gate:
        with self._lock:
            gate = self._gates.get(registration_id)
            if gate is None:
                gate = self._gates[registration_id] = Gate()
            return gate
