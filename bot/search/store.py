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
from .embed import Encoder
from .index import SentenceIndex
from .semantic import TEMPLATE, Semantic, Vectors, build_vectors

log = logging.getLogger(__name__)

FORMAT = 2  # bump whenever what the index holds or how it is computed changes
CACHE_FOLDER = ".index-cache"
# Builds of corpora this large, and encodings of this many sentences, show a progress bar on a
# terminal.
PROGRESS_MIN_ARTICLES = 2000
PROGRESS_MIN_SENTENCES = 2000


def load_or_build(
    corpus_dir: str | Path,
    params: SearchParams,
    cache_dir: str | Path | None = CACHE_FOLDER,
    corpus: Corpus | None = None,
    model: Callable[[int], Encoder | None] | None = None,
) -> SentenceIndex:
    """Load the corpus, then its saved index if it is current, else build and save one.

    Args:
        corpus_dir: the corpus folder.
        params: search settings; they are part of what the saved index must match.
        cache_dir: where saved indexes live; a relative path is inside the corpus folder
            (default `.index-cache`, which the corpus loader skips); None neither loads nor
            saves one.
        corpus: the corpus already loaded from `corpus_dir`, to save loading it twice.
        model: gives the semantic stage's model for an index of so many sentences, or None;
            with a model, sentence vectors are loaded with the index, or made (reusing those
            of earlier saved indexes where a sentence is unchanged) and saved beside it.
    """
    corpus = corpus or load_corpus(corpus_dir)
    if cache_dir is None:
        index = SentenceIndex.build(corpus, params, _progress(len(corpus.articles)))
        encoder = model(len(index)) if model else None
        return with_vectors(index, encoder) if encoder else index
    folder = Path(corpus_dir) / cache_dir  # an absolute cache_dir replaces corpus_dir
    key = cache_key(corpus, params)
    saved: Path | None = folder / f"index-{key}"
    index = None
    if saved.is_dir():
        try:
            index = load(saved, key, corpus, params)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("Saved index %s is unusable (%s); building a new one", saved, exc)
    if index is None:
        index = SentenceIndex.build(corpus, params, _progress(len(corpus.articles)))
        try:
            saved = save(index, folder, key)
        except OSError as exc:
            saved = None
            log.warning(
                "Could not save the index in %s (%s); it will be built at every start",
                folder,
                exc.strerror or exc,
            )
    encoder = model(len(index)) if model else None
    if encoder is not None:
        index = with_vectors(index, encoder, folder, saved)
    if saved is not None:
        for old in folder.glob("index-*"):
            if old != saved:
                shutil.rmtree(old, ignore_errors=True)
    return index


def with_vectors(
    index: SentenceIndex,
    encoder: Encoder,
    folder: Path | None = None,
    saved: Path | None = None,
) -> SentenceIndex:
    """The index with its sentence vectors: loaded from `saved`, else made and saved there.

    Vectors of the other saved indexes in `folder` are reused for unchanged sentences.
    """
    files = vector_files(encoder.identity)
    if saved is not None and all((saved / f).is_file() for f in files.values()):
        try:
            vectors = load_vectors(saved, encoder.identity, index.first_of_article)
            if len(vectors.matrix) != len(index) or len(vectors.keys) != len(index):
                raise ValueError("vectors do not match the sentences")
            return index.with_semantic(Semantic(encoder, vectors))
        except (OSError, ValueError) as exc:
            log.warning("Saved vectors in %s are unusable (%s); making them again", saved, exc)
    reuse = []
    for old in sorted(folder.glob("index-*")) if folder is not None and folder.is_dir() else []:
        try:
            reuse.append(
                (open_array(old / files["vector_keys"]), open_array(old / files["vectors"]))
            )
        except (OSError, ValueError):
            continue
    vectors, encoded = build_vectors(
        encoder,
        len(index),
        index.titles_and_texts,
        index.first_of_article,
        reuse,
        lambda total: _progress(total, "Encoding"),
    )
    log.info("Sentence vectors: %d encoded, %d reused", encoded, len(index) - encoded)
    if saved is not None:
        try:
            for part, array in vectors.arrays().items():
                write_array(saved / files[part], array)
        except OSError as exc:
            log.warning("Could not save the sentence vectors in %s (%s)", saved, exc)
    return index.with_semantic(Semantic(encoder, vectors))


