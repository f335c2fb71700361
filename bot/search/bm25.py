"""BM25 as compressed postings: rank-bm25's BM25Okapi scores, at the cost of the query's terms."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .text import term_key

# Term lookups remembered per model before the memory is cleared.
REMEMBERED_LOOKUPS = 100_000
# Streams longer than this are sorted in sixteen slices by their keys' top four bits.
SORT_SLICE = 4_000_000
BUCKET_SHIFT = 60
# Slices sorted at once, each in its own thread (at most one a core).
SORT_THREADS = 4


@dataclass(frozen=True)
class Bm25Params:
    """The three knobs of BM25Okapi, named as in rank_bm25."""

    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25


class Bm25:
    """BM25Okapi over documents of terms, stored as postings sorted by term key.

    `scores(terms)` equals `rank_bm25.BM25Okapi(documents, k1, b, epsilon).get_scores(terms)`:
    the idf, its epsilon floor, the average length and every weight follow rank-bm25's code (a
    test checks them against it), but only the documents holding a query term are touched. Terms
    are stored as stable 64-bit keys (`text.term_key`), so the arrays can be saved and loaded.
    """

    def __init__(
        self,
        keys: np.ndarray,
        offsets: np.ndarray,
        docs: np.ndarray,
        tfs: np.ndarray,
        idf: np.ndarray,
        norm: np.ndarray,
        k1: float,
        lengths: np.ndarray | None = None,
    ) -> None:
        self.keys = keys  # int64[V], ascending
        self.offsets = offsets  # int64[V + 1]: postings of term t are [offsets[t], offsets[t+1])
        self.docs = docs  # int32[P], ascending within each term
        self.tfs = tfs  # uint16[P] (uint32 if a term repeats more often in one document)
        self.idf = idf  # float64[V]
        self.norm = norm  # float64[N]: k1 * (1 - b + b * length / average length)
        self.k1 = k1
        # Each document's length, kept when the model is fitted (not saved): a model fitted on
        # part of a corpus needs them to take the whole corpus's average length (`restated`).
        self.lengths = lengths
        # Term lookups already made (key -> index or None): questions repeat their words.
        self._found: dict[int, int | None] = {}

    @cached_property
    def idf_floor(self) -> float:
        """The lowest idf: below zero only when rank-bm25's epsilon floor is (tiny corpora)."""
        return float(self.idf.min()) if len(self.idf) else 0.0

    @property
    def n_documents(self) -> int:
        return len(self.norm)

    @classmethod
    def fit(cls, documents: list[list[str]], params: Bm25Params | None = None) -> Bm25:
        """Index documents given as lists of terms (strings)."""
        lengths = np.array([len(d) for d in documents], dtype=np.int64)
        keys = np.fromiter(
            (term_key(t) for d in documents for t in d), dtype=np.int64, count=int(lengths.sum())
        )
        doc_of = np.repeat(np.arange(len(documents), dtype=np.int32), lengths)
        return cls.from_terms(keys, doc_of, lengths, params or Bm25Params())

    @classmethod
    def from_terms(
        cls,
        keys: np.ndarray,
        doc_of: np.ndarray,
        lengths: np.ndarray,
        params: Bm25Params,
        groups: np.ndarray | None = None,
    ) -> Bm25:
        """Index a stream of term keys, each with its document (documents in ascending order).

        Args:
            keys: int64 term key of every token.
            doc_of: int32 document of every token, never decreasing.
            lengths: number of tokens of every document (its BM25 length).
            params: k1, b, epsilon.
            groups: the group (language) of every document, when documents of several groups
                share the postings but no term: each group's idf, idf floor and average length
                are then its own, as if it were a model of its own.

        The stream is sorted in sixteen slices by the keys' top bits, a thread a core, so the
        extra memory of sorting is a sixteenth of the stream's a thread; rows of one key and
        document become one posting.
        """
        if len(keys) <= SORT_SLICE:
            slices = [_postings(keys, doc_of, None)]
        else:
            top = (keys >> BUCKET_SHIFT).astype(np.int8)

            def one_slice(bucket: int) -> tuple[np.ndarray, ...]:
                return _postings(keys, doc_of, np.flatnonzero(top == bucket))

            # NumPy sorts and gathers without the GIL: slices sort side by side on every core.
            with ThreadPoolExecutor(min(os.cpu_count() or 1, SORT_THREADS)) as pool:
                slices = list(pool.map(one_slice, range(-8, 8)))
        vocabulary, sizes, docs, tfs = (list(column) for column in zip(*slices, strict=True))
        return cls._assemble(vocabulary, sizes, docs, tfs, lengths, params, groups)

    def regrouped(
        self,
        keep: np.ndarray,
        group_of: np.ndarray,
        lengths: np.ndarray,
        params: Bm25Params,
        groups: np.ndarray | None = None,
    ) -> Bm25:
        """A model of bigger documents made of this model's documents (paragraphs of sentences).

        Args:
            keep: bool per vocabulary term: which terms the bigger documents hold.
            group_of: for each document here, its bigger document; never decreasing.
            lengths: BM25 length of every bigger document.
            params: k1, b, epsilon.
            groups: the group of every bigger document (see `from_terms`).

        Within a term, documents ascend, so their groups do too: postings of one term and group
        are neighbours and merge without sorting. Terms are taken in slices to bound memory.
        """
        terms = np.flatnonzero(keep)
        sizes, docs, tfs = [], [], []
        step = max(1, len(terms) * SORT_SLICE // max(len(self.docs), 1))
        for lo in range(0, len(terms), step):
            chosen = terms[lo : lo + step]
            df = self.offsets[chosen + 1] - self.offsets[chosen]
            rows = concatenated_ranges(self.offsets[chosen], df)
            bigger = group_of[self.docs[rows]]
            new_pair = np.ones(len(rows), dtype=bool)
            new_pair[1:] = bigger[1:] != bigger[:-1]
            term_first = np.concatenate(([0], np.cumsum(df)[:-1]))
            new_pair[term_first] = True
            starts = np.flatnonzero(new_pair)
            tfs.append(_narrow(np.add.reduceat(self.tfs[rows].astype(np.uint32), starts)))
            docs.append(bigger[starts].astype(np.int32))
            sizes.append(np.diff(np.append(np.searchsorted(starts, term_first), len(starts))))
        return self._assemble([self.keys[keep]], sizes, docs, tfs, lengths, params, groups)

    @classmethod
    def _assemble(
        cls,
        vocabulary: list[np.ndarray],
        sizes: list[np.ndarray],
        docs: list[np.ndarray],
        tfs: list[np.ndarray],
        lengths: np.ndarray,
        params: Bm25Params,
        groups: np.ndarray | None = None,
    ) -> Bm25:
        keys = np.concatenate(vocabulary) if vocabulary else np.zeros(0, dtype=np.int64)
        df = np.concatenate(sizes) if sizes else np.zeros(0, dtype=np.int64)
        tf = _narrow(np.concatenate(tfs)) if tfs else np.zeros(0, dtype=np.uint16)
        offsets = np.concatenate(([0], np.cumsum(df))).astype(np.int64)
        all_docs = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int32)
        if groups is not None and len(groups) and int(groups.min()) == int(groups.max()):
            groups = None  # one group: the model of all documents, computed as always
        if groups is None:
            idf = rank_bm25_idf(df, len(lengths), params)
            norm = rank_bm25_norm(lengths, params)
        else:
            key_groups = groups[all_docs[offsets[:-1]]] if len(df) else groups[:0]
            idf = grouped_idf(df, key_groups, np.bincount(groups), params)
            norm = grouped_norm(lengths, groups, params)
        return cls(keys, offsets, all_docs, tf, idf, norm, params.k1, lengths)

    def restated(self, idf: np.ndarray, norm: np.ndarray) -> Bm25:
        """The same postings with other idf and length norms (a shard's, from the whole corpus)."""
        if len(idf) != len(self.keys) or len(norm) != self.n_documents:
            raise ValueError("idf or norm does not match the model")
        return Bm25(self.keys, self.offsets, self.docs, self.tfs, idf, norm, self.k1, self.lengths)

    def term(self, term: str | int) -> int | None:
        """Index of a term (string or key) in the vocabulary, or None."""
        key = term_key(term) if isinstance(term, str) else term
        found = self._found.get(key, -1)
        if found == -1:
            i = int(np.searchsorted(self.keys, key))
            found = i if i < len(self.keys) and self.keys[i] == key else None
            if len(self._found) >= REMEMBERED_LOOKUPS:
                self._found.clear()
            self._found[key] = found
        return found

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str | int) and self.term(term) is not None

    def idf_of(self, term: str) -> float | None:
        """rank-bm25's idf of `term` (after its epsilon floor), or None if no document holds it."""
        t = self.term(term)
        return None if t is None else float(self.idf[t])

    def postings(self, term: str) -> np.ndarray:
        """Ascending ids of the documents holding `term`."""
        t = self.term(term)
        if t is None:
            return np.zeros(0, dtype=np.int32)
        return self.docs[self.offsets[t] : self.offsets[t + 1]]

    def holds(self, term: str, doc: int) -> bool:
        """Whether document `doc` holds `term`."""
        ids = self.postings(term)
        j = int(np.searchsorted(ids, doc))
        return j < len(ids) and int(ids[j]) == doc

    def scores(self, terms: Iterable[str] | Mapping[str, float]) -> np.ndarray:
        """Score every document; a mapping gives each term a weight (a repeated term counts)."""
        scores = np.zeros(self.n_documents)
        self.add_scores(scores, terms)
        return scores

    def add_scores(self, scores: np.ndarray, terms: Iterable[str] | Mapping[str, float]) -> None:
        """Add the weighted BM25 scores of `terms` into `scores`, in place."""
        weights = terms if isinstance(terms, Mapping) else Counter(terms)
        found = [(i, w) for term, w in weights.items() if w and (i := self.term(term)) is not None]
        if not found:
            return
        # Every posting of every term at once, term after term (so sums keep rank-bm25's order).
        ids = np.array([i for i, _ in found], dtype=np.int64)
        df = self.offsets[ids + 1] - self.offsets[ids]
        rows = concatenated_ranges(self.offsets[ids], df)
        docs = self.docs[rows]
        tf = self.tfs[rows].astype(np.float64)
        weight = np.repeat(np.array([w for _, w in found], dtype=np.float64), df)
        idf = np.repeat(self.idf[ids], df)
        k1 = self.k1
        # rank_bm25: idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * doc_len / avgdl)))
        np.add.at(scores, docs, weight * (idf * (tf * (k1 + 1) / (tf + self.norm[docs]))))

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays that make up the model, for saving."""
        return {
            "keys": self.keys,
            "offsets": self.offsets,
            "docs": self.docs,
            "tfs": self.tfs,
            "idf": self.idf,
            "norm": self.norm,
            "k1": np.array([self.k1]),
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> Bm25:
        """Rebuild a model saved with `arrays()` (and its `lengths`, when saved beside)."""
        names = ("keys", "offsets", "docs", "tfs", "idf", "norm")
        model = (arrays[name] for name in names)
        return cls(*model, float(arrays["k1"][0]), arrays.get("lengths"))


def _postings(
    keys: np.ndarray, doc_of: np.ndarray, members: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vocabulary, document frequencies, documents and term frequencies of some of a stream.

    `members` are the stream positions to take (ascending), or None for all of it.
    """
    if members is None:
        order = np.argsort(keys, kind="stable")
    else:
        order = members[np.argsort(keys[members], kind="stable")]
    del members
    k, d = keys[order], doc_of[order]
    del order
    new_pair = np.ones(len(k), dtype=bool)
    new_pair[1:] = (k[1:] != k[:-1]) | (d[1:] != d[:-1])
    starts = np.flatnonzero(new_pair)
    tfs = _narrow(np.diff(np.append(starts, len(k))))
    k, d = k[starts], d[starts]
    new_term = np.ones(len(k), dtype=bool)
    new_term[1:] = k[1:] != k[:-1]
    first = np.flatnonzero(new_term)
    return k[first], np.diff(np.append(first, len(k))), d.astype(np.int32), tfs


