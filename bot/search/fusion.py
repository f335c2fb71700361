"""Fusing BM25 with the semantic similarity, and deciding from both whether a question is covered.

Ranking.

A candidate's fused score is its cosine similarity with the question plus lexical evidence that
counts only once the sentence holds a real share of the question's words:

    gate  = clip((coverage - coverage_offset) / (1 - coverage_offset), 0, 1)
    fused = similarity + gate * (coverage_weight + bm25_weight * (bm25 / best bm25) ** bm25_power)

where `coverage` is the share of the question's weight (summed idf of its distinct stems) the
sentence holds and `bm25` its BM25 score with the paragraph and article fields. A paraphrase,
which shares few words with its answer, is ranked by similarity; a question that reuses the
article's words keeps BM25's order among the sentences that hold most of them. Every term grows
with the sentence's own BM25 score, coverage and similarity, so a sentence that gains any of
them never drops (`tests/test_fusion.py`).

Refusal. The briefing covers a question when some candidate's `evidence` (its similarity plus
`evidence_weight` times the coverage it holds above `evidence_offset`) reaches `semantic_floor`.
The weights and floors were tuned on public data (README "Semantic stage").
"""

from __future__ import annotations

import numpy as np

from ..config import SearchParams


def fuse(
    similarity: np.ndarray, coverage: np.ndarray, bm25: np.ndarray, params: SearchParams
) -> np.ndarray:
    """The fused score of each candidate (arrays of the same length)."""
    offset = params.coverage_offset
    gate = np.clip((coverage - offset) / (1 - offset), 0.0, 1.0)
    best = float(bm25.max()) if len(bm25) else 0.0
    relative = bm25 / best if best > 0 else np.zeros_like(bm25)
    lexical = params.coverage_weight + params.bm25_weight * relative**params.bm25_power
    return similarity + gate * lexical


def evidence(similarity: np.ndarray, coverage: np.ndarray, params: SearchParams) -> float:
    """How well the best candidate answers: its similarity plus a share of its coverage.

    A sentence counts when it is close in meaning, or shares much of the question's weight
    and is not far in meaning; one that only shares words with it counts little.
    """
    if not len(similarity):
        return -1.0
    shared = np.maximum(coverage - params.evidence_offset, 0.0)
    return float((similarity + params.evidence_weight * shared).max())


def covered(evidence: float, names_unknown: bool, params: SearchParams) -> bool:
    """Whether the briefing covers a question, from the best candidate's evidence.

    A question naming something (a capitalised word) the corpus never mentions needs
    `name_margin` more: "It never mentions X" is then what the reader is told.
    """
    return evidence >= params.semantic_floor + (params.name_margin if names_unknown else 0.0)
