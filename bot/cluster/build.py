"""Building a sharded index: Punkt once, each changed shard as a task, statistics, vectors.

1. Each article's language is told and each language's splitter (Punkt) trained once on the
   whole corpus (as one index does), and every shard splits with them, so sentences are the
   same wherever they are indexed.
2. Articles go to shards by a stable hash of their id (`layout.shard_of`); a shard whose
   articles, settings and Punkt are unchanged keeps its folder; the others are built as tasks
   (`Runner`: Ray tasks over the cluster, or this process), each analysing its articles and
   fitting its models as `search/build.py` does for one index, and saved as one index is.
3. The statistics of the whole corpus are merged from every shard (`stats.merge`).
4. With the semantic stage, sentences are encoded once each across the corpus: vectors of
   unchanged shards and of saved indexes are reused, the rest encoded as tasks in the chunks
   `semantic.encode_sentences` makes, and each shard gets its rows.
5. The manifest naming the new generation replaces the old one atomically.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from ..config import SearchParams
from ..errors import ClusterError
from ..search import build as index_build
from ..search.corpus import Article, Corpus
from ..search.embed import Encoder
from ..search.languages.articles import (
    Splitter,
    article_languages,
    numbered,
    trained_splitters,
)
from ..search.semantic import article_means, encode_sentences, sentence_keys
from ..search.sentences import SentenceSplitter
from ..search.store import open_array, save, vector_files, write_array
from . import layout, stats
from .shard import built_shard

# Sentences encoded by one task (fewer than `semantic.PARALLEL_MIN_TEXTS`: no pool inside).
ENCODE_TASK = 4096


class Runner(Protocol):
    """Runs one function over many arguments: Ray tasks on the cluster, or this process."""

    def map(
        self, function: Callable, arguments: Sequence[tuple], done: Callable[[int, object], None]
    ) -> list:
        """`function(*a)` for each `a`, results in order; `done(i, result)` as each finishes."""
        ...


class InProcess:
    """A `Runner` that runs everything here, one after the other (tests, one machine)."""

    def map(
        self, function: Callable, arguments: Sequence[tuple], done: Callable[[int, object], None]
    ) -> list:
        results = []
        for i, args in enumerate(arguments):
            results.append(function(*args))
            done(i, results[-1])
        return results


def build_shards(
    corpus: Corpus,
    params: SearchParams,
    folder: Path,
    count: int,
    runner: Runner,
    model: Callable[[int], Encoder | None] | None = None,
    reuse: Iterable[Path] = (),
    say: Callable[[str], None] = lambda line: None,
) -> layout.Manifest:
    """Build the sharded index of `corpus` in `folder` (or keep what is current); its manifest.

    Args:
        corpus: the articles.
        params: search settings.
        folder: where the shards go; every node of the cluster must be able to read it.
        count: how many shards.
        runner: where the tasks run.
        model: gives the semantic model for an index of so many sentences, or None; with a
            model, the shards hold sentence vectors.
        reuse: more folders holding saved indexes whose sentence vectors may be reused.
        say: called with a line of progress at each step.
    """
    if count < 1:
        raise ClusterError(f"a sharded index needs 1 shard or more, not {count}")
    folder = folder.resolve()  # tasks run in other working directories, maybe on other nodes
    folder.mkdir(parents=True, exist_ok=True)
    previous = layout.Manifest.read(folder)
    started = time.monotonic()
    codes, language_of = article_languages(corpus.articles)
    splitters = trained_splitters(corpus.articles, codes, language_of)
    prints = {code: splitter.fingerprint() for code, splitter in splitters.items()}
    parts, positions = split(corpus, count)
    languages = [_shard_languages(splitters, codes, language_of[p]) for p in positions]
    keys = [
        layout.shard_key(part, params, _analysis(shard, prints))
        for part, shard in zip(parts, languages, strict=True)
    ]
    todo = [n for n in range(count) if not (folder / f"{layout.SHARD_PREFIX}{keys[n]}").is_dir()]
    say(
        f"{len(corpus.articles):,} articles in {count} shards: {len(todo)} to build, "
        f"{count - len(todo)} unchanged"
    )

    def built(i: int, sentences: object) -> None:
        n = todo[i]
        say(
            f"shard {n + 1}/{count}: {len(parts[n].articles):,} articles, "
            f"{sentences:,} sentences, built after {time.monotonic() - started:.1f} s"
        )

    arguments = [(parts[n].articles, params, languages[n], str(folder), keys[n]) for n in todo]
    runner.map(build_shard, arguments, built)
    tables = [
        stats.ShardTables(
            layout.load_arrays(folder / f"{layout.SHARD_PREFIX}{key}")[1], positions[n], key
        )
        for n, key in enumerate(keys)
    ]
    n_sentences = sum(len(t.arrays["start"]) for t in tables)
    encoder = model(n_sentences) if model is not None else None
    identity = encoder.identity if encoder is not None else None
    generation = layout.generation_key(keys, identity)
    stats_folder = folder / f"{layout.STATS_PREFIX}{generation}"
    if not stats_folder.is_dir():
        arrays, meta = stats.merge(tables, len(corpus.articles), params)
        layout.save_arrays(stats_folder, arrays, meta)
    say(f"statistics of {n_sentences:,} sentences merged after {time.monotonic() - started:.1f} s")
    if encoder is not None:
        reused = [folder, *reuse]
        add_vectors(parts, keys, folder, encoder, runner, reused, say)
    entries = tuple(
        layout.ShardEntry(
            key,
            len(part.articles),
            len(table.arrays["start"]),
            layout.folder_bytes(folder / f"{layout.SHARD_PREFIX}{key}"),
        )
        for key, part, table in zip(keys, parts, tables, strict=True)
    )
    manifest = layout.Manifest(
        generation,
        corpus.fingerprint,
        layout.settings_key(params),
        identity,
        layout.splitters_key(prints),
        entries,
        n_sentences,
        layout.now(),
    )
    manifest.write(folder)
    keep = {manifest.stats_name, *(e.folder_name for e in entries)}
    if previous is not None:  # a bot may still answer from the previous generation
        keep |= {previous.stats_name, *(e.folder_name for e in previous.shards)}
    layout.remove_unused(folder, keep)
    size = sum(e.bytes for e in entries)
    say(
        f"sharded index of {n_sentences:,} sentences in {count} shards "
        f"({size / 1e6:,.0f} MB) written to {folder} in {time.monotonic() - started:.1f} s"
    )
    return manifest


def split(corpus: Corpus, count: int) -> tuple[list[Corpus], list[np.ndarray]]:
    """Each shard's articles (in corpus order) and their corpus positions."""
    groups: list[list[Article]] = [[] for _ in range(count)]
    where: list[list[int]] = [[] for _ in range(count)]
    for position, article in enumerate(corpus.articles):
        n = layout.shard_of(article.id, count)
        groups[n].append(article)
        where[n].append(position)
    return [Corpus(tuple(g)) for g in groups], [np.array(w, dtype=np.int64) for w in where]


