from __future__ import annotations

import numpy as np
import pytest

from bot.config import SearchParams
from bot.search.corpus import Corpus, article_from_text
from bot.search.index import SentenceIndex
from bot.search.text import tokenize


def top(index: SentenceIndex, question: str, k: int = 3) -> list[str]:
    return [hit.sentence.text for hit in index.search(question, k).hits]


def test_finds_the_sentence_with_the_answer(news_index: SentenceIndex) -> None:
    assert top(news_index, "How many residents were evacuated?")[0].startswith("About 3,000")
    assert top(news_index, "How many cables did engineers replace?")[0].startswith("Engineers")
    assert top(news_index, "Who expects queues on Monday mornings?")[0].startswith("Nurses")


def test_numbers_match_with_or_without_grouping(news_index: SentenceIndex) -> None:
    assert "1,200 steel cables" in top(news_index, "1200 cables")[0]


def test_hits_know_where_they_are(news_index: SentenceIndex) -> None:
    (hit,) = news_index.search("evacuated residents", 1).hits
    s = hit.sentence
    assert (s.article.id, s.paragraph, s.number) == ("floods", 1, 2)
    assert s.article.body[s.start : s.end] == s.text
    assert s.source == "the regional fire service"
    assert hit.matched == frozenset({"evacu", "resid"})
    assert hit.score > 0


def test_k_limits_hits(news_index: SentenceIndex) -> None:
    assert len(news_index.search("the harbour bridge cables repairs", 1).hits) == 1


@pytest.mark.parametrize(
    "question",
    ["", "   ", "the of and what", "\U0001f600\U0001f389", "zebras xylophones", "?!"],
    ids=["empty", "blank", "stop-words", "emoji", "unknown-words", "punctuation"],
)
def test_no_meaningful_words_no_hits(news_index: SentenceIndex, question: str) -> None:
    assert news_index.search(question, 3).hits == ()


def test_names_the_corpus_lacks_are_reported_when_nothing_is_found(news_index) -> None:
    result = news_index.search("What is the population of Tokyo?", 3)
    assert result.hits == ()
    assert result.unknown_names == ("Tokyo",)


def test_a_misspelt_name_does_not_block_an_answer(news_index: SentenceIndex) -> None:
    result = news_index.search("How many residents were evacuated from Milbrook?", 3)
    assert result.hits[0].sentence.text.startswith("About 3,000 residents")


def test_title_case_questions_are_not_taken_for_names(news_index: SentenceIndex) -> None:
    assert news_index.search("How Many Residents Were Evacuated Overnight?", 3).hits


def test_one_shared_common_word_is_below_the_floor(news_index: SentenceIndex) -> None:
    # "city" is in the orchestra article, but the question is about something else entirely.
    assert news_index.search("Which city hosted the football championship final?", 3).hits == ()
    loose = SentenceIndex.build(news_index.corpus, SearchParams(min_coverage=0))
    assert loose.search("Which city hosted the football championship final?", 3).hits


def test_long_question_is_answered(news_index: SentenceIndex) -> None:
    assert news_index.search("evacuated residents " * 2000, 3).hits


def test_tiny_corpus_has_no_positive_idf() -> None:
    # rank_bm25 gives every term idf <= 0 when there are only two sentences: nothing scores.
    article = article_from_text("a", "Rain fell. Snow fell.")
    index = SentenceIndex.build(Corpus((article,)))
    assert index.search("rain", 3).hits == ()


def test_bm25_parameters_are_used(news_dir) -> None:
    from bot.search.corpus import load_corpus

    corpus = load_corpus(news_dir)
    a = SentenceIndex.build(corpus, SearchParams(k1=1.5, b=0.75))
    b = SentenceIndex.build(corpus, SearchParams(k1=0.9, b=0.3))
    terms = tokenize("harbour bridge repairs")
    assert not np.allclose(a.scores(terms), b.scores(terms))


def test_names_are_learned_from_capitalisation(news_index: SentenceIndex) -> None:
    assert all(news_index.is_name(w) for w in ("Okafor", "Millbrook", "Berg"))
    assert not news_index.is_name("bridge")


def test_sentences_of_and_neighbours(news_index: SentenceIndex) -> None:
    harbour = news_index.article("harbour")
    assert harbour is not None
    sentences = news_index.sentences_of(harbour)
    assert [s.number for s in sentences] == [1, 2, 3, 4]
    assert news_index.neighbour(sentences[1], -1) == sentences[0]
    assert news_index.neighbour(sentences[1], 1) is None  # next paragraph
    assert news_index.neighbour(sentences[0], -1) is None


def test_an_empty_corpus_builds_an_empty_index() -> None:
    index = SentenceIndex.build(Corpus(()))
    assert len(index) == 0
    assert index.search("anything at all", 3).hits == ()


