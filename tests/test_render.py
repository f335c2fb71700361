from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from bot.render import (
    answer_json,
    citation_text,
    paragraph_html,
    paragraph_sources,
    render_html,
    render_text,
    sentence_credits,
)
from bot.search.answer import Answer, Notice, answer
from bot.search.corpus import Corpus, article_from_text
from bot.search.index import SentenceIndex

TELEGRAM_TAGS = {"b", "i", "u", "s", "a", "code", "pre", "blockquote", "tg-spoiler", "span"}


class _TagChecker(HTMLParser):
    """Fails on tags Telegram does not know and on unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs) -> None:
        assert tag in TELEGRAM_TAGS, tag
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, tag

    def handle_data(self, data: str) -> None:
        self.text += data


def visible(message: str) -> str:
    checker = _TagChecker()
    checker.feed(message)
    checker.close()
    assert not checker.stack
    return checker.text


def test_text_numbers_quotes_and_cites(news_index: SentenceIndex) -> None:
    text = render_text(answer("How many residents were evacuated?", news_index, k=1), width=200)
    assert text == (
        "1. About 3,000 residents were evacuated, the regional fire service said.\n"
        "   \u2014 according to the regional fire service \u00b7 Floods, paragraph 1"
    )


def test_text_citation_has_outlet_date_and_url(news_index: SentenceIndex) -> None:
    text = render_text(answer("steel cables replaced", news_index, k=1), width=300)
    assert (
        "according to the Port Authority \u00b7 Harbour bridge reopens "
        "(The Coastal Times, 2024-03-02), paragraph 1 \u00b7 https://example.org/harbour"
    ) in text


def test_text_highlights_only_with_color(news_index: SentenceIndex) -> None:
    result = answer("evacuated residents", news_index, k=1)
    assert "\x1b[1m" not in render_text(result)
    assert "\x1b[1mresidents\x1b[0m" in render_text(result, color=True)


def test_text_of_an_answer_without_passages() -> None:
    notice = Notice("The briefing does not cover this.")
    assert render_text(Answer("q", (), notice=notice)) == "The briefing does not cover this."


def test_html_is_valid_and_quotes_exactly(news_index: SentenceIndex) -> None:
    (message,) = render_html(answer("How many residents were evacuated?", news_index, k=1))
    assert message == (
        "<blockquote><b>1.</b> About 3,000 <b>residents</b> were <b>evacuated</b>, the regional "
        "fire service said.</blockquote>\n"
        "\u2014 according to the regional fire service \u00b7 <i>Floods</i>, paragraph 1"
    )
    assert "About 3,000 residents were evacuated" in visible(message)


def test_html_links_the_title(news_index: SentenceIndex) -> None:
    (message,) = render_html(answer("steel cables replaced", news_index, k=1))
    assert '<a href="https://example.org/harbour"><i>Harbour bridge reopens' in message


def hostile_index() -> SentenceIndex:
    body = (
        "The <b>mayor</b> & council met at 5 < 6 pm. Tom said *nothing* _new_ [x](y).\n\n"
        "Residents asked about the <script>alert(1)</script> budget. It was unclear. "
        "Nobody answered. The meeting ended late. Snow fell overnight."
    )
    article = article_from_text(
        "evil", body, title="<i>Title</i> & co", outlet="A&B", url='javascript:alert("x")'
    )
    return SentenceIndex.build(Corpus((article,)))


def test_html_escapes_article_source_and_title() -> None:
    index = hostile_index()
    for question in ["mayor council", "residents budget script"]:
        for message in render_html(answer(question, index)):
            text = visible(message)  # raises on any stray tag
            assert "<script>" not in message and "&lt;" in message
            assert "href" not in message  # not an http(s) link: no link at all
            assert "<i>Title</i> & co" in text


def test_long_answers_split_between_passages() -> None:
    sentences = " ".join(
        f"Report {i} about the harbour strike and {'x' * 400} word{i}." for i in range(40)
    )
    filler = " ".join(f"Other{i} topic sentence." for i in range(20))
    index = SentenceIndex.build(Corpus((article_from_text("long", f"{sentences}\n\n{filler}"),)))
    result = answer("harbour strike report", index, k=10)
    messages = render_html(result, limit=1200)
    assert len(messages) > 1
    for message in messages:
        assert len(message.encode("utf-16-le")) // 2 <= 1200
        visible(message)
        assert message.startswith("<blockquote>")
    numbers = [int(n) for m in messages for n in re.findall(r"<b>(\d+)\.</b>", m)]
    assert numbers == list(range(1, len(result.passages) + 1))


def test_one_passage_longer_than_a_message_is_cut_with_an_ellipsis() -> None:
    words = " ".join(f"word{i}" for i in range(2000))
    body = f"The harbour strike began with {words}. Other news. More news. Even more. Last one."
    index = SentenceIndex.build(Corpus((article_from_text("huge", body),)))
    (message,) = render_html(answer("harbour strike", index, k=1))
    assert len(message) <= 4096
    assert "\u2026</blockquote>" in message
    assert "paragraph 1" in visible(message)


def test_a_cut_passage_keeps_its_sentence_credits_within_the_limit() -> None:
    words = " ".join(f"word{i} <b>&" for i in range(900))
    body = (
        f"The harbour strike began on Monday, the R&D Board said. It spread with {words}. "
        "Other news. More news. Even more. Last one."
    )
    index = SentenceIndex.build(Corpus((article_from_text("huge", body),)))
    result = answer("How did the harbour strike spread?", index, k=1)
    assert result.passages[0].credits == ("the R&D Board", None)
    (message,) = render_html(result)
    assert len(message.encode("utf-16-le")) // 2 <= 4096
    shown = visible(message)
    assert "\u2026</blockquote>" in message
    assert shown.endswith(
        "Sentence 1: according to the R&D Board \u00b7 sentence 2: the article's own words"
    )


def test_json_has_exact_offsets(aleppo_index: SentenceIndex) -> None:
    data = answer_json(answer("What did the U.N. envoy admit?", aleppo_index))
    hit = data["hits"][0]
    body = aleppo_index.article(hit["article"]).body
    assert body[hit["start"] : hit["end"]] == hit["sentence"]
    assert body[hit["passage_start"] : hit["passage_end"]] == hit["passage"]
    assert hit["rank"] == 1 and hit["paragraph"] == 2
    assert hit["source"] == "the U.N. Syria envoy Staffan de Mistura"
    assert set(hit) >= {
        "rank",
        "score",
        "article",
        "title",
        "paragraph",
        "sentence",
        "start",
        "end",
        "passage",
        "source",
    }
    assert data["message"] is None


def test_json_not_covered(aleppo_index: SentenceIndex) -> None:
    data = answer_json(answer("What is the population of Tokyo?", aleppo_index))
    assert data["hits"] == []
    assert data["message"].startswith("The briefing does not cover this")


def test_a_passage_with_two_sources_credits_each_sentence(aleppo_index: SentenceIndex) -> None:
    result = answer("How many people fled according to the observatory?", aleppo_index, k=1)
    (passage,) = result.passages
    assert len(passage.sentences) == 2
    assert passage.credits == (
        "the International Red Cross",
        "the UK-based Syrian Observatory for Human Rights",
    )
    assert passage.sources == passage.credits
    matched = passage.matched.source
    assert citation_text(passage).startswith(f"according to {matched} \u00b7 Aleppo")
    each = (
        "Sentence 1: according to the International Red Cross \u00b7 sentence 2: according to "
        "the UK-based Syrian Observatory for Human Rights"
    )
    assert render_text(result, width=500).endswith(f"paragraph 1\n     {each}")
    assert render_html(result)[0].endswith(f"paragraph 1\n<i>{each}</i>")
    data = answer_json(result)["hits"][0]
    assert data["source"] == matched
    assert data["sources"] == list(passage.sources)
    body = passage.article.body
    assert [(s["start"], s["end"], s["source"]) for s in data["sentences"]] == [
        (s.start, s.end, s.source) for s in passage.sentences
    ]
    assert all(body[s["start"] : s["end"]] == s["text"] for s in data["sentences"])


def test_an_own_voice_sentence_is_never_cited_to_its_neighbour() -> None:
    corpus = Corpus(
        (
            article_from_text(
                "dam",
                "Engineers finished the river dam in June, the water board said. Its turbines "
                "were built abroad. Farmers downstream grow rice and beans. Lorries carry the "
                "harvest north. Tourists visit the lake in summer.",
                "Dam finished",
            ),
        )
    )
    index = SentenceIndex.build(corpus)
    result = answer("Where were the turbines built?", index, k=1)
    (passage,) = result.passages
    assert passage.matched.text == "Its turbines were built abroad."
    assert passage.credits == ("the water board", None)
    assert citation_text(passage) == "Dam finished, paragraph 1"
    each = "Sentence 1: according to the water board \u00b7 sentence 2: the article's own words"
    assert render_text(result, width=500).endswith(
        f"\u2014 Dam finished, paragraph 1\n     {each}"
    )
    html_message = render_html(result)[0]
    escaped = each.replace("'", "&#x27;")
    assert html_message.endswith(f"\u2014 <i>Dam finished</i>, paragraph 1\n<i>{escaped}</i>")
    visible(html_message)
    hit = answer_json(result)["hits"][0]
    assert hit["source"] is None and hit["citation"] == "Dam finished, paragraph 1"
    assert [s["source"] for s in hit["sentences"]] == ["the water board", None]


def test_a_passage_credited_alike_has_no_sentence_line(news_index: SentenceIndex) -> None:
    result = answer("Who told reporters what the bridge work cost?", news_index, k=1)
    (passage,) = result.passages
    assert sentence_credits(passage) == ""
    assert "Sentence" not in render_text(result, width=500)


@pytest.mark.parametrize(
    ("credits", "expected"),
    [
        (["X", None, "X"], ["X (sentences 1, 3)"]),
        ([None, "X", "X", "Y"], ["X (sentences 2\u20133)", "Y (sentence 4)"]),
        ([None, None], []),
    ],
    ids=["apart", "runs", "none"],
)
def test_paragraph_sources_name_their_sentences(credits, expected) -> None:
    assert paragraph_sources(credits) == expected


def test_paragraph_html_quotes_the_whole_paragraph_with_its_citation(
    news_index: SentenceIndex,
) -> None:
    article = news_index.article("harbour")
    message = paragraph_html(article, 1, ["the Port Authority"])
    assert message == (
        f"<blockquote>{article.paragraph_text(1)}</blockquote>\n"
        '\u2014 <a href="https://example.org/harbour"><i>Harbour bridge reopens '
        "(The Coastal Times, 2024-03-02)</i></a>, paragraph 1\n"
        "Sources in this paragraph: the Port Authority"
    )
    visible(message)


def test_paragraph_html_escapes_and_cuts_to_the_limit() -> None:
    body = " ".join(["Rock & roll <live> tonight."] * 400)
    corpus = Corpus((article_from_text("gig", body),))
    message = paragraph_html(corpus.articles[0], 1, ["the <promoter>"], limit=1000)
    shown = visible(message)
    assert len(message.encode("utf-16-le")) // 2 <= 1000
    assert (
        shown.startswith("Rock & roll <live> tonight. Rock") and "\u2026</blockquote>" in message
    )
    assert shown.endswith("paragraph 1\nSources in this paragraph: the <promoter>")
