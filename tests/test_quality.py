"""Each ranking behaviour kept after measuring (bench/quality.py), on a corpus made for it."""

from __future__ import annotations

import pytest

from bot.config import SearchParams
from bot.search.answer import answer
from bot.search.corpus import Corpus, article_from_text
from bot.search.index import SentenceIndex

ARTICLES = {
    "harbour": (
        "Harbour strike",
        "Dockers at the northern harbour stopped work on Monday. Cranes stood idle on the quay. "
        "Shipping firms diverted cargo to rival ports.\n\n"
        "The minister Olga Petrenko arrived at the docks late. She says the talks have failed. "
        "Union leaders blamed the port authority.",
    ),
    "valley": (
        "Valley farms",
        "Farmers in the valley planted barley early this spring. The talks with buyers went well. "
        "Prices for barley rose sharply in March.",
    ),
    "stadium": (
        "Stadium opening",
        "The stadium took years to plan and build. The stadium opened in 1932 after a long "
        "delay. Rovers win the cup at home every spring. Cup tickets sold out. Seats were "
        "added for ten thousand fans.\n\nThe stadium roof leaks. The stadium roof was repaired "
        "in 1998.",
    ),
    "cities": (
        "Travel notes",
        "Flights to New York were cancelled by the storm. A new plan for York station was "
        "approved. Organizers of the marathon met the mayor. The organization of the relay "
        "changed its route.",
    ),
    "envoys": (
        "Envoys",
        "Diplomats from Norway and Chile met in Geneva on Tuesday to discuss refugee quotas. "
        "Norway sent aid to the refugees. The meeting ended without a deal. Chile closed the "
        "border. Aid convoys waited.",
    ),
}


@pytest.fixture(scope="module")
def index() -> SentenceIndex:
    articles = tuple(
        article_from_text(key, body, title=title) for key, (title, body) in ARTICLES.items()
    )
    return SentenceIndex.build(Corpus(articles))


def first(index: SentenceIndex, question: str) -> str:
    hits = index.search(question, 5).hits
    assert hits, question
    return hits[0].sentence.text


def only(index: SentenceIndex, **weights: float) -> SentenceIndex:
    """The same corpus, with the named weights and every other context weight at 0."""
    context = {"paragraph_weight": 0, "article_weight": 0, "antecedent_weight": 0}
    return SentenceIndex.build(index.corpus, SearchParams(**{**context, **weights}))


def rank(index: SentenceIndex, question: str, fragment: str) -> int:
    texts = [hit.sentence.text for hit in index.search(question, 10).hits]
    return next(n for n, text in enumerate(texts) if fragment in text)


def test_paragraph_context_picks_the_sentence_in_the_right_story(index) -> None:
    # Both sentences hold "talks"; only the harbour paragraph is about the port authority.
    question = "What happened to the talks with the port authority?"
    with_context = only(index, paragraph_weight=1.0)
    assert rank(with_context, question, "She says") < rank(with_context, question, "buyers")
    assert rank(only(index), question, "She says") > rank(only(index), question, "buyers")


def test_pronoun_sentence_is_found_by_who_it_means(index) -> None:
    question = "What about Petrenko and the talks?"
    assert first(only(index, antecedent_weight=0.3), question) == (
        "She says the talks have failed."
    )
    assert first(only(index), question) != "She says the talks have failed."


def test_exact_form_counts_more_than_a_shared_stem(index) -> None:
    assert first(index, "Which organization changed the relay route?").startswith(
        "The organization of the relay"
    )
    assert first(index, "What did the organizers do?").startswith("Organizers of the marathon")


def test_word_pairs_favour_the_phrase(index) -> None:
    assert first(index, "What happened in New York?").startswith("Flights to New York")
    no_pairs = SentenceIndex.build(index.corpus, SearchParams(pair_weight=0))
    assert first(no_pairs, "What happened in New York?").startswith("A new plan for York")


def test_irregular_verbs_meet_their_base_form(index) -> None:
    # Without "won" -> "win", the shorter "Cup tickets sold out." would come first.
    stems_only = SentenceIndex.build(index.corpus, SearchParams(exact_weight=0, pair_weight=0))
    assert first(stems_only, "Who won the cup?") == "Rovers win the cup at home every spring."


def test_a_when_question_prefers_a_sentence_with_a_date(index) -> None:
    question = "When was the stadium roof fixed?"
    # Both roof sentences match; only one says when. Without answer kinds the shorter wins.
    assert first(index, question) == "The stadium roof was repaired in 1998."
    no_kinds = SentenceIndex.build(index.corpus, SearchParams(kind_weight=0))
    assert first(no_kinds, question) == "The stadium roof leaks."


def test_sentences_naming_everything_the_question_names_come_first(index) -> None:
    # "Chile closed the border." matches best, but names (and sits next to) one country only.
    question = "What is Norway doing at the Chile border?"
    assert first(index, question).startswith("Diplomats from Norway and Chile")
    plain = [hit.sentence.text for hit in index.search("Norway Chile border", 3).hits]
    assert plain[0] == "Chile closed the border."


def test_weak_extra_passages_are_not_shown(index) -> None:
    question = "What does Petrenko say about the talks?"
    assert any("buyers" in p.text for p in answer(question, index, k=3).passages)
    strict = SentenceIndex.build(index.corpus, SearchParams(min_coverage=0.6))
    passages = answer(question, strict, k=3).passages
    # The valley sentence shares only "talks": below the share a shown passage needs.
    assert passages[0].matched.text == "She says the talks have failed."
    assert all("buyers" not in p.text for p in passages)