def test_articles_analysed_together_give_each_sentence_its_own_analysis() -> None:
    """The batch analysis of a corpus equals analysing sentence by sentence (the plain rules)."""
    from bot.search.build import _analyse
    from bot.search.corpus import load_corpus
    from bot.search.credits import quote_openings
    from bot.search.keys import borrowed_key
    from bot.search.sentences import SentenceSplitter, leans_on_previous
    from bot.search.text import analyse

    from .conftest import BUNDLED_CORPUS, NEWS
    from .test_text import TRICKY_TEXTS

    articles = [
        *load_corpus(BUNDLED_CORPUS).articles,
        *(article_from_text(name, text) for name, text in NEWS.items()),
        article_from_text("tricky", "\n\n".join(t for t in TRICKY_TEXTS if t.strip())),
        article_from_text("empty", ""),
    ]
    splitter = SentenceSplitter.train(a.body for a in articles)
    part = _analyse(articles, {"en": splitter}, ["en"] * len(articles))

    def rows(keys: str, counts: str) -> list[list[int]]:
        ends = np.cumsum(getattr(part, counts))
        return [
            getattr(part, keys)[e - c : e].tolist()
            for e, c in zip(ends, getattr(part, counts), strict=True)
        ]

    stems, exact, pairs, own = (
        rows("stems", "stem_counts"),
        rows("exact", "exact_counts"),
        rows("pairs", "pair_counts"),
        rows("own", "own_counts"),
    )
    i, capitalised, initial = 0, [], []
    for article in articles:
        spans = [
            (number, start + s, start + e)
            for number, (start, end) in enumerate(article.paragraphs, start=1)
            for s, e in splitter.spans(article.body[start:end])
        ]
        previous: list[int] = []
        paragraph = 0
        openings = quote_openings(article.body, spans)
        for (number, start, end), opens in zip(spans, openings, strict=True):
            if number != paragraph:
                paragraph, previous = number, []
            text = article.body[start:end]
            one = analyse(text)
            assert (part.paragraph[i], part.start[i], part.end[i]) == (number, start, end)
            assert bool(part.continues[i]) == opens
            assert (stems[i], exact[i], pairs[i]) == (one.stem_keys, one.exact_keys, one.pair_keys)
            lent = (
                [borrowed_key(k) for k in previous]
                if previous and leans_on_previous(text, opens)
                else []
            )
            assert sorted(own[i]) == sorted(one.kinds + lent), text
            capitalised += one.capitalised
            initial += [] if one.first is None else [one.first]
            previous = one.stem_keys
            i += 1
    assert i == len(part.start) == sum(part.sentences_per_article)
    assert any(own) and any(len(o) > 2 for o in own)  # kinds and borrowed stems both occur
    assert part.capitalised.tolist() == capitalised
    assert part.initial.tolist() == initial


def test_the_coverage_shortcut_finds_what_counting_every_sentence_finds(news_index) -> None:
    """When one stem weighs enough, search skips counting coverage; results must not change."""
    import copy

    from .conftest import NEWS

    counting = copy.copy(news_index)
    counting._bm25 = copy.copy(news_index._bm25)
    counting._bm25.idf_floor = -1.0  # forces the count over every sentence
    words = sorted({w for text in NEWS.values() for w in text.split() if w.isalpha()})
    questions = [" ".join(words[i : i + n]) for n in (1, 2, 5) for i in range(0, len(words), 3)]
    questions += ["What did the minister say?", "How many people fled the city?", "zzz qqq"]
    answered = 0
    for question in questions:
        fast, full = news_index.search(question, 5), counting.search(question, 5)
        assert [(h.sentence.id, h.score, h.coverage, h.matched) for h in fast.hits] == [
            (h.sentence.id, h.score, h.coverage, h.matched) for h in full.hits
        ], question
        answered += bool(fast.hits)
    assert 0 < answered < len(questions)


def test_worker_processes_build_the_same_index(news_dir, monkeypatch) -> None:
    """Forked workers (main thread only) and one thread give the same arrays."""
    import threading

    import bot.search.build
    from bot.search.corpus import load_corpus

    corpus = load_corpus(news_dir)
    alone = SentenceIndex.build(corpus).arrays()
    monkeypatch.setattr(bot.search.build, "PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr(
        bot.search.build, "os", type("os", (), {"cpu_count": staticmethod(lambda: 2)})
    )
    forked = SentenceIndex.build(corpus).arrays()
    assert alone.keys() == forked.keys()
    for name, array in alone.items():
        assert np.array_equal(array, forked[name]), name

    def refuse(bounds):  # a forked worker would run this: no fork from another thread
        raise AssertionError("forked from a thread")

    monkeypatch.setattr(bot.search.build, "_analyse_range", refuse)
    built = []
    thread = threading.Thread(target=lambda: built.append(SentenceIndex.build(corpus).arrays()))
    thread.start()
    thread.join()
    assert built and np.array_equal(built[0]["sentences.keys"], alone["sentences.keys"])
