"""One answer, rendered three ways: plain text, Telegram HTML and JSON."""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Callable, Sequence
from functools import lru_cache

from .i18n import ENGLISH, N_, NP_, Translator
from .search.answer import Answer, Passage
from .search.corpus import Article
from .search.languages import analyser

TELEGRAM_TEXT_LIMIT = 4096  # MessageLimit.MAX_TEXT_LENGTH; the core does not import telegram
ELLIPSIS = "\u2026"
BOLD, RESET = "\x1b[1m", "\x1b[0m"
ACCORDING_TO = N_("according to {sources}")
PARAGRAPH = N_("{title}, paragraph {number}")
IN_LANGUAGE = N_("in {language}")
SOURCES_IN_PARAGRAPH = N_("Sources in this paragraph: {sources}")
OWN_VOICE = N_("the article's own words")
SENTENCES = NP_("sentence {numbers}", "sentences {numbers}")


def article_label(article: Article) -> str:
    """Title, then outlet and date when known: `Title (Outlet, 2016-12-01)`."""
    extra = ", ".join(x for x in (article.outlet, article.date) if x)
    return f"{article.title} ({extra})" if extra else article.title


def citation_text(passage: Passage, tr: Translator = ENGLISH, language: bool = False) -> str:
    """`according to X · Title (Outlet, date), paragraph N · URL` in plain text.

    X is whom the article credits for the matched sentence; a sentence in the article's own
    voice names nobody. Other credits in the passage are told apart by `sentence_credits`.
    With `language`, the passage's language leads ("in Russian · …").
    """
    parts = [tr(IN_LANGUAGE, language=tr.language_name(passage.language))] if language else []
    if passage.source:
        parts.append(tr(ACCORDING_TO, sources=passage.source))
    label = article_label(passage.article)
    parts.append(tr(PARAGRAPH, title=label, number=passage.paragraph))
    if passage.article.url:
        parts.append(passage.article.url)
    return " \u00b7 ".join(parts)


def citation_html(passage: Passage, tr: Translator = ENGLISH, language: bool = False) -> str:
    """The citation as Telegram HTML, the title linked to the article when it has a URL."""
    parts = [tr.html(IN_LANGUAGE, language=tr.language_name(passage.language))] if language else []
    if passage.source:
        parts.append(tr.html(ACCORDING_TO, sources=html.escape(passage.source)))
    parts.append(tr.html(PARAGRAPH, title=_label_html(passage.article), number=passage.paragraph))
    return " \u00b7 ".join(parts)


def sentence_credits(passage: Passage, tr: Translator = ENGLISH) -> str:
    """Whose each sentence of the passage is, when they are not all the matched one's; else "".

    `Sentence 1: the article's own words · sentences 2–3: according to X`, in plain text. The
    citation speaks for the matched sentence only; this line keeps a neighbour's credit off a
    sentence the article says in its own voice, and the other way round.
    """
    credits = passage.credits
    if all(credit == passage.source for credit in credits):
        return ""
    line = " \u00b7 ".join(
        f"{label}: {tr(ACCORDING_TO, sources=credit) if credit else tr(OWN_VOICE)}"
        for label, credit in _runs(credits, tr)
    )
    return line[0].upper() + line[1:]


def paragraph_sources(credits: Sequence[str | None], tr: Translator = ENGLISH) -> list[str]:
    """Whom a paragraph's sentences are credited to, with which: `X (sentences 2–3)`."""
    numbers: dict[str, list[int]] = {}
    for number, credit in enumerate(credits, start=1):
        if credit:
            numbers.setdefault(credit, []).append(number)
    return [f"{credit} ({_sentences(found, tr)})" for credit, found in numbers.items()]


def _runs(credits: Sequence[str | None], tr: Translator) -> list[tuple[str, str | None]]:
    """Consecutive sentences with the same credit: ("sentence 1", X), ("sentences 2–3", None)."""
    runs: list[tuple[list[int], str | None]] = []
    for number, credit in enumerate(credits, start=1):
        if runs and runs[-1][1] == credit:
            runs[-1][0].append(number)
        else:
            runs.append(([number], credit))
    return [(_sentences(numbers, tr), credit) for numbers, credit in runs]


def _sentences(numbers: list[int], tr: Translator) -> str:
    """`sentence 2`, `sentences 2–3`, `sentences 1, 4–5` for sentence numbers in order."""
    spans: list[list[int]] = []
    for number in numbers:
        if spans and spans[-1][1] == number - 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    listed = ", ".join(str(a) if a == b else f"{a}\u2013{b}" for a, b in spans)
    return tr.plural(*SENTENCES, len(numbers), numbers=listed)


