"""What every handler shares: the edition answering now, the settings, recent questions."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict

from ..config import Settings
from ..reload import Edition, Reloader
from ..search.answer import Answer, answer
from ..search.index import SentenceIndex
from . import buttons

REMEMBERED_QUESTIONS = 2000  # for "More" when the question cannot be read back from the chat
# Answers that take less CPU time than this are worked out on the event loop: handing them to a
# worker thread costs more than they do (bench/load.py: a fifth fewer answers a second).
# Slower ones (a large corpus) go to a worker thread, so that other chats are served meanwhile.
INLINE_ANSWER_SECONDS = 0.002


class Briefing:
    """What every handler shares: the edition answering now, the settings, recent questions."""

    def __init__(self, settings: Settings, reloader: Reloader) -> None:
        self.settings = settings
        self.reloader = reloader
        self.questions: OrderedDict[str, str] = OrderedDict()
        self.answer_seconds = 0.0  # CPU time of one answer, smoothed over the recent ones

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
        if self.answer_seconds < INLINE_ANSWER_SECONDS:
            result, seconds = _timed_answer(*args)
        else:
            result, seconds = await asyncio.to_thread(_timed_answer, *args)
        self.answer_seconds += 0.2 * (seconds - self.answer_seconds)
        return result

    def remember(self, question: str) -> None:
        """Keep `question` for "More" presses; the oldest are forgotten first."""
        key = buttons.question_key(question)
        self.questions[key] = question
        self.questions.move_to_end(key)
        while len(self.questions) > REMEMBERED_QUESTIONS:
            self.questions.popitem(last=False)


def _timed_answer(
    question: str, index: SentenceIndex, k: int, offset: int
) -> tuple[Answer, float]:
    """The core's answer, and the CPU time it took (waiting for the GIL does not count)."""
    started = time.thread_time()
    result = answer(question, index, k, offset)
    return result, time.thread_time() - started
