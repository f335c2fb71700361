"""The gaps log: questions the briefing could not answer, counted in a small SQLite file.

Each row is the question's text (its first 1,000 characters), the time it was asked and the
kind of chat (private, group, supergroup, inline); never a user's name or id, nor a chat's
id. The file is `gaps.sqlite3` next to the saved index (`INDEX_CACHE_DIR`), or
`.gaps.sqlite3` in the corpus folder when the index is not saved; `GAPS_LOG=off` keeps none.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings

log = logging.getLogger(__name__)

FILE_NAME = "gaps.sqlite3"
MAX_QUESTION_CHARS = 1000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    asked_at REAL NOT NULL,
    chat_kind TEXT NOT NULL,
    question TEXT NOT NULL,
    question_key TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS questions_by_key ON questions (question_key);
"""


@dataclass(frozen=True)
class Gap:
    """One uncovered question: its latest wording, how often and when it was last asked."""

    question: str
    count: int
    last_asked: float
    kinds: tuple[str, ...]


def gaps_path(settings: Settings) -> Path | None:
    """Where the gaps log lives for these settings; None when it is turned off."""
    if not settings.gaps_log:
        return None
    if settings.index_cache is None:
        return settings.corpus_dir / f".{FILE_NAME}"
    return settings.corpus_dir / settings.index_cache / FILE_NAME


def question_key(question: str) -> str:
    """What counts as the same question: case, spacing and end punctuation aside."""
    return re.sub(r"[\s?!.\u2026\u061f\u3002]+$", "", " ".join(question.casefold().split()))


class GapsLog:
    """The SQLite file of uncovered questions; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL: no fsync on every question
        self._db.executescript(_SCHEMA)

    def record(self, question: str, chat_kind: str, when: float | None = None) -> int | None:
        """Count one uncovered question; return its row id (None if it could not be written)."""
        text = question.strip()[:MAX_QUESTION_CHARS]
        asked = time.time() if when is None else when
        cursor = self._write(
            "INSERT INTO questions (asked_at, chat_kind, question, question_key) "
            "VALUES (?, ?, ?, ?)",
            (asked, chat_kind, text, question_key(text)),
        )
        return int(cursor.lastrowid) if cursor is not None and cursor.lastrowid else None

    def reword(self, row: int, question: str) -> None:
        """Replace the text of a recorded question (an inline query typed further)."""
        text = question.strip()[:MAX_QUESTION_CHARS]
        self._write(
            "UPDATE questions SET question = ?, question_key = ?, asked_at = ? WHERE id = ?",
            (text, question_key(text), time.time(), row),
        )

    def forget(self, row: int) -> None:
        """Drop a recorded question (an inline query that was typed on into a covered one)."""
        self._write("DELETE FROM questions WHERE id = ?", (row,))

    def _write(self, sql: str, values: tuple) -> sqlite3.Cursor | None:
        """Run one change; a failure (disk full, read-only) is logged, never raised."""
        try:
            with self._lock:
                return self._db.execute(sql, values)
        except sqlite3.Error as exc:
            log.warning("Gaps log %s not written (%s)", self.path, exc)
            return None

    def top(self, limit: int = 20, since: float | None = None) -> list[Gap]:
        """The most asked uncovered questions, most asked first, then most recent."""
        with self._lock:
            rows = self._db.execute(
                "SELECT (SELECT q.question FROM questions q WHERE q.question_key = g.question_key"
                "        ORDER BY q.asked_at DESC LIMIT 1),"
                "       COUNT(*), MAX(asked_at), GROUP_CONCAT(DISTINCT chat_kind) "
                "FROM questions g WHERE asked_at >= ? GROUP BY question_key "
                "ORDER BY COUNT(*) DESC, MAX(asked_at) DESC LIMIT ?",
                (since or 0.0, limit),
            ).fetchall()
        return [Gap(q, n, last, tuple(sorted(kinds.split(",")))) for q, n, last, kinds in rows]

    def total(self) -> int:
        """How many uncovered questions are recorded."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM questions").fetchone()[0])

    def clear(self) -> int:
        """Forget every recorded question; return how many there were."""
        with self._lock:
            return self._db.execute("DELETE FROM questions").rowcount

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()


def open_log(settings: Settings) -> GapsLog | None:
    """The gaps log for these settings, or None when it is off or cannot be opened (logged)."""
    path = gaps_path(settings)
    if path is None:
        return None
    try:
        return GapsLog(path)
    except (OSError, sqlite3.Error) as exc:
        log.warning("Cannot open the gaps log %s (%s); questions are not counted", path, exc)
        return None


def gap_lines(gaps: list[Gap]) -> list[str]:
    """Plain lines: count, last asked (UTC), chat kinds, question."""
    return [
        f"{gap.count:5}  {time.strftime('%Y-%m-%d %H:%M', time.gmtime(gap.last_asked))}  "
        f"{','.join(gap.kinds):<18} {gap.question}"
        for gap in gaps
    ]
