from __future__ import annotations

from pathlib import Path

from bot.search.answer import answer
from bot.search.corpus import load_corpus
from bot.search.examples import example_questions
from bot.search.index import SentenceIndex


def test_bundled_corpus_examples_are_answered_by_the_sources_they_name(aleppo_index) -> None:
    examples = example_questions(aleppo_index)
    assert len(examples) == 3 and len(set(examples)) == 3
    for question in examples:
        result = answer(question, aleppo_index, k=3)
        assert result.passages, question
        if question.startswith("What did "):
            assert result.passages[0].source in question


def test_examples_come_from_the_corpus_at_hand(news_index: SentenceIndex) -> None:
    examples = example_questions(news_index, count=4)
    # Round robin: one per article first, in corpus order (budget, floods, harbour, orchestra).
    assert examples == [
        "What did Opposition leader Tomas Berg say?",
        "What did the regional fire service say?",
        "What did the Port Authority say?",
        "What did the city orchestra say?",
    ]


def test_a_corpus_without_credited_sources_offers_names_and_titles(tmp_path: Path) -> None:
    (tmp_path / "bridge.md").write_text(
        "---\ntitle: Harbour works in Kestrel Bay\n---\n\n"
        "Harbour works repaired the pier in Kestrel Bay over the winter. The ferry timetable "
        "changed in spring. Tourists returned to the beaches in June.\n\n"
        "Kestrel Bay now has a new lifeboat station. Fishing boats moor at the north quay.\n",
        encoding="utf-8",
    )
    index = SentenceIndex.build(load_corpus(tmp_path))
    examples = example_questions(index)
    assert examples == ["What about Kestrel?", "Harbour works in Kestrel Bay"]
    assert all(answer(q, index).passages for q in examples)