def highlight(
    text: str, terms: frozenset[str], mark: Callable[[str], str], language: str = "en"
) -> list[str]:
    """Split `text` into pieces, passing words whose terms the question holds through `mark`.

    Words are as the text's language has them (whole words with their marks; character
    pairs in Chinese, merged where they overlap), so a mark never splits a word.
    """
    if not terms:
        return [text]
    marked: list[list[int]] = []
    for start, end in analyser(language).word_spans(text):
        if not terms.isdisjoint(_terms_of(text[start:end], language)):
            if marked and start < marked[-1][1]:
                marked[-1][1] = max(marked[-1][1], end)
            else:
                marked.append([start, end])
    pieces, last = [], 0
    for start, end in marked:
        pieces.append(text[last:start])
        pieces.append(mark(text[start:end]))
        last = end
    pieces.append(text[last:])
    return pieces


@lru_cache(maxsize=65_536)
def _terms_of(word: str, language: str) -> tuple[str, ...]:
    """The terms of one word as written; words repeat from answer to answer, so remembered."""
    return tuple(analyser(language).tokenize(word))


def render_text(
    answer: Answer,
    width: int = 88,
    color: bool = False,
    more_hint: str | None = None,
    explain: bool = False,
    tr: Translator = ENGLISH,
) -> str:
    """Numbered passages, each followed by its citation, wrapped for a terminal.

    With `explain`, each passage also shows the signals that ranked it (`signals_text`).
    Notices are in the translator's language.
    """
    notice = tr.notice(answer.notice) if answer.notice else ""
    partial = tr.notice(answer.partial) if answer.partial else ""
    if not answer.passages:
        return "\n".join(line for line in (partial, notice) if line)
    blocks = [textwrap.fill(line, width=width) for line in (partial, notice) if line]
    label = answer.elsewhere
    for passage in answer.passages:
        number = f"{passage.rank}. "
        indent = " " * len(number)
        body = " ".join(passage.text.split())
        lines = textwrap.wrap(
            body,
            width=width,
            initial_indent=number,
            subsequent_indent=indent,
            break_on_hyphens=False,
        )
        if color:
            lines = [_bold_terms(line, answer.terms, passage.language) for line in lines]
        cite = textwrap.wrap(
            "\u2014 " + citation_text(passage, tr, label),
            width=width,
            initial_indent=indent,
            subsequent_indent=indent + "  ",
            break_on_hyphens=False,
            break_long_words=False,
        )
        if each := sentence_credits(passage, tr):
            cite += textwrap.wrap(
                each,
                width=width,
                initial_indent=indent + "  ",
                subsequent_indent=indent + "  ",
                break_on_hyphens=False,
                break_long_words=False,
            )
        if explain:
            cite.append(indent + signals_text(passage))
        blocks.append("\n".join(lines + cite))
    if answer.more and more_hint:
        blocks.append(more_hint)
    return "\n\n".join(blocks)


def signals_text(passage: Passage) -> str:
    """What ranked a passage: `score 1.02 = semantic 0.71 + words (bm25 5.58, coverage 0.80)`."""
    lexical = f"bm25 {passage.bm25:.2f}, coverage {passage.coverage:.2f}"
    if passage.semantic is None:
        return f"score {passage.score:.3f}: {lexical}; semantic matching off"
    return f"score {passage.score:.3f} = semantic {passage.semantic:.3f} + words ({lexical})"


def render_html(
    answer: Answer, limit: int = TELEGRAM_TEXT_LIMIT, tr: Translator = ENGLISH
) -> list[str]:
    """Telegram HTML messages, each within `limit`, split only between passages."""
    notice = tr.lines(tr.notice(answer.notice, markup=True)) if answer.notice else ""
    if answer.partial:  # in italics, before the notice
        partial = tr.lines(f"<i>{tr.notice(answer.partial, markup=True)}</i>")
        if not answer.passages:
            return [f"{partial}\n{notice}" if notice else partial]
        notice = f"{partial}\n\n{notice}" if notice else partial
    if not answer.passages:
        return [notice]
    # The notice heads the first message: its passage is cut to leave room for it.
    room = [
        limit - (_length(notice) + 2 if notice and n == 0 else 0)
        for n in range(len(answer.passages))
    ]
    blocks = [_passage_html(p, answer, r, tr) for p, r in zip(answer.passages, room, strict=True)]
    if notice:
        blocks[0] = f"{notice}\n\n{blocks[0]}"
    messages: list[str] = []
    for block in blocks:
        if messages and _length(messages[-1]) + 2 + _length(block) <= limit:
            messages[-1] += "\n\n" + block
        else:
            messages.append(block)
    return messages


