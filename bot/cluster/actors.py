"""Ray: the connection, one actor a shard, questions sent to them all at once, build tasks.

The shard actors are named after their generation and number (`shard-<generation>-<n>`) in
the namespace `briefing-bot` and outlive the process that started them (detached), so that
`bot ask`, a restarted bot and `bot cluster` find them running. Ray restarts an actor whose
process dies (it opens its shard again: memory-mapped, seconds) and runs the calls it missed
again. A call waits `SHARD_TIMEOUT_SECONDS` for a shard (a shard known to be down, a second),
then the answer goes on without it and says so (`coordinator.partial_note`); each shard that
goes down or comes back is logged once.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import platform
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ..config import SearchParams
from ..errors import ClusterError
from . import layout
from .shard import open_shard

log = logging.getLogger(__name__)

NAMESPACE = "briefing-bot"
ACTOR_PREFIX = "shard-"
# Time for every shard of a generation to open (a cluster may have to start processes).
START_SECONDS = 300.0
# How long a question waits for a shard that did not answer the last one.
DOWN_SECONDS = 1.0
# Generations whose shards this process uses, with how many indexes use them.
_IN_USE: dict[str, int] = {}
_IN_USE_LOCK = threading.Lock()


def connect(address: str | None, cpus: int | None = None) -> None:
    """Connect this process to the Ray cluster at `address`, or start a local one (None).

    Once a process; a process that already runs Ray (a test session) keeps its own. Ray's
    dashboard and its usage statistics are left off: nothing here reaches the network.
    """
    import ray

    if ray.is_initialized():
        return
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    quiet = {"log_to_driver": False, "logging_level": logging.WARNING}
    try:
        if address:
            ray.init(address=address, namespace=NAMESPACE, **quiet)
        else:
            ray.init(
                address="local",  # a new one, not a cluster that happens to run here
                num_cpus=cpus,
                namespace=NAMESPACE,
                include_dashboard=False,
                **quiet,
            )
    except (ConnectionError, RuntimeError, ValueError, TimeoutError) as exc:
        where = f"the Ray cluster at {address}" if address else "a local Ray"
        raise ClusterError(
            f"cannot reach {where} ({exc}); start one with `ray start --head` on the first "
            "machine and point RAY_ADDRESS at it (see README, Scale)"
        ) from exc


def actor_name(generation: str, number: int) -> str:
    return f"{ACTOR_PREFIX}{generation}-{number}"


class ShardActor:
    """A Ray actor holding one shard (see `shard.ShardIndex`)."""

    def __init__(
        self,
        folder: str,
        stats_folder: str,
        key: str,
        params: dict,
        model: str | None,
        number: int,
        generation: str,
    ) -> None:
        settings = SearchParams(**params)
        self.shard = open_shard(Path(folder), Path(stats_folder), key, settings, model)
        self.about = {
            "number": number,
            "generation": generation,
            "key": key,
            "sentences": len(self.shard),
            "articles": len(self.shard.articles),
            "vectors": model is not None,
            "host": platform.node(),
            "pid": os.getpid(),
            "started": time.time(),
        }

    def info(self) -> dict:
        """What the shard is, where it runs and how much memory its process holds."""
        return {**self.about, "rss_mb": resident_mb()}

    def answer_ask(self, ask: object) -> object:
        return self.shard.answer_ask(ask)

    def answer_compare(self, request: object) -> object:
        return self.shard.answer_compare(request)


def resident_mb() -> float:
    """This process's resident memory in MB (Linux /proc; else the peak from getrusage)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_REMOTE: dict[str, object] = {}


def _remote_actor():
    import ray

    if "actor" not in _REMOTE:
        _REMOTE["actor"] = ray.remote(ShardActor)
    return _REMOTE["actor"]


