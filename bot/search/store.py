"""The index on disk: built once, loaded on the next start while the corpus is unchanged.

A saved index is a folder of `.npy` arrays and a `meta.json`, named after a hash of the corpus
content, the search settings and the index format; nothing is ever unpickled. A folder that is
missing, stale, damaged or written by another version is ignored and a new one is built.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .. import __version__
from ..config import SearchParams
from .corpus import Corpus, load_corpus
from .index import SentenceIndex

log = logging.getLogger(__name__)

FORMAT = 2  # bump whenever what the index holds or how it is computed changes
CACHE_FOLDER = ".index-cache"
# Builds of corpora this large show a progress bar on a terminal.
PROGRESS_MIN_ARTICLES = 2000


def load_or_build(
    corpus_dir: str | Path,
    params: SearchParams,
    cache_dir: str | Path | None = CACHE_FOLDER,
    corpus: Corpus | None = None,
) -> SentenceIndex:
    """Load the corpus, then its saved index if it is current, else build and save one.

    Args:
        corpus_dir: the corpus folder.
        params: search settings; they are part of what the saved index must match.
        cache_dir: where saved indexes live; a relative path is inside the corpus folder
            (default `.index-cache`, which the corpus loader skips); None neither loads nor
            saves one.
        corpus: the corpus already loaded from `corpus_dir`, to save loading it twice.
    """
    corpus = corpus or load_corpus(corpus_dir)
    if cache_dir is None:
        return SentenceIndex.build(corpus, params, _progress(corpus))
    folder = Path(corpus_dir) / cache_dir  # an absolute cache_dir replaces corpus_dir
    key = cache_key(corpus, params)
    saved = folder / f"index-{key}"
    if saved.is_dir():
        try:
            return load(saved, key, corpus, params)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("Saved index %s is unusable (%s); building a new one", saved, exc)
    index = SentenceIndex.build(corpus, params, _progress(corpus))
    try:
        save(index, folder, key)
    except OSError as exc:
        log.warning(
            "Could not save the index in %s (%s); it will be built at every start",
            folder,
            exc.strerror or exc,
        )
    return index


def cache_key(corpus: Corpus, params: SearchParams) -> str:
    """Hash of everything a saved index depends on."""
    settings = json.dumps(dataclasses.asdict(params), sort_keys=True)
    text = f"{FORMAT}|{__version__}|{corpus.fingerprint}|{settings}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def save(index: SentenceIndex, folder: Path, key: str) -> Path:
    """Write `index` as `folder/index-<key>` (atomically) and drop older saved indexes."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"index-{key}"
    partial = folder / f".partial-{key}-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    arrays = index.arrays()
    for name, array in arrays.items():
        np.save(partial / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
    meta = {
        "format": FORMAT,
        "key": key,
        "sentences": len(index),
        "articles": len(index.articles),
        "arrays": sorted(arrays),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (partial / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    try:
        partial.rename(target)
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)  # another process saved it first
        if not target.is_dir():
            raise
    for old in folder.glob("index-*"):
        if old != target:
            shutil.rmtree(old, ignore_errors=True)
    return target


def load(saved: Path, key: str, corpus: Corpus, params: SearchParams) -> SentenceIndex:
    """Open a saved index (memory-mapped, read-only); raise ValueError if it does not fit."""
    meta = json.loads((saved / "meta.json").read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT or meta.get("key") != key:
        raise ValueError("written for another corpus, setting or version")
    arrays = {
        # Plain ndarray views of the mapped files: indexing a np.memmap costs a Python call.
        name: np.load(saved / f"{name}.npy", mmap_mode="r", allow_pickle=False).view(np.ndarray)
        for name in meta["arrays"]
    }
    _check(arrays, meta, corpus)
    return SentenceIndex.from_arrays(corpus, params, arrays)


def _check(arrays: dict[str, np.ndarray], meta: dict, corpus: Corpus) -> None:
    """Cheap consistency checks that catch truncated or mixed-up files."""
    n = meta["sentences"]
    if meta["articles"] != len(corpus.articles):
        raise ValueError("article count differs")
    for name in ("article_of", "paragraph_of", "paragraph_id", "start", "end", "continues_quote"):
        if len(arrays[name]) != n:
            raise ValueError(f"{name} has {len(arrays[name])} entries, not {n}")
    for model in ("sentences", "paragraphs", "articles"):
        if f"{model}.offsets" not in arrays:
            continue
        offsets, docs = arrays[f"{model}.offsets"], arrays[f"{model}.docs"]
        if int(offsets[-1]) != len(docs) or len(arrays[f"{model}.keys"]) + 1 != len(offsets):
            raise ValueError(f"{model} postings are inconsistent")
        if len(arrays[f"{model}.tfs"]) != len(docs):
            raise ValueError(f"{model} postings are inconsistent")
    if len(arrays["sentences.norm"]) != n:
        raise ValueError("sentence lengths do not match")


def _progress(corpus: Corpus) -> Callable[[int], None] | None:
    """A tqdm bar on stderr for big corpora, only when stderr is a terminal."""
    if len(corpus.articles) < PROGRESS_MIN_ARTICLES or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = tqdm(total=len(corpus.articles), unit="article", desc="Indexing", leave=False)

    def advance(done: int) -> None:
        bar.update(done)
        if bar.n >= bar.total:
            bar.close()

    return advance
