"""The sharded index on disk: which shard an article goes to, folder names, the manifest.

A sharded index is a folder every node can read (`SHARD_DIR`, a shared filesystem):

    manifest.json          the generation in use: its shards, statistics, corpus and settings
    index-<key>/           one shard, in the saved-index format of `search/store.py`, named
                           after its articles, the settings and Punkt (an unchanged shard
                           keeps its folder, and its sentence vectors, from build to build)
    stats-<generation>/    the corpus-wide statistics every shard scores with, and the
                           sentences' places for the bot (see `stats.py`)

The manifest is replaced atomically, so a reader sees one whole generation or the next.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import __version__
from ..config import SearchParams
from ..search import store
from ..search.corpus import Corpus

FORMAT = 2  # bump when what a shard or the statistics hold changes
MANIFEST = "manifest.json"
SHARD_PREFIX = "index-"
STATS_PREFIX = "stats-"


def shard_of(article_id: str, shards: int) -> int:
    """The shard an article belongs to: a stable hash of its id (the same on every machine)."""
    digest = hashlib.blake2b(article_id.encode("utf-8", "surrogatepass"), digest_size=8)
    return int.from_bytes(digest.digest(), "little") % shards


def shard_key(corpus: Corpus, params: SearchParams, analysis: str) -> str:
    """What a shard's folder is named after: its articles, settings, analysis, the formats.

    `analysis`: its articles' languages and their sentence splitters' fingerprints.
    """
    text = f"{FORMAT}|{store.cache_key(corpus, params)}|{analysis}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def splitters_key(fingerprints: dict[str, str]) -> str:
    """A hash of the sentence splitters of every language (`SentenceSplitter.fingerprint`)."""
    text = ",".join(f"{code}:{fingerprints[code]}" for code in sorted(fingerprints))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def settings_key(params: SearchParams) -> str:
    """A hash of the search settings a sharded index was built with."""
    return hashlib.sha256(
        json.dumps(dataclasses.asdict(params), sort_keys=True).encode()
    ).hexdigest()[:16]


@dataclass(frozen=True)
class ShardEntry:
    """One shard of a generation: its folder's key and what it holds."""

    key: str
    articles: int
    sentences: int
    bytes: int

    @property
    def folder_name(self) -> str:
        return f"{SHARD_PREFIX}{self.key}"


@dataclass(frozen=True)
class Manifest:
    """A generation of the sharded index: its shards, statistics, and what it was built from."""

    generation: str
    corpus: str  # the corpus fingerprint
    settings: str  # `settings_key` of the search settings
    model: str | None  # the semantic model's identity when the shards hold sentence vectors
    splitter: str  # the splitters' fingerprint (`splitters_key`)
    shards: tuple[ShardEntry, ...]
    sentences: int
    created: str = ""

    @property
    def stats_name(self) -> str:
        return f"{STATS_PREFIX}{self.generation}"

    def matches(self, corpus: Corpus, params: SearchParams) -> bool:
        """Whether this generation was built from this corpus and these settings."""
        return self.corpus == corpus.fingerprint and self.settings == settings_key(params)

    def write(self, folder: Path) -> None:
        """Replace `folder/manifest.json` with this one, atomically."""
        record = dataclasses.asdict(self)
        record["format"], record["version"] = FORMAT, __version__
        partial = folder / f".{MANIFEST}.{os.getpid()}"
        partial.write_text(json.dumps(record, indent=1), encoding="utf-8")
        os.replace(partial, folder / MANIFEST)

    @classmethod
    def read(cls, folder: Path) -> Manifest | None:
        """The manifest in `folder`, or None when there is none or it is from another version."""
        try:
            record = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if record.pop("format", None) != FORMAT or record.pop("version", None) != __version__:
            return None
        try:
            shards = tuple(ShardEntry(**entry) for entry in record.pop("shards"))
            return cls(shards=shards, **record)
        except (TypeError, KeyError):
            return None


def generation_key(keys: list[str], model: str | None) -> str:
    """A generation is named after its shards, in order, and the model of their vectors."""
    text = f"{FORMAT}|{','.join(keys)}|{model}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def folder_bytes(folder: Path) -> int:
    """Bytes of the files in a folder (not below it)."""
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())


def save_arrays(folder: Path, arrays: dict[str, np.ndarray], meta: dict) -> None:
    """Write arrays and a meta.json into a new folder, atomically (a partial folder renamed)."""
    store.write_folder(folder, arrays, {**meta, "format": FORMAT})


def load_arrays(folder: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """The meta.json and the memory-mapped arrays of a folder written by `save_arrays`/`store`."""
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    return meta, {name: store.open_array(folder / f"{name}.npy") for name in meta["arrays"]}


def remove_unused(folder: Path, keep: set[str]) -> None:
    """Delete shard and statistics folders of generations no longer listed in `keep`."""
    for path in folder.iterdir():
        if path.name.startswith((SHARD_PREFIX, STATS_PREFIX)) and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
