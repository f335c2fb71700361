from __future__ import annotations

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bot.search.bm25 import Bm25, Bm25Params


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
    ours = Bm25.fit(documents, Bm25Params(k1=k1, b=b, epsilon=epsilon))
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
    assert model.idf_of("zzz") is None
    assert model.idf_of("a") == pytest.approx(np.log(4.5) - np.log(1.5))
    assert model.holds("b", 1) and not model.holds("b", 2)
    assert model.postings("b").tolist() == [0, 1]


def test_empty_corpus_scores_nothing() -> None:
    model = Bm25.fit([[], []])
    assert model.scores(["a"]).tolist() == [0.0, 0.0]


def test_idf_equals_rank_bm25_calc_idf() -> None:
    from bot.search.bm25 import rank_bm25_idf

    rng = np.random.default_rng(3)
    for epsilon in (0.25, 0.5):
        documents = random_corpus(rng, 200, 40)
        reference = BM25Okapi(documents, epsilon=epsilon)
        terms = sorted(reference.idf)
        df = np.array([sum(t in d for d in documents) for t in terms])
        ours = rank_bm25_idf(df, len(documents), Bm25Params(epsilon=epsilon))
        np.testing.assert_allclose(ours, [reference.idf[t] for t in terms], atol=1e-12)