def _narrow(counts: np.ndarray) -> np.ndarray:
    """Term frequencies in the smallest unsigned type that holds them."""
    return counts.astype(np.uint16 if not len(counts) or counts.max() <= 0xFFFF else np.uint32)


def concatenated_ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenation of range(start, start + length) for each pair, vectorised."""
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    steps = np.ones(total, dtype=np.int64)
    heads = np.concatenate(([0], np.cumsum(lengths)[:-1]))[lengths > 0]
    firsts = starts[lengths > 0]
    steps[heads] = firsts - np.concatenate(([0], firsts[:-1] + lengths[lengths > 0][:-1] - 1))
    steps[0] = firsts[0]
    return np.cumsum(steps)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the `k` best scores, best first, without sorting all of them.

    Ties are broken by position, as a stable sort of every score would break them, also where
    the k-th best score is shared: which of the tied positions make the cut is then decided
    by position, not by the partition's order (so that the best `k` of a shard's sentences are
    among the best `k` of the whole corpus, see `bot/cluster`).
    """
    if k <= 0 or not len(scores):
        return np.zeros(0, dtype=np.int64)
    if len(scores) > k:
        best = np.argpartition(-scores, k - 1)[:k]
        kth = scores[best].min()
        if np.count_nonzero(scores >= kth) > k:  # the k-th score is shared beyond the cut
            above = np.flatnonzero(scores > kth)
            best = np.concatenate((above, np.flatnonzero(scores == kth)[: k - len(above)]))
    else:
        best = np.arange(len(scores))
    return best[np.lexsort((best, -scores[best]))]


