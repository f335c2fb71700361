from __future__ import annotations

import numpy as np
import pytest

from bot.config import SearchParams
from bot.search.fusion import covered, evidence, fuse

PARAMS = SearchParams()


def rank_of(scores: np.ndarray, i: int) -> int:
    return int((scores > scores[i]).sum())


def test_a_candidate_that_gains_bm25_coverage_or_similarity_never_drops() -> None:
    rng = np.random.default_rng(7)
    for _ in range(500):
        n = int(rng.integers(2, 30))
        similarity = rng.uniform(-0.1, 0.9, n)
        coverage = rng.uniform(0, 1, n)
        bm25 = rng.uniform(0, 12, n) * (rng.uniform(0, 1, n) > 0.3)
        before = fuse(similarity, coverage, bm25, PARAMS)
        i = int(rng.integers(n))
        gained = (similarity.copy(), coverage.copy(), bm25.copy())
        gained[0][i] += rng.uniform(0, 0.3)
        gained[1][i] = min(1.0, gained[1][i] + rng.uniform(0, 0.5))
        gained[2][i] += rng.uniform(0, 5)
        after = fuse(*gained, PARAMS)
        assert rank_of(after, i) <= rank_of(before, i)
        assert after[i] >= before[i]


def test_words_count_only_once_a_sentence_holds_a_real_share_of_the_question() -> None:
    similarity = np.array([0.50, 0.50, 0.50])
    coverage = np.array([0.10, 0.60, 1.00])
    bm25 = np.array([9.0, 3.0, 6.0])
    fused = fuse(similarity, coverage, bm25, PARAMS)
    assert fused[0] == pytest.approx(0.5)  # below the coverage offset: similarity alone
    assert fused[2] > fused[1] > fused[0]


def test_a_paraphrase_ranks_by_meaning_a_direct_question_by_its_words() -> None:
    # A sentence sharing no word but close in meaning beats one sharing a common word only.
    paraphrase = fuse(np.array([0.62, 0.30]), np.array([0.0, 0.25]), np.array([0.0, 4.0]), PARAMS)
    assert paraphrase.argmax() == 0
    # Among sentences of similar meaning, the one holding all the question's words wins.
    direct = fuse(np.array([0.55, 0.60]), np.array([1.0, 0.3]), np.array([8.0, 2.0]), PARAMS)
    assert direct.argmax() == 0


def test_refusal_weighs_meaning_and_words_on_the_same_sentence() -> None:
    close = evidence(np.array([0.45, 0.1]), np.array([0.0, 0.9]), PARAMS)
    assert covered(close, False, PARAMS)
    # Sharing words with one sentence and meaning with none is not enough.
    wordy = evidence(np.array([0.2, 0.3]), np.array([0.6, 0.0]), PARAMS)
    assert not covered(wordy, False, PARAMS)
    # Many shared words on a sentence not far in meaning are.
    both = evidence(np.array([0.25]), np.array([1.0]), PARAMS)
    assert covered(both, False, PARAMS)


def test_a_question_naming_something_unknown_needs_a_closer_match() -> None:
    strength = PARAMS.semantic_floor + PARAMS.name_margin / 2
    assert covered(strength, False, PARAMS)
    assert not covered(strength, True, PARAMS)
    assert covered(PARAMS.semantic_floor + PARAMS.name_margin, True, PARAMS)


def test_no_candidate_is_no_evidence() -> None:
    assert not covered(evidence(np.zeros(0), np.zeros(0), PARAMS), False, PARAMS)
