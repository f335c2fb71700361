"""What every handler shares: the edition answering now, the settings, recent questions."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict

from ..config import Settings
from ..errors import ClusterError
from ..ingest.gaps import GapsLog, question_key
from ..reload import Edition, Reloader
from ..search.answer import Answer, Notice, answer
from ..search.index import SentenceIndex
from . import buttons, texts

REMEMBERED_QUESTIONS = 2000  # for "More" when the question cannot be read back from the chat
# Answers that take less CPU time than this are worked out on the event loop: handing them to a
# worker thread costs more than they do (bench/load.py: a fifth fewer answers a second).
# Slower ones (a large corpus) go to a worker thread, so that other chats are served meanwhile.
INLINE_ANSWER_SECONDS = 0.002
# Inline queries arrive while a user types: a query that extends (or trims) the same user's
# previous one within this time rewords that one's record instead of adding another.
INLINE_TYPING_SECONDS = 60.0
REMEMBERED_INLINE_USERS = 10_000  # in memory only, never stored

log = logging.getLogger(__name__)


class Briefing:
    """What every handler shares: the edition answering now, the settings, recent questions."""

    def __init__(
        self, settings: Settings, reloader: Reloader, gaps: GapsLog | None = None
    ) -> None:
        self.settings = settings
        self.reloader = reloader
        self.gaps = gaps
        self.questions: OrderedDict[str, str] = OrderedDict()
        self.answer_seconds = 0.0  # CPU time of one answer, smoothed over the recent ones
        # user id -> (question key, row in the gaps log or None, when): inline typing.
        self._typed: OrderedDict[int, tuple[str, int | None, float]] = OrderedDict()

    @property
    def edition(self) -> Edition:
        """The edition answering now; a handler reads it once, as a reload may swap it."""
        return self.reloader.current

    @property
    def index(self) -> SentenceIndex:
        """The current edition's index."""
        return self.edition.index

    @property
    def examples(self) -> tuple[str, ...]:
        """The current edition's example questions."""
        return self.edition.examples

    async def answer(
        self, question: str, edition: Edition, offset: int = 0, k: int | None = None
    ) -> Answer:
        """Ask the core: on the event loop while answers are quick, else in a worker thread."""
        args = (question, edition.index, k or self.settings.top_k, offset)
        try:
            if self.answer_seconds < INLINE_ANSWER_SECONDS and not edition.index.remote:
                result, seconds = _timed_answer(*args)
            else:
                result, seconds = await asyncio.to_thread(_timed_answer, *args)
        except ClusterError as exc:  # a sharded index none of whose shards replied
            log.warning("Could not answer a question: %s", exc)
            return Answer(question, (), notice=Notice(texts.UNAVAILABLE))
        self.answer_seconds += 0.2 * (seconds - self.answer_seconds)
        return result

    def remember(self, question: str) -> None:
        """Keep `question` for "More" presses; the oldest are forgotten first."""
        key = buttons.question_key(question)
        self.questions[key] = question
        self.questions.move_to_end(key)
        while len(self.questions) > REMEMBERED_QUESTIONS:
            self.questions.popitem(last=False)

    def note_gap(self, question: str, chat_kind: str, result: Answer) -> None:
        """Count a question the briefing did not cover (not empty ones, not later pages)."""
        if self.gaps is not None and _uncovered(result):
            self.gaps.record(question, chat_kind)

    def note_inline(self, user_id: int, question: str, result: Answer) -> None:
        """Count an uncovered inline query once, however many times Telegram sent it as typed."""
        if self.gaps is None:
            return
        key, now = question_key(question), time.monotonic()
        before = self._typed.pop(user_id, None)
        row = None
        if before is not None and now - before[2] < INLINE_TYPING_SECONDS:
            old_key, row = before[0], before[1]
            if not (key.startswith(old_key) or old_key.startswith(key)):
                row = None  # another question, not the same one typed further
            elif row is not None and not _uncovered(result):
                self.gaps.forget(row)  # typed on into a question the briefing covers
                row = None
            elif row is not None:
                self.gaps.reword(row, question)
        if row is None and _uncovered(result):
            row = self.gaps.record(question, "inline")
        self._typed[user_id] = (key, row, now)
        while len(self._typed) > REMEMBERED_INLINE_USERS:
            self._typed.popitem(last=False)


def _uncovered(result: Answer) -> bool:
    """Whether an answer says the briefing does not cover a question that had words.

    Not when part of a sharded index could not be searched: the rest may have covered it.
    """
    return not result.passages and bool(result.terms) and result.offset == 0 and not result.partial


def _timed_answer(
    question: str, index: SentenceIndex, k: int, offset: int
) -> tuple[Answer, float]:
    """The core's answer, and the CPU time it took (waiting for the GIL does not count)."""
    started = time.thread_time()
    result = answer(question, index, k, offset)
    return result, time.thread_time() - started
