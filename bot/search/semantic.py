"""The semantic stage: a vector a sentence, built once and kept, and those nearest a question.

A sentence's vector is the model's vector of "Title: sentence" plus `ALONE_WEIGHT` times that of
the sentence alone, normalised: the title says what the sentence is about ("He died on Monday"
belongs to "Veteran comic Cyril Fletcher dies"), the sentence alone keeps its own words in front.
Measured on the news paraphrase dev set, the sentence alone ranks paraphrases at P@1 0.33, with
its title 0.42, the two together 0.44 (README "Semantic stage").
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .bm25 import concatenated_ranges, top_k, top_k_within
from .embed import Encoder, text_keys

ALONE_WEIGHT = 0.3
# Bump when the way a sentence's vector is made changes: saved vectors then no longer match.
TEMPLATE = 1
# Up to this many sentences a question is compared with every one of them (a float32 copy of
# the vectors, 77 MB at the limit); above it, with the sentences of the articles whose mean
# vectors are nearest, and of the lexical candidates.
EXACT_MAX = 50_000
ROUTED_ARTICLES = 48
# Encoding at least this many texts runs in one worker process a core.
PARALLEL_MIN_TEXTS = 20_000
_CHUNK = 512
_MEANS_BLOCK = 20_000  # sentences converted to float32 at a time
_KEY_BLOCK = 100_000  # sentences whose texts are read at a time to make their keys


def sentence_keys(titles: Sequence[str], texts: Sequence[str]) -> np.ndarray:
    """The key under which a sentence's vector is kept: its title, text and the template."""
    return text_keys(
        [f"{TEMPLATE}\x1f{title}\x1f{text}" for title, text in zip(titles, texts, strict=True)]
    )


