"""The reader's commands: `bot ask`, `bot chat`, `bot corpus`."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shutil
import sys
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, TextIO

from .. import models
from ..config import Settings
from ..errors import BotError

if TYPE_CHECKING:
    from ..search.index import SentenceIndex

# The search core is imported by the commands that use it, after `bot ask` has started opening
# the semantic model in a thread (`models.ModelChoice.prefetch`): the two overlap.

log = logging.getLogger(__name__)


def ask_command(args: argparse.Namespace, settings: Settings) -> int:
    """Answer the question on the command line, or every line of standard input."""
    models.choice(settings).prefetch()
    from ..search.languages import detect

    asked = " ".join(args.question)
    if not (asked and detect.plainly_english_question(asked)):
        detect.prefetch()  # an English question to an English briefing never needs its model
    top = args.top or settings.top_k
    index = open_index(settings)
    if args.question:
        questions: Iterator[str] = iter([" ".join(args.question)])
    elif not sys.stdin.isatty():
        questions = _lines(sys.stdin)
    else:
        print('error: no question; try: bot ask "Who controls eastern Aleppo?"', file=sys.stderr)
        index.close()
        return 2
    with contextlib.closing(index):  # a sharded index lets go of its shards (they run on)
        _ask_each(args, index, questions, top)
    return 0


def _ask_each(
    args: argparse.Namespace, index: SentenceIndex, questions: Iterator[str], top: int
) -> None:
    from ..i18n import translator
    from ..render import answer_json, render_text
    from ..search.answer import answer

    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    width = min(shutil.get_terminal_size().columns, 100) - 1
    for n, question in enumerate(questions):
        try:
            result = answer(question, index, k=top, offset=args.offset)
        except Exception as exc:  # one bad line must not stop a batch
            log.debug("question failed", exc_info=True)
            if args.json:
                print(json.dumps({"question": question, "hits": [], "error": str(exc)}))
            else:
                print(f"error: could not answer {question!r}: {exc}", file=sys.stderr)
            continue
        tr = translator(args.lang or result.language)
        if args.json:
            print(json.dumps(answer_json(result, tr), ensure_ascii=False), flush=True)
        else:
            if not args.question:
                print(("\n" if n else "") + f"Q: {question}")
            hint = f"(more: add --offset {args.offset + top})" if args.question else None
            text = render_text(result, width, color, hint, args.explain, tr)
            print(text, flush=True)


def chat_command(args: argparse.Namespace, settings: Settings) -> int:
    """Ask, read, ask again; `/more` shows further passages; Ctrl-D quits."""
    models.choice(settings).prefetch()
    from ..search.languages import detect

    detect.prefetch()
    index = open_index(settings)
    with contextlib.closing(index):  # a sharded index lets go of its shards (they run on)
        return _chat(index, args.top or settings.top_k, args.lang)


def _chat(index: SentenceIndex, top: int, lang: str | None) -> int:
    from ..i18n import translator
    from ..render import render_text
    from ..search.answer import answer

    interactive = sys.stdin.isatty()
    if interactive:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (line editing and history for input())
        titles = "; ".join(a.title for a in index.articles[:3])
        more = f" and {len(index.articles) - 3} more" if len(index.articles) > 3 else ""
        print(f"Briefing: {titles}{more}.")
        print('Ask a question ("/more" for further passages, Ctrl-D to quit).\n')
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    width = min(shutil.get_terminal_size().columns, 100) - 1
    last_question, offset = "", 0
    while True:
        try:
            line = input("? " if interactive else "")
        except EOFError:
            if interactive:
                print()
            return 0
        except KeyboardInterrupt:
            print()
            return 0
        line = line.strip()
        if not line:
            continue
        if line in ("/more", "/m"):
            if not last_question:
                print("Ask a question first.\n")
                continue
            offset += top
        else:
            last_question, offset = line, 0
        try:
            result = answer(last_question, index, k=top, offset=offset)
        except BotError as exc:  # a sharded index none of whose shards replied
            print(f"error: {exc}\n", file=sys.stderr)
            continue
        tr = translator(lang or result.language)
        text = render_text(result, width, color, "(/more for more)", tr=tr)
        print(text + "\n", flush=True)


def corpus_command(args: argparse.Namespace, settings: Settings) -> int:
    """List the articles, or show how one article was split into sentences and credited."""
    from ..reload import build_index

    index = build_index(replace(settings, semantic="off"))  # no question is asked
    corpus = index.corpus
    say_warnings(corpus.warnings)
    out = sys.stdout
    if args.sentences:
        article = index.article(args.sentences)
        if article is None:
            known = ", ".join(a.id for a in index.articles)
            raise BotError(
                f"No article {args.sentences!r} in {settings.corpus_dir}; known: {known}"
            )
        _print_sentences(index, article.id, out)
        return 0
    sentences = {a.id: 0 for a in index.articles}
    for i in range(len(index)):
        sentences[index.sentence(i).article.id] += 1
    print(
        f"{settings.corpus_dir}: {len(index.articles)} article(s), "
        f"{sum(len(a.paragraphs) for a in index.articles)} paragraphs, {len(index)} sentences",
        file=out,
    )
    for article in index.articles:
        meta = ", ".join(x for x in (article.outlet, article.author, article.date) if x)
        print(f"\n{article.id}\n  title: {article.title}", file=out)
        if meta:
            print(f"  {meta}", file=out)
        if article.url:
            print(f"  {article.url}", file=out)
        print(
            f"  {len(article.paragraphs)} paragraphs, {sentences[article.id]} sentences, "
            f"language {index.language_of(article)}",
            file=out,
        )
    if corpus.warnings:
        count = len(corpus.warnings)
        print(f"\n{count} warning{'' if count == 1 else 's'}; see above.", file=out)
    return 0


def _print_sentences(index: SentenceIndex, article_id: str, out: TextIO) -> None:
    article = index.article(article_id)
    assert article is not None
    print(f"{article.title} ({article.id})", file=out)
    paragraph = 0
    for sentence in index.sentences_of(article):
        if sentence.paragraph != paragraph:
            paragraph = sentence.paragraph
            print(f"\nparagraph {paragraph}", file=out)
        credit = f"\n      \u2014 according to {sentence.source}" if sentence.source else ""
        print(
            f"  {sentence.number:3}. [{sentence.start}:{sentence.end}] {sentence.text}{credit}",
            file=out,
        )


def open_index(settings: Settings) -> SentenceIndex:
    """The index of the corpus, its warnings and the semantic stage's note said on stderr."""
    from ..reload import build_index

    index = build_index(settings)
    say_warnings(index.corpus.warnings)
    note = models.choice(settings).note
    if note:
        print(f"note: {note}", file=sys.stderr)
    return index


def say_warnings(warnings: Iterable[str]) -> None:
    """Say each of the corpus's warnings on stderr, one a line."""
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def _lines(stream: TextIO) -> Iterator[str]:
    """Questions from a stream, one a line; undecodable bytes become U+FFFD, not an error."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        yield from (line.rstrip("\r\n") for line in stream)
        return
    for raw in buffer:
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")