def _analysis(languages: index_build.Languages, prints: dict[str, str]) -> str:
    """What a shard is analysed with: its articles' languages, and their splitters."""
    _, codes, language_of = languages
    splitters = ",".join(f"{code}:{prints.get(code, '')}" for code in codes)
    return f"{splitters}|{','.join(codes[n] for n in language_of.tolist())}"


def _shard_languages(
    splitters: dict[str, Splitter | SentenceSplitter], codes: tuple[str, ...], mine: np.ndarray
) -> index_build.Languages:
    """A shard's languages (in order of appearance), its articles', and their splitters."""
    shard_codes, shard_of = numbered(codes[n] for n in mine.tolist())
    mine_splitters = {code: splitters[code] for code in shard_codes if code in splitters}
    return mine_splitters, shard_codes, shard_of


def build_shard(
    articles: tuple[Article, ...],
    params: SearchParams,
    languages: index_build.Languages,
    folder: str,
    key: str,
) -> int:
    """Analyse and index one shard's articles, and save it as `index-<key>`; its sentences.

    `languages`: the splitters trained on the whole corpus, and the articles' languages. One
    process: the cluster runs shards side by side (this is a Ray task on some node).
    """
    corpus = Corpus(articles)
    built = index_build.build(corpus, params, languages=languages, workers=1)
    arrays = built_shard(corpus, params, built)
    save(_Saved(arrays, len(built.arrays["start"]), len(articles)), Path(folder), key)
    return len(built.arrays["start"])


class _Saved:
    """What `store.save` writes: a shard's arrays (the index's and the merge's)."""

    def __init__(self, arrays: dict[str, np.ndarray], sentences: int, articles: int) -> None:
        self._arrays, self._sentences = arrays, sentences
        self.articles = range(articles)

    def arrays(self) -> dict[str, np.ndarray]:
        return self._arrays

    def __len__(self) -> int:
        return self._sentences


