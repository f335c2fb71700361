"""The gaps log and `bot gaps`: what is stored, grouping, listing, clearing, turning it off."""

from __future__ import annotations

from pathlib import Path

from bot.cli import main
from bot.config import Settings
from bot.ingest.gaps import GapsLog, gaps_path, question_key


def test_the_same_question_is_counted_together(tmp_path: Path) -> None:
    log = GapsLog(tmp_path / "gaps.sqlite3")
    log.record("Who won the match?", "private", when=100.0)
    log.record("who won  the match", "group", when=200.0)
    log.record("When is the ferry strike?", "inline", when=150.0)
    gaps = log.top()
    assert [(g.question, g.count, g.kinds) for g in gaps] == [
        ("who won  the match", 2, ("group", "private")),
        ("When is the ferry strike?", 1, ("inline",)),
    ]
    assert [g.question for g in log.top(since=160.0)] == ["who won  the match"]
    assert log.total() == 3 and log.clear() == 3 and log.top() == []
    log.close()


def test_question_key_ignores_case_spacing_and_end_punctuation() -> None:
    assert question_key("  Who WON the\tmatch?! ") == question_key("who won the match")


def test_where_the_log_lives(tmp_path: Path) -> None:
    settings = Settings(corpus_dir=tmp_path / "c")
    assert gaps_path(settings) == tmp_path / "c" / ".index-cache" / "gaps.sqlite3"
    assert gaps_path(Settings(corpus_dir=tmp_path, index_cache=None)) == tmp_path / ".gaps.sqlite3"
    assert gaps_path(Settings(gaps_log=False)) is None


def test_bot_gaps_lists_most_asked_first(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("INDEX_CACHE_DIR", str(tmp_path / "cache"))
    code = main(["gaps", "--corpus", str(tmp_path)])
    assert code == 0
    assert capsys.readouterr().out.startswith("No unanswered questions recorded yet (the bot")
    log = GapsLog(tmp_path / "cache" / "gaps.sqlite3")
    log.record("Who won the match?", "private", when=1_700_000_000.0)
    log.record("Who won the match", "group", when=1_700_000_060.0)
    log.record("When is the ferry strike?", "inline", when=1_700_000_000.0)
    log.close()
    assert main(["gaps", "--corpus", str(tmp_path), "--limit", "1"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "asked  last asked (UTC)  chats              question",
        "    2  2023-11-14 22:14  group,private      Who won the match",
    ]
    assert main(["gaps", "--corpus", str(tmp_path), "--clear"]) == 0
    assert capsys.readouterr().out == "Forgot 3 recorded question(s).\n"


def test_bot_gaps_when_the_log_is_off(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GAPS_LOG", "off")
    assert main(["gaps", "--corpus", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        "error: GAPS_LOG is off: the bot does not record unanswered questions\n"
    )
