"""A channel's pace: at most ``per_minute`` messages in any 60 seconds, a gap between two,
and minutes of the hour to avoid.

One dispatcher sends at a time (the outbox lock), so the pace holds across processes
when each new dispatcher starts from what the outbox says was sent in the last minute
(:meth:`Pace.seed`) and then counts its own tries. Times are Unix seconds.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from datetime import datetime


class Pace:
    def __init__(self, per_minute: int, min_gap: float = 0.0,
                 avoid_minutes: tuple[int, ...] = (), zone: object = None) -> None:
        self.per_minute = per_minute
        self.min_gap = min_gap
        self.avoid_minutes = avoid_minutes
        self.zone = zone
        self._sent: deque[float] = deque()

    def seed(self, times: Iterable[float]) -> None:
        self._sent.extend(sorted(times))

    def record(self, now: float) -> None:
        self._sent.append(now)

    def wait(self, now: float) -> float:
        """Seconds to wait before the next message may go (0: now)."""
        while self._sent and self._sent[0] <= now - 60.0:
            self._sent.popleft()
        wait = 0.0
        if len(self._sent) >= self.per_minute:
            wait = self._sent[-self.per_minute] + 60.0 - now
        if self._sent and self.min_gap:
            wait = max(wait, self._sent[-1] + self.min_gap - now)
        if self.avoid_minutes:
            at = datetime.fromtimestamp(now + wait, self.zone)  # type: ignore[arg-type]
            if at.minute in self.avoid_minutes:
                wait += 60 - at.second - at.microsecond / 1e6 + 1.0
        return max(wait, 0.0)
