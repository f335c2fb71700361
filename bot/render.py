"""One answer, rendered three ways: plain text, Telegram HTML and JSON."""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Callable, Sequence
from functools import lru_cache

from .search.answer import Answer, Passage
from .search.corpus import Article
from .search.text import tokenize

TELEGRAM_TEXT_LIMIT = 4096  # MessageLimit.MAX_TEXT_LENGTH; the core does not import telegram
ELLIPSIS = "\u2026"
BOLD, RESET = "\x1b[1m", "\x1b[0m"
OWN_VOICE = "the article's own words"
_WORD = re.compile(r"(?:[^\W\d_]\.){2,}|\d[\d,.]*\d|[^\W_]+(?:['\u2019.-][^\W_]+)*")


def article_label(article: Article) -> str:
    """Title, then outlet and date when known: `Title (Outlet, 2016-12-01)`."""
    extra = ", ".join(x for x in (article.outlet, article.date) if x)
    return f"{article.title} ({extra})" if extra else article.title


def citation_text(passage: Passage) -> str:
    """`according to X · Title (Outlet, date), paragraph N · URL` in plain text.

    X is whom the article credits for the matched sentence; a sentence in the article's own
    voice names nobody. Other credits in the passage are told apart by `sentence_credits`.
    """
    parts = [f"according to {passage.source}"] if passage.source else []
    parts.append(f"{article_label(passage.article)}, paragraph {passage.paragraph}")
    if passage.article.url:
        parts.append(passage.article.url)
    return " \u00b7 ".join(parts)


def citation_html(passage: Passage) -> str:
    """The citation as Telegram HTML, the title linked to the article when it has a URL."""
    where = f"{_label_html(passage.article)}, paragraph {passage.paragraph}"
    if passage.source:
        return f"according to {html.escape(passage.source)} \u00b7 {where}"
    return where


def sentence_credits(passage: Passage) -> str:
    """Whose each sentence of the passage is, when they are not all the matched one's; else "".

    `Sentence 1: the article's own words · sentences 2–3: according to X`, in plain text. The
    citation speaks for the matched sentence only; this line keeps a neighbour's credit off a
    sentence the article says in its own voice, and the other way round.
    """
    credits = passage.credits
    if all(credit == passage.source for credit in credits):
        return ""
    line = " \u00b7 ".join(
        f"{label}: {f'according to {credit}' if credit else OWN_VOICE}"
        for label, credit in _runs(credits)
    )
    return line[0].upper() + line[1:]


def paragraph_sources(credits: Sequence[str | None]) -> list[str]:
    """Whom a paragraph's sentences are credited to, with which: `X (sentences 2–3)`."""
    numbers: dict[str, list[int]] = {}
    for number, credit in enumerate(credits, start=1):
        if credit:
            numbers.setdefault(credit, []).append(number)
    return [f"{credit} ({_sentences(found)})" for credit, found in numbers.items()]


def _runs(credits: Sequence[str | None]) -> list[tuple[str, str | None]]:
    """Consecutive sentences with the same credit: ("sentence 1", X), ("sentences 2–3", None)."""
    runs: list[tuple[list[int], str | None]] = []
    for number, credit in enumerate(credits, start=1):
        if runs and runs[-1][1] == credit:
            runs[-1][0].append(number)
        else:
            runs.append(([number], credit))
    return [(_sentences(numbers), credit) for numbers, credit in runs]


def _sentences(numbers: list[int]) -> str:
    """`sentence 2`, `sentences 2–3`, `sentences 1, 4–5` for sentence numbers in order."""
    spans: list[list[int]] = []
    for number in numbers:
        if spans and spans[-1][1] == number - 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    listed = ", ".join(str(a) if a == b else f"{a}\u2013{b}" for a, b in spans)
    return f"sentence {listed}" if len(numbers) == 1 else f"sentences {listed}"


def highlight(text: str, terms: frozenset[str], mark: Callable[[str], str]) -> list[str]:
    """Split `text` into pieces, passing words whose terms the question holds through `mark`."""
    if not terms:
        return [text]
    pieces, last = [], 0
    for match in _WORD.finditer(text):
        if not terms.isdisjoint(_terms_of(match.group())):
            pieces.append(text[last : match.start()])
            pieces.append(mark(match.group()))
            last = match.end()
    pieces.append(text[last:])
    return pieces


@lru_cache(maxsize=65_536)
def _terms_of(word: str) -> tuple[str, ...]:
    """The terms of one word as written; words repeat from answer to answer, so remembered."""
    return tuple(tokenize(word))