def vector_files(identity: str) -> dict[str, str]:
    """The file names of the sentence vectors of the model `identity`, by part."""
    name = f"t{TEMPLATE}-{identity}"
    return {part: f"{part}-{name}.npy" for part in ("vectors", "vector_keys", "centroids")}


def load_vectors(folder: Path, identity: str, first_of_article: np.ndarray) -> Vectors:
    """The sentence vectors of the model `identity` saved in `folder` (memory-mapped)."""
    arrays = {p: open_array(folder / f) for p, f in vector_files(identity).items()}
    return Vectors(arrays["vectors"], arrays["vector_keys"], arrays["centroids"], first_of_article)


def cache_key(corpus: Corpus, params: SearchParams) -> str:
    """Hash of everything a saved index depends on."""
    settings = json.dumps(dataclasses.asdict(params), sort_keys=True)
    text = f"{FORMAT}|{__version__}|{corpus.fingerprint}|{settings}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def save(index: SentenceIndex, folder: Path, key: str) -> Path:
    """Write `index` as `folder/index-<key>` (atomically); `load_or_build` drops older ones."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"index-{key}"
    meta = {
        "format": FORMAT,
        "key": key,
        "sentences": len(index),
        "articles": len(index.articles),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    write_folder(target, index.arrays(), meta)
    return target


def write_folder(target: Path, arrays: dict[str, np.ndarray], meta: dict) -> None:
    """Write arrays (.npy) and `meta` with their names as meta.json: a partial folder renamed.

    When another process has written `target` first, its folder is kept.
    """
    partial = target.with_name(f".partial-{target.name}-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for name, array in arrays.items():
        np.save(partial / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
    meta = {**meta, "arrays": sorted(arrays)}
    (partial / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    try:
        partial.rename(target)
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
        if not target.is_dir():
            raise


def load(saved: Path, key: str, corpus: Corpus, params: SearchParams) -> SentenceIndex:
    """Open a saved index (memory-mapped, read-only); raise ValueError if it does not fit."""
    meta = json.loads((saved / "meta.json").read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT or meta.get("key") != key:
        raise ValueError("written for another corpus, setting or version")
    arrays = {name: open_array(saved / f"{name}.npy") for name in meta["arrays"]}
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


def open_array(path: Path) -> np.ndarray:
    """A saved array, memory-mapped read-only, as a plain ndarray view.

    Indexing a np.memmap costs a Python call; its plain view does not.
    """
    return np.load(path, mmap_mode="r", allow_pickle=False).view(np.ndarray)


def write_array(path: Path, array: np.ndarray) -> None:
    """Save one array as .npy, whole or not at all (a partial file renamed into place)."""
    partial = path.with_name(f".partial-{os.getpid()}-{path.name}")
    with partial.open("wb") as handle:
        np.save(handle, np.ascontiguousarray(array), allow_pickle=False)
    os.replace(partial, path)


def _progress(total: int, what: str = "Indexing") -> Callable[[int], None] | None:
    """A tqdm bar on stderr for big jobs, only when stderr is a terminal."""
    minimum = PROGRESS_MIN_ARTICLES if what == "Indexing" else PROGRESS_MIN_SENTENCES
    if total < minimum or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    unit = "article" if what == "Indexing" else "sentence"
    bar = tqdm(total=total, unit=unit, desc=what, leave=False)

    def advance(done: int) -> None:
        bar.update(done)
        if bar.n >= bar.total:
            bar.close()

    return advance
