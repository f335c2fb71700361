from __future__ import annotations

import pytest

from bot.search.credits import attribute
from bot.search.index import SentenceIndex
from bot.search.sentences import SentenceSplitter
from tests.conftest import sentence_with

ADVISOR = "an advisor to the Syrian president"
MALBRUNOT = "reporter Georges Malbrunot with the French daily Le Figaro"

# Every sentence of the bundled Aleppo article, by a fragment, and whom it is credited to.
ALEPPO = [
    ("The numbers are impressive", None),
    ("At least 20,000 people", "the International Red Cross"),
    ("puts the figure significantly higher", "the UK-based Syrian Observatory for Human Rights"),
    ("Beyond the immediate humanitarian crisis", None),
    ("The Syrian-led offensive", None),
    ("Staffan de Mistura admitted", "the U.N. Syria envoy Staffan de Mistura"),
    ("Winning the battle for Aleppo", None),
    ("Writing from Syria", MALBRUNOT),
    ("Cold realpolitik", MALBRUNOT),
    ("We have no alternative", ADVISOR),
    ("Those around Assad are grateful", MALBRUNOT),
    ("not in control at the negotiating table", ADVISOR),
    ("He says discussions are now at an impasse", ADVISOR),
    ("the Russians want to complete the Aleppo operation", "a Syrian official quoted by Reuters"),
    ("What place Assad", None),
]


@pytest.mark.parametrize(("fragment", "source"), ALEPPO, ids=[f for f, _ in ALEPPO])
def test_every_aleppo_sentence_is_credited_right(
    aleppo_index: SentenceIndex, fragment: str, source: str | None
) -> None:
    assert sentence_with(aleppo_index, fragment).source == source


def test_aleppo_has_exactly_these_sentences(aleppo_index: SentenceIndex) -> None:
    assert len(aleppo_index) == len(ALEPPO)


def credit(text: str) -> list[str | None]:
    """Sources of the sentences of a one-paragraph text."""
    spans = SentenceSplitter.train([text]).spans(text)
    return [a.source for a in attribute(text, [(1, s, e) for s, e in spans])]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Prices rose sharply, according to the central bank.", ["the central bank"]),
        ("The health ministry said 40 people died.", ["the health ministry"]),
        (
            "\u201cWe are ready,\u201d said Defence Minister Ana Ruiz.",
            ["Defence Minister Ana Ruiz"],
        ),
        ('"We are ready," the minister told Reuters.', ["the minister"]),
        ("Officials say the road is closed.", ["Officials"]),
        ("The rain stopped at noon.", [None]),
        ("He was told to leave.", [None]),
        ("The minister declined to say when.", [None]),
        ("The minister did not deny it.", [None]),
        ("The report was published on Monday.", [None]),
        ("Police put the death toll at 12.", ["Police"]),
        ("The latest estimates show growth.", [None]),
        ("Amnesty International reports abuses.", ["Amnesty International"]),
    ],
    ids=[
        "according-to",
        "X-said",
        "said-X",
        "X-told",
        "plural-subject",
        "own-voice",
        "passive",
        "declined-to",
        "negated",
        "noun-not-verb",
        "puts-the-toll",
        "noun-estimates",
        "named-reports",
    ],
)
def test_attribution_patterns(text: str, expected: list[str | None]) -> None:
    assert credit(text) == expected


def test_pronoun_takes_the_last_named_source() -> None:
    text = "Mayor Linda Okafor told reporters the work is done. She says traffic will flow."
    assert credit(text) == ["Mayor Linda Okafor", "Mayor Linda Okafor"]


def test_pronoun_with_nobody_named_is_not_guessed() -> None:
    assert credit("He says the bridge is safe.") == [None]


def test_quotation_speaker_carries_over_its_sentences() -> None:
    text = (
        "\u201cThe water rose fast. We had minutes to leave,\u201d a farmer told the BBC. "
        "Rain fell."
    )
    assert credit(text) == ["a farmer", "a farmer", None]


def test_introduced_quotation_takes_the_introducer() -> None:
    text = (
        "The mayor described the scene. \u201cIt was chaos. Nobody slept.\u201d The rain stopped."
    )
    assert credit(text) == ["the mayor", "the mayor", "the mayor", None]


def test_apostrophes_do_not_open_quotations() -> None:
    text = "The Russians\u2019 plan doesn\u2019t work. The army\u2019s chief said so."
    assert credit(text) == [None, "the army\u2019s chief"]


def test_continues_quote_flag(aleppo_index: SentenceIndex) -> None:
    assert sentence_with(aleppo_index, "Those around Assad").continues_quote
    assert not sentence_with(aleppo_index, "Cold realpolitik").continues_quote
    assert not sentence_with(aleppo_index, "Winning the battle").continues_quote
