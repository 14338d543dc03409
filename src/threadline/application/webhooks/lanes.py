"""Which of a subscription's events may be sent now, and how far its checkpoint may move.

Events of one thread go out one at a time, in log order; events of different threads go out
side by side, at most ``lanes`` threads at once, oldest waiting thread first. The checkpoint only
moves past a contiguous prefix of finished events: a crash redelivers whatever was in flight or
waiting behind it, and never skips an event that had not been answered (EVENT-LOG-NOTES §2).
"""

from __future__ import annotations

import heapq
from collections import deque

Thread = tuple[str, str]  # (entity_type, entity_id); ("", "") for tenant-wide events (bans)


class Lanes:
    def __init__(self, lanes: int, after: int) -> None:
        if lanes < 1:
            raise ValueError("at least one lane")
        self._lanes = lanes
        self._checkpoint = after
        self.read_through = after  # the last position added
        self._unfinished: deque[int] = deque()  # in log order, finished ones included until passed
        self._finished: set[int] = set()
        self._queues: dict[Thread, deque[int]] = {}
        self._thread_of: dict[int, Thread] = {}
        self._busy: set[Thread] = set()
        self._ready: list[tuple[int, Thread]] = []  # (head position, thread) of idle threads

    @property
    def checkpoint(self) -> int:
        """The last position before which every event is finished."""
        return self._checkpoint

    @property
    def waiting(self) -> int:
        """Events added and not yet passed by the checkpoint."""
        return len(self._unfinished)

    @property
    def in_flight(self) -> int:
        return len(self._busy)

    def add(self, position: int, thread: Thread, *, wanted: bool = True) -> None:
        """An event read from the log, in order; an unwanted one is finished at once."""
        if position <= self.read_through:
            raise ValueError(f"position {position} is not after {self.read_through}")
        self.read_through = position
        if not wanted:
            if not self._unfinished:
                self._checkpoint = position
            else:
                self._unfinished.append(position)
                self._finished.add(position)
            return
        self._unfinished.append(position)
        self._thread_of[position] = thread
        queue = self._queues.setdefault(thread, deque())
        queue.append(position)
        if len(queue) == 1 and thread not in self._busy:
            heapq.heappush(self._ready, (position, thread))

    def start(self, most: int | None = None) -> list[int]:
        """Events to send now: the head of each idle thread, oldest first, lanes permitting."""
        room = self._lanes - len(self._busy)
        if most is not None:
            room = min(room, most)
        started: list[int] = []
        while room > 0 and self._ready:
            position, thread = heapq.heappop(self._ready)
            self._busy.add(thread)
            started.append(position)
            room -= 1
        return started

    def finish(self, position: int) -> None:
        """The event was delivered: its thread's next event may go, the checkpoint may move."""
        thread = self._thread_of.pop(position)
        queue = self._queues[thread]
        if not queue or queue[0] != position:
            raise ValueError(f"position {position} is not its thread's event in flight")
        queue.popleft()
        self._busy.discard(thread)
        if queue:
            heapq.heappush(self._ready, (queue[0], thread))
        else:
            del self._queues[thread]
        self._finished.add(position)
        while self._unfinished and self._unfinished[0] in self._finished:
            passed = self._unfinished.popleft()
            self._finished.discard(passed)
            self._checkpoint = passed

    def release(self, position: int) -> None:
        """The event in flight was not delivered (out of attempts, or stopped): it stays at the
        head of its thread, which waits, and may be started again."""
        thread = self._thread_of[position]
        if thread not in self._busy:
            raise ValueError(f"position {position} is not in flight")
        self._busy.discard(thread)
        heapq.heappush(self._ready, (position, thread))
