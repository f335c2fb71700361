from __future__ import annotations

import pytest

from bot.search.sentences import SentenceSplitter
from bot.search.text import STOP_WORDS, fold, tokenize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("At least 20,000 people", ["least", "20000", "peopl"]),
        ("20000 people", ["20000", "peopl"]),
        ("50,000 and 1,250,000", ["50000", "1250000"]),
        ("growth of 3.5 per cent", ["growth", "3.5", "per", "cent"]),
        ("The UK-based observatory", ["uk", "base", "observatori"]),
        ("Bashar al-Assad", ["bashar", "al", "assad"]),
        ("Assad's men", ["assad", "men"]),
        ("Assad\u2019s men", ["assad", "men"]),
        ("the Russians' plan", ["russian", "plan"]),
        ("who\u2019ve lost it, doesn\u2019t", ["lose"]),
        ("Caf\u00e9 M\u00fcnster na\u00efve", ["cafe", "munster", "naiv"]),
        ("\uff21\uff22\uff23 fullwidth", ["abc", "fullwidth"]),
    ],
    ids=[
        "digit-groups",
        "plain-number",
        "big-numbers",
        "decimal",
        "hyphen",
        "al-prefix",
        "possessive",
        "curly-possessive",
        "plural-possessive",
        "contractions",
        "accents",
        "nfkc",
    ],
)
def test_tokenize(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


def test_question_and_sentence_meet_on_the_same_terms() -> None:
    sentence = tokenize("At least 20,000 people have fled their homes in Aleppo")
    question = tokenize("How many people fled Aleppo? 20000?")
    assert set(question) <= set(sentence)


def test_acronyms_survive_stop_words_but_plain_words_do_not() -> None:
    assert tokenize("talks between the U.S. and the U.N.") == ["talk", "us", "un"]
    assert tokenize("the US and WHO") == ["us", "who"]
    assert tokenize("he told us who") == ["tell"]


def test_shouting_is_not_taken_for_acronyms() -> None:
    assert tokenize("WHO CONTROLS EASTERN ALEPPO?") == ["control", "eastern", "aleppo"]


@pytest.mark.parametrize("text", ["", "   ", "\U0001f600\U0001f525", "the of and to", "?!.,"])
def test_nothing_to_search(text: str) -> None:
    assert tokenize(text) == []


def test_other_scripts_are_kept() -> None:
    assert tokenize("\u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440") == [
        "\u043f\u0440\u0438\u0432\u0435\u0442",
        "\u043c\u0438\u0440",
    ]


def test_stop_words_ship_with_the_project() -> None:
    assert {"the", "what", "who", "how", "is"} <= STOP_WORDS
    assert "aleppo" not in STOP_WORDS


def test_fold_keeps_length_of_quotes_but_drops_accents() -> None:
    assert fold("\u201cCaf\u00e9\u201d") == '"Cafe"'


@pytest.fixture(scope="module")
def splitter() -> SentenceSplitter:
    return SentenceSplitter.train(
        ["Officials met in the U.S. capital on Tuesday. The talks went on."]
    )


def split(splitter: SentenceSplitter, text: str) -> list[str]:
    return [text[s:e] for s, e in splitter.spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The U.N. Syria envoy Staffan de Mistura admitted it. He left.",
            ["The U.N. Syria envoy Staffan de Mistura admitted it.", "He left."],
        ),
        (
            "Officials in the U.S. said so. Mr. Smith and Gen. Jones met on Jan. 5 in Washington.",
            [
                "Officials in the U.S. said so.",
                "Mr. Smith and Gen. Jones met on Jan. 5 in Washington.",
            ],
        ),
        ("Growth was 3.5 per cent. Prices fell.", ["Growth was 3.5 per cent.", "Prices fell."]),
        ("George W. Bush spoke. The end.", ["George W. Bush spoke.", "The end."]),
        (
            "He said: \u201cWe will win. We always do.\u201d Then he left.",
            ["He said: \u201cWe will win.", "We always do.\u201d", "Then he left."],
        ),
        (
            'He said: "We will win. We always do." Then he left.',
            ['He said: "We will win.', 'We always do."', "Then he left."],
        ),
        ("Is it over? Yes! It is.", ["Is it over?", "Yes!", "It is."]),
    ],
    ids=[
        "un-envoy",
        "us-mr-gen-jan",
        "decimal",
        "initial",
        "curly-quotes",
        "straight-quotes",
        "marks",
    ],
)
def test_split_sentences(splitter: SentenceSplitter, text: str, expected: list[str]) -> None:
    assert split(splitter, text) == expected


def test_spans_are_offsets_into_the_original_text(splitter: SentenceSplitter) -> None:
    text = "\u201cIt\u2019s over,\u201d she said. \u2018Really.\u2019 Yes."
    spans = splitter.spans(text)
    assert [text[s:e] for s, e in spans] == [
        "\u201cIt\u2019s over,\u201d she said.",
        "\u2018Really.\u2019",
        "Yes.",
    ]