def start_shards(
    manifest: layout.Manifest, folder: Path, params: SearchParams, timeout: float
) -> RayShards:
    """The actors of a generation's shards (started unless running), once all have opened."""
    import ray

    actor = _remote_actor()

    def start(n: int) -> object:
        entry = manifest.shards[n]
        return actor.options(
            name=actor_name(manifest.generation, n),
            namespace=NAMESPACE,
            lifetime="detached",
            get_if_exists=True,
            max_restarts=-1,
            max_task_retries=-1,
            num_cpus=0,
            scheduling_strategy="SPREAD",
        ).remote(
            str(folder / entry.folder_name),
            str(folder / manifest.stats_name),
            entry.key,
            dataclasses.asdict(params),
            manifest.model,
            n,
            manifest.generation,
        )

    handles = [start(n) for n in range(len(manifest.shards))]
    try:
        infos = ray.get([h.info.remote() for h in handles], timeout=START_SECONDS)
    except (ray.exceptions.RayError, ray.exceptions.GetTimeoutError) as exc:
        raise ClusterError(
            f"the shards of {folder} did not all open ({_reason(exc)}); every node must read "
            "that folder at the same path (see `bot cluster`)"
        ) from exc
    for n, info in enumerate(infos):
        if info["generation"] != manifest.generation or info["key"] != manifest.shards[n].key:
            raise ClusterError(
                f"shard {n + 1} runs another index; stop the shards: bot cluster --stop"
            )
    with _IN_USE_LOCK:
        _IN_USE[manifest.generation] = _IN_USE.get(manifest.generation, 0) + 1
    return RayShards(handles, manifest.generation, timeout, start)


class RayShards:
    """A generation's shard actors, asked all at once (`coordinator.Fanout`).

    An actor that died for good (stopped with `bot cluster --stop`, or out of restarts) is
    started again by `start` when a question finds it dead.
    """

    def __init__(
        self,
        handles: Sequence[object],
        generation: str,
        timeout: float,
        start: Callable[[int], object] | None = None,
    ) -> None:
        self.handles = list(handles)
        self._start = start
        self.count = len(self.handles)
        self.generation = generation
        self.timeout = timeout
        self._down: set[int] = set()
        self._lock = threading.Lock()
        self._calls = 0
        self._closing = False

    def call(self, method: str, requests: Sequence[object | None]) -> list:
        import ray

        with self._lock:
            self._calls += 1
        try:
            refs_handles = {n: self.handles[n] for n, r in enumerate(requests) if r is not None}
            refs = {
                n: getattr(handle, method).remote(requests[n])
                for n, handle in refs_handles.items()
            }
            started = time.monotonic()
            waiting = list(refs.values())
            down = {refs[n] for n in refs if n in self._down}
            # Shards that did not answer last time get a second; the others the full timeout.
            first = DOWN_SECONDS if down else self.timeout
            ready, waiting = ray.wait(waiting, num_returns=len(waiting), timeout=first)
            if any(ref not in down for ref in waiting):
                left = max(0.0, self.timeout - (time.monotonic() - started))
                more, waiting = ray.wait(waiting, num_returns=len(waiting), timeout=left)
                ready += more
            replies: list = [None] * self.count
            for n, ref in refs.items():
                if ref in waiting:
                    self._failed(n, f"no reply in {time.monotonic() - started:.1f} s")
                    continue
                try:
                    replies[n] = ray.get(ref)
                except ray.exceptions.ActorDiedError as exc:
                    self._failed(n, _reason(exc))
                    self._revive(n, refs_handles[n])
                    continue
                except ray.exceptions.RayError as exc:
                    self._failed(n, _reason(exc))
                    continue
                self._answered(n)
            return replies
        finally:
            with self._lock:
                self._calls -= 1
                stop = self._closing and not self._calls
            if stop:
                self._stop()

    def close(self) -> None:
        """Stop the shards once the calls under way end, unless another index uses them."""
        with self._lock:
            self._closing = True
            stop = not self._calls
        if stop:
            self._stop()

    def _stop(self) -> None:
        with _IN_USE_LOCK:
            users = _IN_USE.get(self.generation, 0) - 1
            if users > 0:
                _IN_USE[self.generation] = users
                return
            _IN_USE.pop(self.generation, None)
        import ray

        for handle in self.handles:
            try:
                ray.kill(handle, no_restart=True)
            except ray.exceptions.RayError:  # gone already
                continue
        log.info("Stopped the %d shards of the previous index (%s)", self.count, self.generation)

    def _revive(self, n: int, dead: object) -> None:
        """Start shard n again (once, however many questions found it dead)."""
        with self._lock:
            if self._start is None or self._closing or self.handles[n] is not dead:
                return
            self.handles[n] = self._start(n)
        log.warning("Shard %d of %d had stopped; starting it again", n + 1, self.count)

    def _failed(self, n: int, reason: str) -> None:
        with self._lock:
            new = n not in self._down
            self._down.add(n)
        if new:
            log.warning(
                "Shard %d of %d did not answer (%s); answers say they are partial until it is "
                "back (Ray restarts it)",
                n + 1,
                self.count,
                reason,
            )

    def _answered(self, n: int) -> None:
        with self._lock:
            back = n in self._down
            self._down.discard(n)
        if back:
            log.warning("Shard %d of %d answers again", n + 1, self.count)