def encode_sentences(
    encoder: Encoder,
    titles: Sequence[str],
    texts: Sequence[str],
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Unit vectors of sentences with their titles (float16), in worker processes when many.

    Texts are sorted by length before they are cut into batches, so a batch pads little.
    """
    order = np.argsort([len(t) + len(s) for t, s in zip(titles, texts, strict=True)])
    chunks = [order[lo : lo + _CHUNK] for lo in range(0, len(order), _CHUNK)]
    work = [([titles[i] for i in c], [texts[i] for i in c]) for c in chunks]
    vectors = np.zeros((len(texts), encoder.dimension), dtype=np.float16)
    workers = min(os.cpu_count() or 1, 8)
    if len(texts) >= PARALLEL_MIN_TEXTS and workers > 1:
        # Spawned, not forked: onnxruntime's threads must not be copied into a child.
        spawn = multiprocessing.get_context("spawn")
        spec = (str(encoder.folder), encoder.model_file)
        with spawn.Pool(workers, initializer=_open_model, initargs=spec) as pool:
            for chunk, done in zip(chunks, pool.imap(_encode_in_worker, work), strict=True):
                vectors[chunk] = done
                if progress:
                    progress(len(chunk))
        return vectors
    for chunk, (chunk_titles, chunk_texts) in zip(chunks, work, strict=True):
        vectors[chunk] = _combined(encoder, chunk_titles, chunk_texts)
        if progress:
            progress(len(chunk))
    return vectors


def _combined(encoder: Encoder, titles: list[str], texts: list[str]) -> np.ndarray:
    with_title = encoder.encode([f"{t}: {s}" for t, s in zip(titles, texts, strict=True)])
    mixed = with_title + ALONE_WEIGHT * encoder.encode(texts)
    norms = np.maximum(np.linalg.norm(mixed, axis=1, keepdims=True), 1e-12)
    return (mixed / norms).astype(np.float16)


_WORKER_ENCODER: Encoder | None = None


def _open_model(folder: str, model_file: str | None) -> None:
    global _WORKER_ENCODER
    _WORKER_ENCODER = Encoder(folder, model_file, threads=1)


def _encode_in_worker(work: tuple[list[str], list[str]]) -> np.ndarray:
    if _WORKER_ENCODER is None:
        raise RuntimeError("worker started without a model")
    return _combined(_WORKER_ENCODER, *work)


def build_vectors(
    encoder: Encoder,
    count: int,
    sentences: Callable[[np.ndarray], tuple[list[str], list[str]]],
    first_of_article: np.ndarray,
    reuse: Iterable[tuple[np.ndarray, np.ndarray]] = (),
    progress: Callable[[int], Callable[[int], None] | None] | None = None,
) -> tuple[Vectors, int]:
    """Vectors of every sentence, and how many had to be encoded.

    Args:
        encoder: the model.
        count: how many sentences the index holds.
        sentences: the titles and texts of the sentences with these ids (read a block at a
            time, so that a large index never holds every text at once).
        first_of_article: id of each article's first sentence (the last article ends the index).
        reuse: pairs of keys and vectors (e.g. a previous index's): a sentence whose key
            (`sentence_keys`) is there takes its vector from there.
        progress: given how many sentences will be encoded, returns what to call with the
            number encoded since the last call (a progress bar), or None.

    The other sentences are encoded, each distinct one once.
    """
    blocks = [np.arange(lo, min(lo + _KEY_BLOCK, count)) for lo in range(0, count, _KEY_BLOCK)]
    keys = np.concatenate(
        [np.zeros(0, dtype=np.int64)] + [sentence_keys(*sentences(b)) for b in blocks]
    )
    matrix = np.zeros((len(keys), encoder.dimension), dtype=np.float16)
    have = np.zeros(len(keys), dtype=bool)
    for old_keys, old_vectors in reuse:
        if not len(old_keys) or old_vectors.shape[1:] != matrix.shape[1:]:
            continue
        order = np.argsort(old_keys, kind="stable")
        ordered = old_keys[order]
        at = np.clip(np.searchsorted(ordered, keys), 0, len(ordered) - 1)
        found = ~have & (ordered[at] == keys)
        matrix[found] = old_vectors[order[at[found]]]
        have |= found
    missing = np.flatnonzero(~have)
    _, first, inverse = np.unique(keys[missing], return_index=True, return_inverse=True)
    todo = missing[first]
    advance = progress(len(todo)) if progress else None
    matrix[missing] = encode_sentences(encoder, *sentences(todo), advance)[inverse.reshape(-1)]
    centroids = article_means(matrix, first_of_article)
    return Vectors(matrix, keys, centroids, first_of_article), len(todo)


def article_means(vectors: np.ndarray, first_of_article: np.ndarray) -> np.ndarray:
    """Each article's mean sentence vector, normalised (float32); zeros for an empty article."""
    n_articles = len(first_of_article)
    ends = np.append(first_of_article[1:], len(vectors)).astype(np.int64)
    means = np.zeros((n_articles, vectors.shape[1]), dtype=np.float32)
    lo = 0
    while lo < n_articles:  # a block of articles holding about _MEANS_BLOCK sentences at a time
        hi = int(np.searchsorted(first_of_article, first_of_article[lo] + _MEANS_BLOCK, "right"))
        hi = min(max(hi, lo + 1), n_articles)
        start = int(first_of_article[lo])
        sizes = ends[lo:hi] - first_of_article[lo:hi]
        filled = np.flatnonzero(sizes > 0)
        if len(filled):
            block = vectors[start : int(ends[hi - 1])].astype(np.float32)
            offsets = first_of_article[lo:hi][filled] - start
            means[lo + filled] = np.add.reduceat(block, offsets, axis=0)
        lo = hi
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    return np.divide(means, norms, out=np.zeros_like(means), where=norms > 0)


def dot(rows: np.ndarray, question: np.ndarray) -> np.ndarray:
    """Each row's dot product with the question, the same whichever other rows are given.

    A BLAS product rounds a row differently depending on where it falls in the matrix (its
    kernels take rows four at a time), so a sentence's similarity would change in its last
    bits with the other sentences compared alongside; einsum's loop sums every row the same
    way, as fast here. A shard's similarities then equal the whole index's (`bot/cluster`).
    """
    return np.einsum("ij,j->i", rows, question)


class Vectors:
    """The sentences' unit vectors (float16, memory-mapped when loaded) and how to search them."""

    def __init__(
        self,
        matrix: np.ndarray,
        keys: np.ndarray,
        centroids: np.ndarray,
        first_of_article: np.ndarray,
    ) -> None:
        self.matrix = matrix  # float16[N, d]
        self.keys = keys  # int64[N]: `sentence_keys`
        self.centroids = centroids  # float32[A, d]: `article_means`
        self._first = first_of_article
        self._ends = np.append(first_of_article[1:], len(matrix)).astype(np.int64)
        # Small indexes keep a float32 copy and compare a question with every sentence.
        self._full = matrix.astype(np.float32) if len(matrix) <= EXACT_MAX else None

    def __len__(self) -> int:
        return len(self.matrix)

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays to save (see `store.with_vectors`)."""
        return {"vectors": self.matrix, "vector_keys": self.keys, "centroids": self.centroids}

    def similarity(self, question: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Cosine similarity of the question's vector with sentences `ids`."""
        if self._full is not None:
            return dot(self._full[ids], question)
        return dot(self.matrix[ids].astype(np.float32), question)

    def compare(
        self,
        question: np.ndarray,
        articles: np.ndarray | None = None,
        among: np.ndarray | None = None,
    ) -> tuple[np.ndarray | None, np.ndarray]:
        """The sentences a question is compared with, and their similarities.

        Returns (None, one similarity a sentence) while the index is small enough to compare
        with every sentence; else (ids, similarities) of the sentences of the
        `ROUTED_ARTICLES` articles whose mean vectors are closest (of those `among`, bool per
        article, when given: the question's language) and of `articles` (the lexical
        candidates' articles).
        """
        if self._full is not None:
            return None, dot(self._full, question)
        routing = dot(self.centroids, question)
        if among is not None:
            routing = np.where(among, routing, -np.inf)
        near = top_k(routing, ROUTED_ARTICLES)
        near = np.sort(near if among is None else near[among[near]])
        if articles is not None and len(articles):
            near = np.union1d(near, articles)
        ids = concatenated_ranges(self._first[near], self._ends[near] - self._first[near])
        return ids, self.similarity(question, ids)

    def nearest(
        self,
        question: np.ndarray,
        k: int,
        articles: np.ndarray | None = None,
        among: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Ids and similarities of up to `k` sentences nearest the question, best first.

        `among` (bool per article) keeps to the sentences of those articles (the question's
        language); None: every article.
        """
        ids, sims = self.compare(question, articles, among)
        best = top_k_within(sims, None if among is None else self.within(among, ids), k)
        return (best if ids is None else ids[best]), sims[best]

    def within(self, among: np.ndarray, ids: np.ndarray | None) -> np.ndarray:
        """Whether each sentence (`ids`, or every sentence for None) is in one of `among`."""
        if ids is None:
            return np.repeat(among, self._ends - self._first)
        return among[np.searchsorted(self._first, ids, side="right") - 1]  # their articles


@dataclass(frozen=True)
class Semantic:
    """What the semantic stage needs at question time: the model and the sentence vectors."""

    encoder: Encoder
    vectors: Vectors