def test_sorting_in_slices_gives_the_same_model(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.search.bm25

    documents = random_corpus(np.random.default_rng(5), 400, 80)
    whole = Bm25.fit(documents)
    monkeypatch.setattr(bot.search.bm25, "SORT_SLICE", 10)
    sliced = Bm25.fit(documents)
    for name, array in whole.arrays().items():
        np.testing.assert_array_equal(array, sliced.arrays()[name], err_msg=name)


def test_regrouped_equals_a_model_of_the_bigger_documents() -> None:
    rng = np.random.default_rng(9)
    documents = random_corpus(rng, 120, 30)
    group_of = np.sort(rng.integers(0, 25, size=len(documents))).astype(np.int32)
    _, group_of = np.unique(group_of, return_inverse=True)  # no empty groups
    group_of = group_of.astype(np.int32)
    groups = [[] for _ in range(group_of.max() + 1)]
    for doc, g in zip(documents, group_of, strict=True):
        groups[g].extend(t for t in doc if t != "t0")  # the bigger documents leave out "t0"
    small = Bm25.fit(documents)
    keep = small.keys != small.keys[small.term("t0")]
    lengths = np.array([len(g) for g in groups])
    big = small.regrouped(keep, group_of, lengths, Bm25Params())
    reference = BM25Okapi(groups)
    for _ in range(100):
        query = [f"t{i}" for i in rng.integers(0, 35, size=rng.integers(1, 6))]
        np.testing.assert_allclose(big.scores(query), reference.get_scores(query), atol=1e-9)


def test_saved_arrays_rebuild_the_model() -> None:
    documents = random_corpus(np.random.default_rng(1), 50, 20)
    model = Bm25.fit(documents)
    again = Bm25.from_arrays(model.arrays())
    np.testing.assert_array_equal(again.scores(["t1", "t2"]), model.scores(["t1", "t2"]))


def test_ranges_helper() -> None:
    from bot.search.bm25 import concatenated_ranges

    starts, lengths = np.array([5, 0, 9, 2]), np.array([3, 0, 2, 1])
    assert concatenated_ranges(starts, lengths).tolist() == [5, 6, 7, 9, 10, 2]
    assert concatenated_ranges(np.array([4]), np.array([0])).tolist() == []


def test_regrouping_in_slices_gives_the_same_model(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.search.bm25

    rng = np.random.default_rng(4)
    documents = random_corpus(rng, 300, 50)
    group_of = (np.arange(len(documents)) // 7).astype(np.int32)
    lengths = np.bincount(group_of, weights=[len(d) for d in documents]).astype(np.int64)
    small = Bm25.fit(documents)
    keep = np.ones(len(small.keys), dtype=bool)
    whole = small.regrouped(keep, group_of, lengths, Bm25Params())
    monkeypatch.setattr(bot.search.bm25, "SORT_SLICE", 50)
    sliced = small.regrouped(keep, group_of, lengths, Bm25Params())
    for name, array in whole.arrays().items():
        np.testing.assert_array_equal(array, sliced.arrays()[name], err_msg=name)


@pytest.mark.parametrize(
    ("k1", "b", "epsilon"),
    [(1.5, 0.75, 0.25), (0.5, 0.4, 0.25), (1.2, 0.0, 0.5)],
    ids=["rank-bm25 defaults", "ours", "no length norm"],
)
@pytest.mark.parametrize("n_languages", [1, 2], ids=["one language", "two languages"])
def test_a_sharded_corpus_scores_as_rank_bm25_over_the_whole(
    k1: float, b: float, epsilon: float, n_languages: int
) -> None:
    """Shards fitted apart, then given the corpus's statistics, score as one BM25Okapi.

    With two languages each has its own statistics (its documents, average length, idf
    floor), as one index keeps them: a BM25Okapi per language is the reference.
    """
    from bot.cluster import stats
    from bot.config import SearchParams

    rng = np.random.default_rng(17)
    language = rng.integers(0, n_languages, size=300)
    documents = [
        [f"{'tu'[lang]}{term[1:]}" for term in doc]  # each language its own vocabulary
        for doc, lang in zip(random_corpus(rng, 300, 60), language.tolist(), strict=True)
    ]
    params = SearchParams(k1=k1, b=b, epsilon=epsilon)
    references = []
    for lang in range(n_languages):
        mine = np.flatnonzero(language == lang)
        references.append(
            (mine, BM25Okapi([documents[i] for i in mine], k1=k1, b=b, epsilon=epsilon))
        )
    home = rng.integers(0, 3, size=len(documents))
    members = [np.flatnonzero(home == n) for n in range(3)]
    fitted = [Bm25.fit([documents[i] for i in m], Bm25Params(k1, b, epsilon)) for m in members]
    counts = np.bincount(language, minlength=n_languages)
    keys, idf = stats.corpus_idf(
        [s.keys for s in fitted],
        [np.diff(s.offsets) for s in fitted],
        [language[m][s.docs[s.offsets[:-1]]] for s, m in zip(fitted, members, strict=True)],
        counts,
        params,
    )
    if n_languages == 1:
        whole = Bm25.fit(documents, Bm25Params(k1, b, epsilon))
        np.testing.assert_array_equal(idf, whole.idf)  # the same bits, epsilon floor included
    length = np.zeros(n_languages, dtype=np.int64)
    for s, m in zip(fitted, members, strict=True):
        np.add.at(length, language[m], s.lengths.astype(np.int64))
    shards = [
        stats.restate(s, language[m], keys, idf, counts, length, params)
        for s, m in zip(fitted, members, strict=True)
    ]
    for _ in range(200):
        lang = int(rng.integers(0, n_languages))
        query = [f"{'tu'[lang]}{i}" for i in rng.integers(0, 70, size=rng.integers(1, 8))]
        expected = np.zeros(len(documents))
        mine, reference = references[lang]
        expected[mine] = reference.get_scores(query)
        for shard, m in zip(shards, members, strict=True):
            np.testing.assert_allclose(shard.scores(query), expected[m], atol=1e-9)


def test_ties_at_the_cut_go_to_the_lowest_positions() -> None:
    from bot.search.bm25 import top_k

    scores = np.array([1.0, 3.0, 2.0, 2.0, 2.0, 2.0, 0.5, 2.0])
    assert top_k(scores, 3).tolist() == [1, 2, 3]
    assert top_k(scores, 6).tolist() == [1, 2, 3, 4, 5, 7]
    rng = np.random.default_rng(2)
    for _ in range(50):
        scores = rng.integers(0, 4, size=200).astype(np.float64)
        k = int(rng.integers(1, 60))
        stable = np.argsort(-scores, kind="stable")[:k]
        assert top_k(scores, k).tolist() == stable.tolist()