def passage_html(
    passage: Passage,
    terms: frozenset[str] = frozenset(),
    number: int = 0,
    tr: Translator = ENGLISH,
    language: bool = False,
) -> str:
    """One passage and its citation as Telegram HTML (for inline results and buttons)."""
    marked = "".join(
        piece if i % 2 else html.escape(piece)
        for i, piece in enumerate(
            highlight(passage.text, terms, lambda w: f"<b>{html.escape(w)}</b>", passage.language)
        )
    )
    prefix = f"<b>{number}.</b> " if number else ""
    return f"<blockquote>{prefix}{marked}</blockquote>{_cite_html(passage, tr, language)}"


def paragraph_html(
    article: Article,
    number: int,
    sources: Sequence[str] = (),
    limit: int = TELEGRAM_TEXT_LIMIT,
    tr: Translator = ENGLISH,
) -> str:
    """A whole paragraph, its citation and the sources it credits, as Telegram HTML."""
    cite = "\n\u2014 " + tr.html(PARAGRAPH, title=_label_html(article), number=number)
    if sources:
        listed = "; ".join(html.escape(s) for s in sources)
        cite += "\n" + tr.html(SOURCES_IN_PARAGRAPH, sources=listed)
    cite = tr.lines(cite)
    text = article.paragraph_text(number)
    room = limit - _length(cite) - len("<blockquote></blockquote>")
    quoted = html.escape(text) if _length(html.escape(text)) <= room else _cut(text, room - 1)
    return f"<blockquote>{quoted}</blockquote>{cite}"


def answer_json(answer: Answer, tr: Translator = ENGLISH) -> dict:
    """The answer as a JSON-ready dict: one entry per passage, with offsets into the body."""
    hits = []
    for passage in answer.passages:
        sentence = passage.matched
        article = passage.article
        hits.append(
            {
                "rank": passage.rank,
                "score": round(passage.score, 6),
                "bm25": round(passage.bm25, 6),
                "semantic": None if passage.semantic is None else round(passage.semantic, 6),
                "coverage": round(passage.coverage, 6),
                "article": article.id,
                "title": article.title,
                "outlet": article.outlet,
                "author": article.author,
                "date": article.date,
                "url": article.url,
                "language": passage.language,
                "paragraph": passage.paragraph,
                "sentence": sentence.text,
                "start": sentence.start,
                "end": sentence.end,
                "passage": passage.text,
                "passage_start": passage.sentences[0].start,
                "passage_end": passage.sentences[-1].end,
                "source": passage.source,
                "sources": list(passage.sources),
                "citation": citation_text(passage, tr, answer.elsewhere),
                "sentences": [
                    {"text": s.text, "start": s.start, "end": s.end, "source": s.source}
                    for s in passage.sentences
                ],
            }
        )
    return {
        "question": answer.question,
        "language": answer.language,
        "hits": hits,
        "message": tr.notice(answer.notice) if answer.notice else None,
        "more": answer.more,
        "partial": tr.notice(answer.partial) if answer.partial else None,
    }


def _passage_html(passage: Passage, answer: Answer, limit: int, tr: Translator) -> str:
    block = passage_html(passage, answer.terms, passage.rank, tr, answer.elsewhere)
    if _length(block) <= limit:
        return block
    # One passage longer than a message: quote as much as fits, and say it was cut.
    cite = _cite_html(passage, tr, answer.elsewhere)
    room = limit - _length(cite) - len("<blockquote><b>99.</b> </blockquote>") - 1
    number = passage.rank
    return f"<blockquote><b>{number}.</b> {_cut(passage.text, room)}</blockquote>{cite}"


def _cite_html(passage: Passage, tr: Translator = ENGLISH, language: bool = False) -> str:
    """The lines under a quoted passage: its citation, and whose each sentence is if mixed."""
    each = sentence_credits(passage, tr)
    lines = f"\u2014 {citation_html(passage, tr, language)}"
    if each:
        lines += f"\n<i>{html.escape(each)}</i>"
    return "\n" + tr.lines(lines)


def _cut(text: str, room: int) -> str:
    """`text` cut at a word so that, escaped, it fits in `room`; then "…"."""
    while _length(html.escape(text)) > room:
        text = text[: max(len(text) * room // max(_length(html.escape(text)), 1) - 1, 0)]
    text = text.rsplit(" ", 1)[0] if " " in text else text
    return html.escape(text) + ELLIPSIS


def _label_html(article: Article) -> str:
    label = f"<i>{html.escape(article_label(article))}</i>"
    if _is_web_link(article.url):
        label = f'<a href="{html.escape(article.url or "")}">{label}</a>'
    return label


def _bold_terms(line: str, terms: frozenset[str], language: str) -> str:
    return "".join(highlight(line, terms, lambda w: f"{BOLD}{w}{RESET}", language))


def _length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units), tags included to stay on the safe side."""
    return len(text.encode("utf-16-le")) // 2


def _is_web_link(url: str | None) -> bool:
    return bool(url) and re.match(r"https?://\S+$", url or "") is not None