def add_vectors(
    parts: list[Corpus],
    keys: list[str],
    folder: Path,
    encoder: Encoder,
    runner: Runner,
    reuse: Sequence[Path],
    say: Callable[[str], None],
) -> None:
    """Give every shard that lacks them its sentence vectors, each distinct sentence encoded once.

    Vectors saved with any shard or index in `reuse` are taken for unchanged sentences.
    """
    files = vector_files(encoder.identity)
    shard_folders = [folder / f"{layout.SHARD_PREFIX}{key}" for key in keys]
    todo = [n for n, f in enumerate(shard_folders) if not (f / files["vectors"]).is_file()]
    if not todo:
        return
    texts = {n: _titles_and_texts(parts[n], shard_folders[n]) for n in todo}
    wanted = {n: sentence_keys(*texts[n]) for n in todo}
    pool_keys, pool_vectors = _pool(reuse, files, encoder.dimension)
    missing_keys, missing_titles, missing_texts = [], [], []
    seen = set(pool_keys.tolist())
    for n in todo:
        for key, title, text in zip(wanted[n].tolist(), *texts[n], strict=True):
            if key not in seen:
                seen.add(key)
                missing_keys.append(key)
                missing_titles.append(title)
                missing_texts.append(text)
    say(f"sentence vectors: {len(missing_keys):,} distinct sentences to encode")
    if missing_keys:
        encoded = encode(encoder, missing_titles, missing_texts, runner, say)
        pool_keys = np.concatenate((pool_keys, np.array(missing_keys, dtype=np.int64)))
        pool_vectors = np.concatenate((pool_vectors, encoded))
    order = np.argsort(pool_keys, kind="stable")
    for n in todo:
        at = order[np.searchsorted(pool_keys[order], wanted[n])]
        matrix = np.ascontiguousarray(pool_vectors[at])
        first = open_array(shard_folders[n] / "first_of_article.npy")
        arrays = {
            "vectors": matrix,
            "vector_keys": wanted[n],
            "centroids": article_means(matrix, first),
        }
        for part, array in arrays.items():
            write_array(shard_folders[n] / files[part], array)


def encode(
    encoder: Encoder,
    titles: list[str],
    texts: list[str],
    runner: Runner,
    say: Callable[[str], None],
) -> np.ndarray:
    """Vectors of sentences (`semantic.encode_sentences`), a task every `ENCODE_TASK`."""
    spans = [(lo, min(lo + ENCODE_TASK, len(texts))) for lo in range(0, len(texts), ENCODE_TASK)]
    spec = (str(encoder.folder), encoder.model_file)
    arguments = [(spec, titles[lo:hi], texts[lo:hi]) for lo, hi in spans]
    started, finished = time.monotonic(), [0]

    def done(i: int, result: object) -> None:
        finished[0] += spans[i][1] - spans[i][0]
        say(f"encoded {finished[0]:,}/{len(texts):,} after {time.monotonic() - started:.0f} s")

    parts = runner.map(encode_task, arguments, done)
    return np.concatenate([np.zeros((0, encoder.dimension), dtype=np.float16), *parts])


def encode_task(spec: tuple[str, str | None], titles: list[str], texts: list[str]) -> np.ndarray:
    """Encode sentences with a one-thread model, as `encode_sentences`' worker processes do."""
    return encode_sentences(Encoder(spec[0], spec[1], threads=1), titles, texts)


def _titles_and_texts(part: Corpus, shard: Path) -> tuple[list[str], list[str]]:
    """The title and text of every sentence of a shard, in its order."""
    article_of = open_array(shard / "article_of.npy").tolist()
    starts = open_array(shard / "start.npy").tolist()
    ends = open_array(shard / "end.npy").tolist()
    articles = part.articles
    titles = [articles[a].title for a in article_of]
    texts = [articles[a].body[s:e] for a, s, e in zip(article_of, starts, ends, strict=True)]
    return titles, texts


def _pool(
    folders: Sequence[Path], files: dict[str, str], dimension: int
) -> tuple[np.ndarray, np.ndarray]:
    """Keys and vectors saved with the indexes in these folders (each `index-*` inside).

    `files`: the vectors' file names by part (`store.vector_files`).
    """
    keys, vectors = [np.zeros(0, dtype=np.int64)], [np.zeros((0, dimension), dtype=np.float16)]
    for folder in folders:
        for saved in sorted(folder.glob(f"{layout.SHARD_PREFIX}*")) if folder.is_dir() else []:
            try:
                found = open_array(saved / files["vector_keys"])
                matrix = open_array(saved / files["vectors"])
            except (OSError, ValueError):
                continue
            if matrix.shape[1:] == (dimension,) and len(found) == len(matrix):
                keys.append(found)
                vectors.append(matrix)
    return np.concatenate(keys), np.concatenate(vectors)
