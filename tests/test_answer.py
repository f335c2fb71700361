from __future__ import annotations

import json

import pytest

from bot.search.answer import EMPTY_QUESTION, NOT_COVERED, answer
from bot.search.index import SentenceIndex
from tests.conftest import REPO, sentence_with


def test_passage_adds_the_sentence_a_pronoun_leans_on(news_index: SentenceIndex) -> None:
    result = answer("When will traffic return to normal?", news_index, k=1)
    (passage,) = result.passages
    assert passage.matched.text.startswith("She says traffic")
    assert passage.text.startswith("Mayor Linda Okafor told reporters")
    assert passage.source == "Mayor Linda Okafor"


def test_passage_adds_the_start_of_a_quotation(news_index: SentenceIndex) -> None:
    (passage,) = answer("minutes to leave", news_index, k=1).passages
    assert passage.text.startswith('"The water rose faster')
    assert passage.source == "a farmer from Millbrook"


def test_passages_never_cross_paragraphs(news_index: SentenceIndex) -> None:
    (passage,) = answer("third delay since January", news_index, k=1).passages
    assert passage.matched.text == "This is the third delay since January."
    # The sentence before is in another paragraph: a passage never crosses paragraphs.
    assert passage.text == passage.matched.text


def test_neighbouring_hits_merge_into_one_passage(news_index: SentenceIndex) -> None:
    result = answer("harbour bridge reopened cables Port Authority", news_index, k=3)
    texts = [p.text for p in result.passages]
    assert texts[0].startswith("The harbour bridge reopened")
    assert "Engineers replaced 1,200 steel cables" in texts[0]
    assert all("Engineers replaced" not in t for t in texts[1:])


def test_no_passage_repeats_another(aleppo_index: SentenceIndex) -> None:
    for question in ["Assad Russia Syrian", "Aleppo", "Russian ally Assad advisor"]:
        passages = answer(question, aleppo_index, k=5).passages
        ids = [s.id for p in passages for s in p.sentences]
        assert len(ids) == len(set(ids)), question


def test_dependence_rules(aleppo_index: SentenceIndex) -> None:
    assert sentence_with(aleppo_index, "He says discussions").leans_on_previous
    assert sentence_with(aleppo_index, "Those around Assad").leans_on_previous
    assert not sentence_with(aleppo_index, "At least 20,000").leans_on_previous


def test_paging_with_offset(aleppo_index: SentenceIndex) -> None:
    first = answer("Aleppo Assad Russia", aleppo_index, k=1)
    second = answer("Aleppo Assad Russia", aleppo_index, k=1, offset=1)
    assert first.more
    assert first.passages[0].text != second.passages[0].text
    assert second.offset == 1


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", EMPTY_QUESTION),
        ("   \n", EMPTY_QUESTION),
        ("What is the population of Tokyo?", NOT_COVERED),
        ("zebras and xylophones", NOT_COVERED),
        ("the of and", NOT_COVERED),
        ("\U0001f600\U0001f600", NOT_COVERED),
        (
            "\u0645\u0627 \u0647\u064a \u0639\u0627\u0635\u0645\u0629 "
            "\u0633\u0648\u0631\u064a\u0627\u061f",
            "The briefing has no articles in Arabic, and its articles in English do not cover",
        ),
    ],
    ids=["empty", "whitespace", "tokyo", "unknown", "stop-words", "emoji", "arabic"],
)
def test_not_covered(aleppo_index: SentenceIndex, question: str, message: str) -> None:
    result = answer(question, aleppo_index)
    assert result.passages == ()
    assert result.message is not None and result.message.startswith(message)


def test_markup_in_a_question_is_just_text(aleppo_index: SentenceIndex) -> None:
    result = answer("<b>Aleppo</b> & *jihadist* _fighters_ [x](y)", aleppo_index)
    assert "controlled mostly by jihadist fighters" in result.passages[0].text


def dev_questions() -> list[dict]:
    lines = (REPO / "tests" / "data" / "dev_questions.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in lines.splitlines() if line.strip()]


@pytest.mark.parametrize("case", dev_questions(), ids=lambda c: c["question"])
def test_dev_questions(aleppo_index: SentenceIndex, case: dict) -> None:
    result = answer(case["question"], aleppo_index)
    if not case["expect"]:
        assert result.passages == ()
        assert result.message is not None and result.message.startswith(NOT_COVERED)
    else:
        first = result.passages[0].text
        assert any(expected in first for expected in case["expect"]), first
