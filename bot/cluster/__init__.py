"""The index sharded over a Ray cluster, answering exactly as one index would.

The core never imports this package, and only this package imports `ray` (the optional extra
`[cluster]`). `reload.build_index` opens a sharded index when RAY_ADDRESS is set; the CLI builds
one (`bot index build --shards N`) and shows it (`bot cluster`).

    layout.py       the shard folder: articles to shards, keys, the manifest of a generation
    build.py        building shards as tasks, merging statistics, vectors, the manifest
    stats.py        corpus-wide statistics: merged from the shards, restated in each
    shard.py        one shard's index and what it offers for a question
    coordinator.py  ShardedIndex: a question to every shard, the offers merged as one index
    actors.py       Ray: the connection, the shard actors, calls with a deadline, build tasks
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from ..config import Settings
from ..search.corpus import Corpus
from ..search.embed import Encoder
from . import layout
from .coordinator import ShardedIndex

log = logging.getLogger(__name__)

Model = Callable[[int], Encoder | None]


def shard_folder(settings: Settings) -> Path:
    """Where the shards are: SHARD_DIR, inside the corpus folder unless absolute.

    Absolute: the shards open it on other machines, and in other working directories.
    """
    return (settings.corpus_dir / settings.shard_dir).resolve()


def build_sharded(
    settings: Settings,
    corpus: Corpus,
    model: Model | None = None,
    count: int | None = None,
    say: Callable[[str], None] = log.info,
) -> layout.Manifest:
    """Build (or keep) the sharded index of `corpus` on the cluster; its manifest.

    `count` shards, else as many as the current generation has, else SHARDS. Vectors of the
    in-process saved indexes (INDEX_CACHE_DIR) are reused for unchanged sentences.
    """
    from .actors import RayRunner, connect
    from .build import build_shards

    connect(settings.ray_address)
    folder = shard_folder(settings)
    previous = layout.Manifest.read(folder) if folder.is_dir() else None
    count = count or (len(previous.shards) if previous else settings.shards)
    reuse = [settings.corpus_dir / settings.index_cache] if settings.index_cache else []
    return build_shards(corpus, settings.search, folder, count, RayRunner(), model, reuse, say)


def open_index(settings: Settings, corpus: Corpus, model: Model | None = None) -> ShardedIndex:
    """The sharded index of `corpus` on the cluster at RAY_ADDRESS, its shards up.

    The current generation when it was built from this corpus, these settings and this model;
    else a new one is built (the unchanged shards kept). Raises ClusterError when the cluster
    or a shard cannot be reached.
    """
    from .actors import connect, start_shards

    connect(settings.ray_address)
    folder = shard_folder(settings)
    manifest = layout.Manifest.read(folder) if folder.is_dir() else None
    encoder = None
    if manifest is not None and manifest.matches(corpus, settings.search):
        encoder = model(manifest.sentences) if model is not None else None
        if manifest.model != (encoder.identity if encoder is not None else None):
            manifest = None
    else:
        manifest = None
    if manifest is None:
        manifest = build_sharded(settings, corpus, model)
        encoder = model(manifest.sentences) if model is not None else None
    shards = start_shards(manifest, folder, settings.search, settings.shard_timeout)
    try:
        return ShardedIndex.open(
            corpus, settings.search, folder, manifest, shards, encoder, settings.semantic_languages
        )
    except Exception:
        shards.close()
        raise


def report(settings: Settings, stop: bool = False) -> tuple[list[str], bool]:
    """Lines about the cluster and every shard (`bot cluster`), and whether all shards are up.

    With `stop`, every shard actor is stopped instead (the bot starts them again).
    """
    from .actors import connect, shard_states, stop_all

    connect(settings.ray_address)  # first: it says so when Ray is not installed
    import ray

    if stop:
        stopped = stop_all()
        return [f"Stopped {stopped} shard(s); the bot starts them again when it next asks."], True
    resources = ray.cluster_resources()
    nodes = sum(1 for node in ray.nodes() if node.get("Alive"))
    lines = [
        f"Ray cluster at {settings.ray_address}: {nodes} node(s), "
        f"{resources.get('CPU', 0):g} CPUs, {resources.get('memory', 0) / 1e9:.1f} GB memory"
    ]
    folder = shard_folder(settings)
    manifest = layout.Manifest.read(folder) if folder.is_dir() else None
    if manifest is None:
        lines.append(f"No sharded index in {folder}; build one: bot index build --shards N")
    else:
        vectors = ", with sentence vectors" if manifest.model else ""
        lines.append(
            f"Sharded index in {folder}: {len(manifest.shards)} shards, "
            f"{manifest.sentences:,} sentences{vectors}, built {manifest.created} "
            f"(statistics {manifest.generation})"
        )
    states = shard_states(folder, manifest)
    current = [s for s in states if s.current]
    if current:
        lines.append(
            f"{'shard':>5}  {'articles':>9}  {'sentences':>10}  {'on disk':>8}  "
            f"{'memory':>8}  {'host':<16} state"
        )
    for state in current:
        entry = manifest.shards[state.number]
        memory = f"{state.info['rss_mb']:,.0f} MB" if "rss_mb" in state.info else "–"
        detail = f" ({state.info['error']})" if "error" in state.info else ""
        lines.append(
            f"{state.number + 1:>5}  {entry.articles:>9,}  {entry.sentences:>10,}  "
            f"{entry.bytes / 1e6:>5,.0f} MB  {memory:>8}  "
            f"{state.info.get('host', '–'):<16} {state.state}{detail}"
        )
    others = [s for s in states if s not in current]
    if others:
        lines.append(
            f"{len(others)} shard actor(s) of another index still run (an older generation); "
            "stop them all with: bot cluster --stop"
        )
    up = sum(1 for s in current if s.state == "up")
    healthy = manifest is not None and up == len(manifest.shards)
    if healthy:
        lines.append(f"All {up} shards are up and share the statistics {manifest.generation}.")
    elif manifest is not None:
        lines.append(
            f"{len(manifest.shards) - up} of {len(manifest.shards)} shards are not up; the bot "
            "starts missing ones when it connects, and Ray restarts those that fail"
        )
    return lines, healthy


__all__ = ["ShardedIndex", "build_sharded", "open_index", "report", "shard_folder"]