def top_k_within(scores: np.ndarray, inside: np.ndarray | None, k: int) -> np.ndarray:
    """Positions of the `k` best scores (`top_k`) of those `inside` (bool each; None: all)."""
    if inside is None:
        return top_k(scores, k)
    best = top_k(np.where(inside, scores, -np.inf), k)
    return best[inside[best]]


def rank_bm25_idf(df: np.ndarray, n_documents: int, params: Bm25Params) -> np.ndarray:
    """Idf per term as rank_bm25's BM25Okapi._calc_idf computes it, for arrays.

    log(N - df + 0.5) - log(df + 0.5); terms whose idf is negative (in more than half of the
    documents) get epsilon times the average idf instead. A test compares it with rank_bm25's
    own code on random corpora.
    """
    if not len(df):
        return np.zeros(0)
    df = df.astype(np.float64)
    idf = np.log(n_documents - df + 0.5) - np.log(df + 0.5)
    floor = params.epsilon * (idf.sum() / len(idf))
    return np.where(idf < 0, floor, idf)


def grouped_idf(
    df: np.ndarray, key_groups: np.ndarray, documents: np.ndarray, params: Bm25Params
) -> np.ndarray:
    """`rank_bm25_idf` within each group: its own number of documents and its own floor.

    Args:
        df: document frequency of every term (terms ascending).
        key_groups: the group of every term.
        documents: the number of documents of every group.
        params: k1, b, epsilon.
    """
    idf = np.zeros(len(df))
    for group in np.unique(key_groups).tolist():
        mine = key_groups == group
        idf[mine] = rank_bm25_idf(df[mine], int(documents[group]), params)
    return idf


def grouped_norm(
    lengths: np.ndarray,
    groups: np.ndarray,
    params: Bm25Params,
    averages: np.ndarray | None = None,
) -> np.ndarray:
    """`rank_bm25_norm` within each group: its own average length.

    `averages` gives each group's average length when these documents are part of a corpus
    (a shard's); by default their own.
    """
    norm = np.zeros(len(lengths))
    for group in np.unique(groups).tolist():
        mine = groups == group
        average = None if averages is None else float(averages[group])
        norm[mine] = rank_bm25_norm(lengths[mine], params, average)
    return norm


def rank_bm25_norm(
    lengths: np.ndarray, params: Bm25Params, average: float | None = None
) -> np.ndarray:
    """k1 · (1 − b + b · length / average length) per document, as rank_bm25 weighs lengths.

    `average` is the average length of the whole corpus when these documents are part of it
    (a shard's); by default theirs.
    """
    doc_len = lengths.astype(np.float64)
    avgdl = float(lengths.sum()) / len(lengths) if len(lengths) else 1.0
    if average is not None:
        avgdl = average
    if avgdl == 0:
        avgdl = 1.0  # rank_bm25 would divide by zero; no document holds any term anyway
    return params.k1 * (1 - params.b + params.b * doc_len / avgdl)