def _reason(exc: BaseException) -> str:
    """One line about why a call failed, without the remote traceback."""
    import ray

    if isinstance(exc, ray.exceptions.RayTaskError):
        cause = exc.cause
        return f"{type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else ''}"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


class RayRunner:
    """Runs build work as Ray tasks over the cluster, one CPU each (`build.Runner`)."""

    def map(
        self, function: Callable, arguments: Sequence[tuple], done: Callable[[int, object], None]
    ) -> list:
        import ray

        task = ray.remote(num_cpus=1, max_retries=2)(function)
        refs = [task.remote(*args) for args in arguments]
        where = {ref: i for i, ref in enumerate(refs)}
        results: list = [None] * len(refs)
        waiting = list(refs)
        while waiting:
            ready, waiting = ray.wait(waiting, num_returns=1)
            for ref in ready:
                try:
                    results[where[ref]] = ray.get(ref)
                except ray.exceptions.RayError as exc:
                    raise ClusterError(f"a build task failed ({_reason(exc)})") from exc
                done(where[ref], results[where[ref]])
        return results


@dataclasses.dataclass(frozen=True)
class ShardState:
    """What `bot cluster` says of one shard actor."""

    number: int
    generation: str
    state: str  # "up", "no reply", "not started"
    info: dict


def shard_states(manifest: layout.Manifest | None, timeout: float = 5.0) -> list[ShardState]:
    """Every shard actor of the cluster: those of `manifest`'s generation first, then others."""
    import ray

    names = sorted(
        entry["name"]
        for entry in ray.util.list_named_actors(all_namespaces=True)
        if entry.get("namespace") == NAMESPACE and entry["name"].startswith(ACTOR_PREFIX)
    )
    current = (
        [actor_name(manifest.generation, n) for n in range(len(manifest.shards))]
        if manifest
        else []
    )
    states = []
    for name in current + [n for n in names if n not in current]:
        generation, _, number = name[len(ACTOR_PREFIX) :].rpartition("-")
        if name not in names:
            states.append(ShardState(int(number), generation, "not started", {}))
            continue
        try:
            handle = ray.get_actor(name, namespace=NAMESPACE)
            info = ray.get(handle.info.remote(), timeout=timeout)
            states.append(ShardState(int(number), generation, "up", info))
        except (ray.exceptions.RayError, ValueError) as exc:
            states.append(ShardState(int(number), generation, "no reply", {"error": _reason(exc)}))
    return states


def stop_all() -> int:
    """Stop every shard actor of the cluster; how many there were."""
    import ray

    stopped = 0
    for entry in ray.util.list_named_actors(all_namespaces=True):
        if entry.get("namespace") == NAMESPACE and entry["name"].startswith(ACTOR_PREFIX):
            try:
                ray.kill(ray.get_actor(entry["name"], namespace=NAMESPACE), no_restart=True)
                stopped += 1
            except (ray.exceptions.RayError, ValueError):
                continue
    return stopped