def render_text(
    answer: Answer,
    width: int = 88,
    color: bool = False,
    more_hint: str | None = None,
    explain: bool = False,
) -> str:
    """Numbered passages, each followed by its citation, wrapped for a terminal.

    With `explain`, each passage also shows the signals that ranked it (`signals_text`).
    """
    if not answer.passages:
        return "\n".join(line for line in (answer.partial, answer.message) if line)
    blocks = [answer.partial] if answer.partial else []
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
            lines = [_bold_terms(line, answer.terms) for line in lines]
        cite = textwrap.wrap(
            "\u2014 " + citation_text(passage),
            width=width,
            initial_indent=indent,
            subsequent_indent=indent + "  ",
            break_on_hyphens=False,
            break_long_words=False,
        )
        if each := sentence_credits(passage):
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


def render_html(answer: Answer, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Telegram HTML messages, each within `limit`, split only between passages."""
    note = f"<i>{html.escape(answer.partial)}</i>" if answer.partial else ""
    if not answer.passages:
        message = html.escape(answer.message or "")
        return [f"{note}\n{message}" if note else message]
    blocks = [_passage_html(p, answer, limit) for p in answer.passages]
    if note:
        blocks.insert(0, note)
    messages: list[str] = []
    for block in blocks:
        if messages and _length(messages[-1]) + 2 + _length(block) <= limit:
            messages[-1] += "\n\n" + block
        else:
            messages.append(block)
    return messages


def passage_html(passage: Passage, terms: frozenset[str] = frozenset(), number: int = 0) -> str:
    """One passage and its citation as Telegram HTML (for inline results and buttons)."""
    marked = "".join(
        piece if i % 2 else html.escape(piece)
        for i, piece in enumerate(
            highlight(passage.text, terms, lambda w: f"<b>{html.escape(w)}</b>")
        )
    )
    prefix = f"<b>{number}.</b> " if number else ""
    return f"<blockquote>{prefix}{marked}</blockquote>{_cite_html(passage)}"


def paragraph_html(
    article: Article,
    number: int,
    sources: Sequence[str] = (),
    limit: int = TELEGRAM_TEXT_LIMIT,
) -> str:
    """A whole paragraph, its citation and the sources it credits, as Telegram HTML."""
    cite = f"\n\u2014 {_label_html(article)}, paragraph {number}"
    if sources:
        cite += "\nSources in this paragraph: " + "; ".join(html.escape(s) for s in sources)
    text = article.paragraph_text(number)
    room = limit - _length(cite) - len("<blockquote></blockquote>")
    quoted = html.escape(text) if _length(html.escape(text)) <= room else _cut(text, room - 1)
    return f"<blockquote>{quoted}</blockquote>{cite}"


def answer_json(answer: Answer) -> dict:
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
                "paragraph": passage.paragraph,
                "sentence": sentence.text,
                "start": sentence.start,
                "end": sentence.end,
                "passage": passage.text,
                "passage_start": passage.sentences[0].start,
                "passage_end": passage.sentences[-1].end,
                "source": passage.source,
                "sources": list(passage.sources),
                "citation": citation_text(passage),
                "sentences": [
                    {"text": s.text, "start": s.start, "end": s.end, "source": s.source}
                    for s in passage.sentences
                ],
            }
        )
    return {
        "question": answer.question,
        "hits": hits,
        "message": answer.message,
        "more": answer.more,
        "partial": answer.partial,
    }


def _passage_html(passage: Passage, answer: Answer, limit: int) -> str:
    block = passage_html(passage, answer.terms, passage.rank)
    if _length(block) <= limit:
        return block
    # One passage longer than a message: quote as much as fits, and say it was cut.
    cite = _cite_html(passage)
    room = limit - _length(cite) - len("<blockquote><b>99.</b> </blockquote>") - 1
    number = passage.rank
    return f"<blockquote><b>{number}.</b> {_cut(passage.text, room)}</blockquote>{cite}"


def _cite_html(passage: Passage) -> str:
    """The lines under a quoted passage: its citation, and whose each sentence is if mixed."""
    each = sentence_credits(passage)
    return f"\n\u2014 {citation_html(passage)}" + (f"\n<i>{html.escape(each)}</i>" if each else "")


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


def _bold_terms(line: str, terms: frozenset[str]) -> str:
    return "".join(highlight(line, terms, lambda w: f"{BOLD}{w}{RESET}"))


def _length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units), tags included to stay on the safe side."""
    return len(text.encode("utf-16-le")) // 2


def _is_web_link(url: str | None) -> bool:
    return bool(url) and re.match(r"https?://\S+$", url or "") is not None
