from __future__ import annotations

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bot.bm25 import Bm25


def random_corpus(rng: np.random.Generator, n: int, vocabulary: int) -> list[list[str]]:
    # Zipf-like term frequencies, so some terms are in most documents (negative idf) and
    # some in one; some documents are empty.
    weights = 1 / np.arange(1, vocabulary + 1)
    weights /= weights.sum()
    return [
        [f"t{i}" for i in rng.choice(vocabulary, size=rng.integers(0, 12), p=weights)]
        for _ in range(n)
    ]


@pytest.mark.parametrize(
    ("k1", "b", "epsilon"), [(1.5, 0.75, 0.25), (0.5, 0.4, 0.25), (1.2, 0.0, 0.5)]
)
def test_scores_equal_rank_bm25_get_scores(k1: float, b: float, epsilon: float) -> None:
    rng = np.random.default_rng(11)
    documents = random_corpus(rng, 300, 60)
    reference = BM25Okapi(documents, k1=k1, b=b, epsilon=epsilon)
    ours = Bm25.fit(documents, k1=k1, b=b, epsilon=epsilon)
    for _ in range(200):
        query = [f"t{i}" for i in rng.integers(0, 70, size=rng.integers(1, 8))]  # some unknown
        np.testing.assert_allclose(ours.scores(query), reference.get_scores(query), atol=1e-9)


def test_weighted_query_is_a_weighted_sum() -> None:
    documents = [["a", "b"], ["b", "c"], ["c", "d", "d"], ["e"], ["a", "e", "f"]]
    model = Bm25.fit(documents)
    combined = model.scores({"a": 2.0, "d": 0.5})
    np.testing.assert_allclose(combined, 2 * model.scores(["a"]) + 0.5 * model.scores(["d"]))


def test_idf_and_membership() -> None:
    model = Bm25.fit([["a", "b"], ["b"], ["c"], ["d"], ["e"]])
    assert "a" in model and "zzz" not in model
    assert model.idf("zzz") is None
    assert model.idf("a") == pytest.approx(np.log(4.5) - np.log(1.5))
    assert model.postings["b"].holds(1) and not model.postings["b"].holds(2)


def test_empty_corpus_scores_nothing() -> None:
    model = Bm25.fit([[], []])
    assert model.scores(["a"]).tolist() == [0.0, 0.0]
