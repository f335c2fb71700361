"""The semantic stage with the real model (../shared/models, present in CI; never copied here)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bot.config import SearchParams
from bot.search import semantic, store
from bot.search.answer import answer
from bot.search.corpus import load_corpus
from bot.search.embed import Encoder, ModelError
from bot.search.index import SentenceIndex
from tests.conftest import BUNDLED_CORPUS, SHARED_MODEL

pytestmark = pytest.mark.skipif(
    not SHARED_MODEL.is_dir(), reason=f"the shared model is not at {SHARED_MODEL}"
)
CARD = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return Encoder(SHARED_MODEL)


@pytest.fixture
def encoded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many sentences each call encodes."""
    calls: list[int] = []
    real = semantic.encode_sentences

    def counting(encoder, titles, texts, progress=None):
        calls.append(len(texts))
        return real(encoder, titles, texts, progress)

    monkeypatch.setattr(semantic, "encode_sentences", counting)
    return calls


def semantic_index(folder: Path, encoder: Encoder, cache: Path | None = None) -> SentenceIndex:
    return store.load_or_build(folder, SearchParams(), cache, model=lambda n: encoder)


def test_the_loader_reproduces_the_model_cards_example(encoder: Encoder) -> None:
    vectors = encoder.encode(CARD)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] == pytest.approx(0.6660, abs=5e-4)
    assert similarity[0, 2] == pytest.approx(0.1046, abs=5e-4)
    assert similarity[1, 2] == pytest.approx(0.1411, abs=5e-4)
    assert np.linalg.norm(vectors, axis=1) == pytest.approx(1.0, abs=1e-5)


def test_batching_by_length_changes_no_vector(encoder: Encoder) -> None:
    texts = [*CARD, "A much longer sentence about the harbour bridge and its many cables.", "Hi"]
    together = encoder.encode(texts, batch=2)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-4)
    assert encoder.encode([]).shape == (0, encoder.dimension)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "no onnx/model.onnx or model.onnx"),
        ({"model.onnx": b"not a model"}, "no tokenizer.json"),
        ({"model.onnx": b"not a model", "tokenizer.json": b"{}"}, "is not a tokenizer"),
    ],
    ids=["empty folder", "no tokenizer", "broken tokenizer"],
)
def test_a_broken_model_folder_is_a_model_error(tmp_path: Path, files: dict, message: str) -> None:
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    with pytest.raises(ModelError, match=message):
        Encoder(tmp_path)


def test_a_broken_model_file_is_a_model_error(tmp_path: Path) -> None:
    (tmp_path / "tokenizer.json").write_bytes((SHARED_MODEL / "tokenizer.json").read_bytes())
    (tmp_path / "model.onnx").write_bytes(b"\x08\x07garbage")
    with pytest.raises(ModelError, match="not an ONNX model"):
        Encoder(tmp_path)


def test_vectors_are_saved_with_the_index_and_never_encoded_twice(
    news_dir: Path, tmp_path: Path, encoder: Encoder, encoded: list[int]
) -> None:
    cache = tmp_path / "cache"
    first = semantic_index(news_dir, encoder, cache)
    assert first.semantic is not None and encoded == [len(first)]
    again = semantic_index(news_dir, encoder, cache)
    assert encoded == [len(first)]  # loaded, not encoded
    np.testing.assert_array_equal(again.semantic.vectors.matrix, first.semantic.vectors.matrix)
    assert again.semantic.vectors.matrix.dtype == np.float16
    # A new article: only its sentences are encoded; the others come from the saved index.
    (news_dir / "zoo.txt").write_text("The zoo welcomed a baby giraffe on Tuesday.\n")
    grown = semantic_index(news_dir, encoder, cache)
    assert encoded == [len(first), 1] and len(grown) == len(first) + 1
    assert len(list(cache.glob("index-*"))) == 1  # the older saved index is gone


def test_identical_sentences_are_encoded_once(tmp_path: Path, encoder, encoded) -> None:
    (tmp_path / "a.txt").write_text("Rain fell. Rain fell. Wind blew hard.\n")
    index = semantic_index(tmp_path, encoder)
    assert len(index) == 3 and encoded == [2]


def test_routing_through_articles_finds_what_comparing_every_sentence_finds(
    news_dir: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    exact = semantic_index(news_dir, encoder)
    monkeypatch.setattr(semantic, "EXACT_MAX", 0)
    monkeypatch.setattr(semantic, "ROUTED_ARTICLES", 2)
    routed = semantic_index(news_dir, encoder)
    question = encoder.encode(["Who paid for repairing the bridge?"])[0]
    ids, sims = exact.semantic.vectors.nearest(question, 3)
    routed_ids, routed_sims = routed.semantic.vectors.nearest(question, 3)
    assert routed.semantic.vectors._full is None
    assert routed_ids[0] == ids[0]
    assert routed_sims[0] == pytest.approx(sims[0], abs=2e-3)  # float16 rows


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many people were moved out of their homes?", "About 3,000 residents were evacuated"),
        ("Is the flu jab free for old people?", "flu vaccines to pensioners"),
        ("What did it cost to fix the bridge?", "cost 45 million dollars"),
    ],
    ids=["moved out", "flu jab", "fix the bridge"],
)
def test_a_question_in_other_words_is_answered(
    news_dir: Path, encoder: Encoder, question: str, expected: str
) -> None:
    index = semantic_index(news_dir, encoder)
    assert expected in answer(question, index).passages[0].text
    lexical = answer(question, index.with_semantic(None))
    assert not lexical.passages or expected not in lexical.passages[0].text


def test_an_off_topic_question_sharing_a_name_is_refused(encoder: Encoder) -> None:
    index = store.with_vectors(SentenceIndex.build(load_corpus(BUNDLED_CORPUS)), encoder)
    question = "What did Trump say about the economy?"
    assert answer(question, index.with_semantic(None)).passages  # words alone answer it
    assert not answer(question, index).passages


def test_a_source_the_question_names_is_quoted_however_long_its_sentence(encoder) -> None:
    index = store.with_vectors(SentenceIndex.build(load_corpus(BUNDLED_CORPUS)), encoder)
    (passage, *_) = answer("What did the Red Cross say?", index).passages
    assert passage.source == "the International Red Cross"


def test_hits_carry_their_signals(news_dir: Path, encoder: Encoder) -> None:
    index = semantic_index(news_dir, encoder)
    (hit,) = index.search("What did the bridge repairs cost?", 1).hits
    assert hit.semantic is not None and hit.bm25 > 0
    assert hit.score > hit.semantic  # the words add to the similarity


def test_the_cli_shows_the_signals(news_dir: Path, monkeypatch, capsys) -> None:
    from bot.cli import main

    monkeypatch.setenv("SEMANTIC", "on")
    monkeypatch.setenv("SEMANTIC_MODEL", str(SHARED_MODEL))
    assert main(["ask", "--json", "--corpus", str(news_dir), "What did the repairs cost?"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"score", "bm25", "semantic", "coverage"} <= set(out["hits"][0])
    assert out["hits"][0]["semantic"] > 0
    assert main(["ask", "--explain", "--corpus", str(news_dir), "What did the repairs cost?"]) == 0
    assert "= semantic 0." in capsys.readouterr().out