def test_training_is_bounded() -> None:
    SentenceSplitter.train(["A long text. " * 1000], max_chars=100)  # must not raise or hang


@pytest.mark.parametrize(
    "text",
    [
        "3.5 per cent and 1.13bn",
        "a.b. c.5 5.c 1.2.3 end.",
        "U.S. troops_x 4.",
        "x__y z",
        "10.30am",
    ],
)
def test_fast_ascii_split_matches_the_pattern(text: str) -> None:
    from bot.search.text import _TOKEN, _split_words

    assert _split_words(text) == _TOKEN.findall(text)


def test_a_month_is_a_date_only_with_its_capital() -> None:
    from bot.search.text import WHEN_KEY, analyse

    assert WHEN_KEY in analyse("The vote is in May.").kinds
    assert WHEN_KEY not in analyse("It may rain.").kinds
    assert WHEN_KEY in analyse("It ended in 1998.").kinds


TRICKY_TEXTS = [
    "The U.N. Syria envoy Staffan de Mistura admitted it.",
    "",
    "   ",
    "At least 20,000 people fled in May; 1,250,000 in 1998.",
    "THE MINISTRY SAID NOTHING ABOUT THE PLAN TODAY",
    "Assad's men and the Russians' plan, who\u2019ve lost it.",
    "Caf\u00e9 M\u00fcnster na\u00efve \u201cquoted\u201d \uff21\uff22\uff23",
    "It may rain. US officials and WHO said so.",
    "a.b. c.5 5.c 1.2.3 end. xA.B.C. done",
    "\U0001f600 \u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd",
    "A separator \x1f inside a text",
    "3.5 per cent and 1.13bn by 10.30am",
]


def test_many_texts_at_once_agree_with_one_at_a_time() -> None:
    from bot.search.text import NUMBER_BIT, NUMBER_KEY, WHEN_BIT, WHEN_KEY, analyse, analyse_texts

    for texts in (TRICKY_TEXTS, TRICKY_TEXTS[:-2], [t for t in TRICKY_TEXTS if "\x1f" not in t]):
        words = analyse_texts(texts)
        assert words.counts.tolist() == [len(analyse(t).word_keys) for t in texts]
        at = 0
        for text, count, kinds in zip(texts, words.counts, words.kinds, strict=True):
            one = analyse(text)
            span = slice(at, at + count)
            content = words.content[span]
            capitalised = (content & words.capitalised[span])[1:]
            assert words.stem_keys[span].tolist() == one.word_keys, text
            assert words.stem_keys[span][content].tolist() == one.stem_keys, text
            assert words.exact_keys[span][content].tolist() == one.exact_keys, text
            assert words.stem_keys[span][1:][capitalised].tolist() == one.capitalised, text
            found = [
                k for bit, k in ((WHEN_BIT, WHEN_KEY), (NUMBER_BIT, NUMBER_KEY)) if kinds & bit
            ]
            assert found == one.kinds, text
            at += count
    assert len(analyse_texts([]).counts) == 0


def _normalise_slowly(text: str) -> str:
    """The normalisation rules as plain patterns, to check the fast ones against."""
    import re

    from bot.search.text import fold

    text = fold(text)
    text = re.sub(r"\b(?:[^\W\d_]\.){2,}", lambda m: m.group().replace(".", "") + " ", text)
    text = re.sub(r"(?<=\d)[,\u00a0\u202f\u2009'](?=\d{3}(?!\d))", "", text)
    text = re.sub(r"(?<=\w)'s\b|(?<=s)'(?!\w)", "", text, flags=re.IGNORECASE)
    return re.sub(r"(?<=\w)'(?=\w)", "", text)


def test_fast_normalisation_patterns_agree_with_the_plain_rules() -> None:
    import random

    from bot.search.text import _normalise

    rng = random.Random(7)
    alphabet = "aAsSbB1234567890.,'\u2019 \u00a0-xU\u00e9"
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        assert _normalise(text) == _normalise_slowly(text), repr(text)
    for text in TRICKY_TEXTS:
        assert _normalise(text) == _normalise_slowly(text), repr(text)


def test_the_word_table_starts_afresh_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.search.text
    from bot.search.text import analyse, analyse_texts

    monkeypatch.setattr(bot.search.text, "MAX_REMEMBERED_WORDS", 5)
    monkeypatch.setattr(bot.search.text, "_WORDS", bot.search.text._WordTable())
    texts = ["Alpha beta gamma delta epsilon zeta.", "Eta theta alpha beta, iota kappa."]
    for more in ([], ["Lambda and alpha."], ["Mu, nu and gamma."]):  # new words each time
        words = analyse_texts(texts + more)
        assert words.stem_keys.tolist() == [k for t in texts + more for k in analyse(t).word_keys]
        assert len(bot.search.text._WORDS.ids) <= len(words.stem_keys)
