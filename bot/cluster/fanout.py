"""A question sent to every shard actor at once, and their replies gathered with a deadline.

A call waits for a shard that Ray is restarting (Ray runs the calls it missed again), gives
up on one that stays down past the deadline, and starts again one that was stopped for good.
"""

from __future__ import annotations

import logging
import pickle
import threading
import time
from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)

# How long a question waits for a shard that did not answer the last one.
DOWN_SECONDS = 1.0
# The shards of each generation this process uses (one object, however many indexes use it).
OPEN: dict[str, RayShards] = {}
OPEN_LOCK = threading.Lock()


def packed(value: object) -> bytes:
    """A request or reply as one buffer.

    Ray would serialise each NumPy array of a reply apart; one pickled buffer crosses a
    process in a fraction of the time (measured: 2 ms less a question over four shards). Both
    ends run this package's code: nothing foreign is unpickled.
    """
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def reason(exc: BaseException) -> str:
    """One line about why a call failed, without the remote traceback."""
    import ray

    if isinstance(exc, ray.exceptions.RayTaskError):
        cause = exc.cause
        return f"{type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else ''}"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


class RayShards:
    """A generation's shard actors, asked all at once (`coordinator.Fanout`)."""

    def __init__(
        self,
        handles: Sequence[object],
        key: str,
        timeout: float,
        start: Callable[[int], object] | None = None,
    ) -> None:
        self.handles = list(handles)
        self.count = len(self.handles)
        self.key = key  # the first actor's name: names the generation and its folder
        self.timeout = timeout
        self.users = 1
        self._start = start  # starts shard n again (an actor stopped for good)
        self._down: set[int] = set()
        self._lock = threading.Lock()
        self._calls = 0
        self._closing = False
        self._retire = False

    def call(self, requests: Sequence[object | None]) -> list:
        """Send `requests[n]` to shard n (None: not asked); replies in order, None if failed."""
        with self._lock:
            self._calls += 1
        try:
            deadline = time.monotonic() + self.timeout
            buffers: dict[int, bytes] = {}
            payloads = [
                b"" if r is None else buffers.setdefault(id(r), packed(r)) for r in requests
            ]
            return self._gather(payloads, deadline)
        finally:
            with self._lock:
                self._calls -= 1
                stop = self._closing and not self._calls
            if stop:
                self._stop()

    def _gather(self, payloads: list[bytes], deadline: float) -> list:
        """The replies in time, None for the shards that failed or were late."""
        import ray

        handles = {n: self.handles[n] for n, p in enumerate(payloads) if p}
        refs = {n: handle.serve.remote(payloads[n]) for n, handle in handles.items()}
        replies: list = [None] * self.count
        if not self._down:  # all well: one wait for every reply
            try:
                values = ray.get(
                    list(refs.values()), timeout=max(0.0, deadline - time.monotonic())
                )
            except ray.exceptions.RayError:
                pass  # find out below which shard failed
            else:
                for n, value in zip(refs, values, strict=True):
                    replies[n] = pickle.loads(value)
                return replies
        waiting = list(refs.values())
        down = {refs[n] for n in refs if n in self._down}
        # Shards that did not answer last time get a second; the others the whole deadline.
        left = max(0.0, deadline - time.monotonic())
        first = min(left, DOWN_SECONDS) if down else left
        _, waiting = ray.wait(waiting, num_returns=len(waiting), timeout=first)
        if any(ref not in down for ref in waiting):
            left = max(0.0, deadline - time.monotonic())
            _, waiting = ray.wait(waiting, num_returns=len(waiting), timeout=left)
        for n, ref in refs.items():
            if ref in waiting:
                self._failed(n, f"no reply in {self.timeout:g} s")
                continue
            try:
                replies[n] = pickle.loads(ray.get(ref))
            except ray.exceptions.ActorDiedError as exc:
                self._failed(n, reason(exc))
                self._revive(n, handles[n])
                continue
            except ray.exceptions.RayError as exc:
                self._failed(n, reason(exc))
                continue
            self._answered(n)
        return replies

    def close(self, retire: bool) -> None:
        """One index of this process less uses these shards.

        With `retire` (a newer generation answers now), the last one to let go stops the shards
        once the questions under way are answered. Without it they run on, for other processes
        (`bot run`, `bot ask`) and the next start.
        """
        with OPEN_LOCK:
            self.users -= 1
            if self.users > 0:
                return
            OPEN.pop(self.key, None)
        with self._lock:
            self._closing = True
            self._retire = retire
            stop = not self._calls
        if stop:
            self._stop()

    def _stop(self) -> None:
        import ray

        if not self._retire:
            return
        for handle in self.handles:
            try:
                ray.kill(handle, no_restart=True)
            except ray.exceptions.RayError:  # gone already
                continue
        log.info("Stopped the %d shards of the previous index (%s)", self.count, self.key)

    def _revive(self, n: int, dead: object) -> None:
        """Start shard n again (once, however many questions found it dead)."""
        with self._lock:
            if self._start is None or self._closing or self.handles[n] is not dead:
                return
            self.handles[n] = self._start(n)
        log.warning("Shard %d of %d had stopped; starting it again", n + 1, self.count)

    def _failed(self, n: int, why: str) -> None:
        with self._lock:
            new = n not in self._down
            self._down.add(n)
        if new:
            log.warning(
                "Shard %d of %d did not answer (%s); answers say they are partial until it is "
                "back (Ray restarts it)",
                n + 1,
                self.count,
                why,
            )

    def _answered(self, n: int) -> None:
        with self._lock:
            back = n in self._down
            self._down.discard(n)
        if back:
            log.warning("Shard %d of %d answers again", n + 1, self.count)
