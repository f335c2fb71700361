"""BM25 as postings: rank-bm25's BM25Okapi scores, computed from the terms a query holds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25Okapi


@dataclass(frozen=True)
class Posting:
    """The documents holding one term (ascending ids), its BM25 weight in each, and its idf."""

    ids: np.ndarray
    weights: np.ndarray
    idf: float

    def holds(self, doc: int) -> bool:
        """Whether document `doc` holds the term."""
        j = int(np.searchsorted(self.ids, doc))
        return j < len(self.ids) and int(self.ids[j]) == doc


class Bm25:
    """BM25Okapi over token lists, scored per query term instead of per document.

    `scores(terms)` equals `rank_bm25.BM25Okapi(documents, k1, b, epsilon).get_scores(terms)`
    but costs time in proportion to the documents holding the query's terms.
    """

    def __init__(self, postings: dict[str, Posting], n_documents: int) -> None:
        self.postings = postings
        self.n_documents = n_documents

    @classmethod
    def fit(
        cls, documents: list[list[str]], k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25
    ) -> Bm25:
        """Fit rank-bm25's model on `documents` and turn it into postings."""
        if not any(documents):
            return cls({}, len(documents))
        model = BM25Okapi(documents, k1=k1, b=b, epsilon=epsilon)
        lengths = np.array(model.doc_len, dtype=float)
        norm = model.k1 * (1 - model.b + model.b * lengths / model.avgdl)
        ids: dict[str, list[int]] = {}
        tfs: dict[str, list[int]] = {}
        for i, freqs in enumerate(model.doc_freqs):
            for term, tf in freqs.items():
                ids.setdefault(term, []).append(i)
                tfs.setdefault(term, []).append(tf)
        postings = {}
        for term, doc_ids in ids.items():
            where = np.array(doc_ids, dtype=np.int64)
            tf = np.array(tfs[term], dtype=float)
            idf = model.idf[term]
            weights = idf * tf * (model.k1 + 1) / (tf + norm[where])
            postings[term] = Posting(where, weights, idf)
        return cls(postings, len(documents))

    def scores(self, terms: Iterable[str] | Mapping[str, float]) -> np.ndarray:
        """Score every document; a mapping gives each term a weight (a repeated term counts)."""
        weights = terms if isinstance(terms, Mapping) else Counter(terms)
        scores = np.zeros(self.n_documents)
        for term, weight in weights.items():
            if posting := self.postings.get(term):
                scores[posting.ids] += weight * posting.weights
        return scores

    def __contains__(self, term: object) -> bool:
        return term in self.postings

    def idf(self, term: str) -> float | None:
        """rank-bm25's idf of `term` (after its epsilon floor), or None if no document holds it."""
        posting = self.postings.get(term)
        return posting.idf if posting else None
