"""Ray: the connection, one actor a shard, build tasks, and what `bot cluster` shows.

The shard actors are named after their generation, folder and number (`actor_name`) in the
namespace `briefing-bot` and outlive the process that started them (detached), so that
`bot ask`, a restarted bot and `bot cluster` find them running. Ray restarts an actor whose
process dies (it opens its shard again: memory-mapped, seconds) and runs the calls it missed
again; questions reach the actors through `fanout.RayShards`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import pickle
import platform
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ..config import SearchParams
from ..errors import ClusterError
from . import layout
from .fanout import OPEN, OPEN_LOCK, RayShards, packed, reason
from .shard import open_shard

log = logging.getLogger(__name__)

NAMESPACE = "briefing-bot"
ACTOR_PREFIX = "shard-"
# Time for every shard of a generation to open (a cluster may have to start processes).
START_SECONDS = 300.0


def connect(address: str | None, cpus: int | None = None) -> None:
    """Connect this process to the Ray cluster at `address`, or start a local one (None).

    Once a process; a process that already runs Ray (a test session) keeps its own. Ray's
    dashboard and its usage statistics are left off: nothing here reaches the network.
    """
    try:
        import ray
    except ImportError:
        raise ClusterError(
            "Ray is not installed: a sharded index needs the cluster extra "
            "(pip install 'briefing-bot[cluster]'; see README, Scale)"
        ) from None

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


def actor_name(folder: Path, generation: str, number: int) -> str:
    """`shard-<generation>-<folder>-<n>`: shard n of a generation in one shard folder.

    Two folders holding the same index never share actors: their reloads would stop each
    other's shards.
    """
    where = hashlib.blake2b(str(folder).encode(), digest_size=4).hexdigest()
    return f"{ACTOR_PREFIX}{generation}-{where}-{number}"


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

    def serve(self, request: bytes) -> bytes:
        """Answer one packed request (`shard.Ask` or `shard.Compare`)."""
        return packed(self.shard.serve(pickle.loads(request)))


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

    key = actor_name(folder, manifest.generation, 0)
    with OPEN_LOCK:  # this process asks them already (a reload that changed nothing)
        shared = OPEN.get(key)
        if shared is not None:
            shared.users += 1
            return shared
    actor = _remote_actor()

    def start(n: int) -> object:
        entry = manifest.shards[n]
        return actor.options(
            name=actor_name(folder, manifest.generation, n),
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
            f"the shards of {folder} did not all open ({reason(exc)}); every node must read "
            "that folder at the same path (see `bot cluster`)"
        ) from exc
    for n, info in enumerate(infos):
        if info["generation"] != manifest.generation or info["key"] != manifest.shards[n].key:
            raise ClusterError(
                f"shard {n + 1} runs another index; stop the shards: bot cluster --stop"
            )
    shards = RayShards(handles, key, timeout, start)
    with OPEN_LOCK:
        OPEN[key] = shards
    return shards


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
                    raise ClusterError(f"a build task failed ({reason(exc)})") from exc
                done(where[ref], results[where[ref]])
        return results


@dataclasses.dataclass(frozen=True)
class ShardState:
    """What `bot cluster` says of one shard actor."""

    number: int
    current: bool  # of the generation the manifest names (else an older one, still running)
    state: str  # "up", "no reply", "not started"
    info: dict


def shard_states(
    folder: Path, manifest: layout.Manifest | None, timeout: float = 5.0
) -> list[ShardState]:
    """Every shard actor of the cluster: those of `manifest`'s generation first, then others."""
    import ray

    names = sorted(
        entry["name"]
        for entry in ray.util.list_named_actors(all_namespaces=True)
        if entry.get("namespace") == NAMESPACE and entry["name"].startswith(ACTOR_PREFIX)
    )
    current = (
        [actor_name(folder, manifest.generation, n) for n in range(len(manifest.shards))]
        if manifest
        else []
    )
    states = []
    for name in current + [n for n in names if n not in current]:
        number, ours = int(name.rpartition("-")[2]), name in current
        if name not in names:
            states.append(ShardState(number, ours, "not started", {}))
            continue
        try:
            handle = ray.get_actor(name, namespace=NAMESPACE)
            info = ray.get(handle.info.remote(), timeout=timeout)
            states.append(ShardState(number, ours, "up", info))
        except (ray.exceptions.RayError, ValueError) as exc:
            states.append(ShardState(number, ours, "no reply", {"error": reason(exc)}))
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
