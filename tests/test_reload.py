"""Live corpus reload: /reload from an admin, built aside, swapped whole; failures keep the old."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.config import Settings
from bot.reload import build_index
from bot.telegram_edge import access, buttons
from bot.telegram_edge import texts as texts
from tests import telegram_fakes as tf
from tests.test_render import visible

ADMIN = tf.USER  # id 501, private chat 501
STRANGER = tf.OTHER_USER
FLOODS = "How many residents were evacuated?"
EVACUATED = "About 3,000 residents were evacuated"
TIDES = "What happened to the tide gauge?"
GAUGE = "The tide gauge at the harbour broke during the storm"


@pytest.fixture
def settings(news_dir: Path) -> Settings:
    return Settings(corpus_dir=news_dir, admin_user_ids=frozenset({ADMIN["id"]}))


@pytest.fixture
async def newsroom(fake, settings) -> AsyncIterator[Application]:
    application = await tf.started(fake, build_index(settings), settings)
    yield application
    await application.shutdown()


async def say(app: Application, text: str, update_id: int = 1, **fields) -> None:
    message = tf.message(text, message_id=100 + update_id, **fields)
    await app.process_update(tf.update(app, update_id=update_id, message=message))


def last_text(fake: tf.RecordingRequest) -> str:
    return visible(fake.sent()[-1]["text"])


def add_tides(folder: Path) -> None:
    (folder / "tides.txt").write_text(
        f"{GAUGE}. Engineers will replace it next month. Sailors were warned by radio.\n",
        encoding="utf-8",
    )


class SlowBuild:
    """A build that waits, in its worker thread, until the test lets it finish."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, settings: Settings):
        self.started.set()
        if not self.release.wait(30):
            raise TimeoutError("the test never released the build")
        return build_index(settings)

    async def wait_started(self) -> None:
        while not self.started.is_set():
            await asyncio.sleep(0.01)


async def test_reload_swaps_in_the_new_corpus_and_reports(newsroom, fake, news_dir) -> None:
    await say(newsroom, TIDES)
    assert last_text(fake).startswith("The briefing does not cover this.")
    add_tides(news_dir)
    await say(newsroom, "/reload", 2)
    report = fake.sent()[-1]
    assert "parse_mode" not in report  # plain text: paths and warnings need no escaping
    assert report["text"].startswith("Reloaded in ")
    assert ": 6 articles, " in report["text"] and "(before: 5 articles, " in report["text"]
    assert report["text"].endswith("Buttons under earlier answers now ask for the question again.")
    await say(newsroom, TIDES, 3)
    assert GAUGE in last_text(fake)


async def test_questions_during_a_rebuild_are_answered_from_the_old_index(
    newsroom, fake, news_dir, monkeypatch
) -> None:
    slow = SlowBuild()
    monkeypatch.setattr("bot.reload.build_index", slow)
    (news_dir / "floods.txt").unlink()
    add_tides(news_dir)
    reload = asyncio.create_task(say(newsroom, "/reload", 1))
    await slow.wait_started()
    await say(newsroom, FLOODS, 2)  # the old index still has the floods article
    assert EVACUATED in last_text(fake)
    await say(newsroom, TIDES, 3)
    assert GAUGE not in last_text(fake)
    slow.release.set()
    await reload
    assert fake.sent()[-1]["text"].startswith("Reloaded in ")
    await say(newsroom, FLOODS, 4)
    assert EVACUATED not in last_text(fake)
    await say(newsroom, TIDES, 5)
    assert GAUGE in last_text(fake)


async def test_a_second_reload_while_one_runs_is_refused_politely(
    newsroom, fake, news_dir, monkeypatch
) -> None:
    slow = SlowBuild()
    monkeypatch.setattr("bot.reload.build_index", slow)
    first = asyncio.create_task(say(newsroom, "/reload", 1))
    await slow.wait_started()
    await say(newsroom, "/reload", 2)
    assert fake.sent()[-1]["text"] == (
        "A reload is already running; try again when it has finished."
    )
    slow.release.set()
    await first
    assert fake.sent()[-1]["text"].startswith("Reloaded in ")
    assert len(fake.sent()) == 2


@pytest.mark.parametrize("breakage", ["all-broken", "folder-gone"])
async def test_failed_reload_keeps_the_old_index_and_says_why(
    newsroom, fake, news_dir, breakage: str
) -> None:
    if breakage == "all-broken":
        for path in (p for p in news_dir.iterdir() if p.is_file()):
            path.write_bytes(b"\xff\xfe not utf-8 \x00")
    else:
        shutil.rmtree(news_dir)
    await say(newsroom, "/reload", 1)
    report = fake.sent()[-1]["text"]
    lines = report.split("\n")
    assert lines[0].startswith("Reload failed after ")
    if breakage == "all-broken":
        assert f"No articles in {news_dir} (5 file(s) skipped, see warnings)" in lines[0]
        assert lines[2] == "5 warnings:"
        assert (
            lines[3]
            == f"\u2022 {news_dir / 'budget.txt'}: looks like a binary file, not text; skipped"
        )
    else:
        assert f"Corpus folder {news_dir} does not exist" in lines[0]
        assert len(lines) == 2
    assert lines[1].startswith("Still answering from the briefing loaded ")
    assert lines[1].endswith(" UTC (5 articles, 15 sentences).")
    await say(newsroom, FLOODS, 2)
    assert EVACUATED in last_text(fake)


async def test_unexpected_error_in_a_rebuild_is_reported_and_the_bot_runs_on(
    newsroom, fake, monkeypatch, caplog
) -> None:
    def broken(settings):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("bot.reload.build_index", broken)
    await say(newsroom, "/reload", 1)
    assert fake.sent()[-1]["text"].startswith(
        "Reload failed after 0.0 s: unexpected error (RuntimeError: disk on fire); see the log\n"
    )
    assert any(r.exc_info for r in caplog.records if r.name == "bot.reload")
    await say(newsroom, FLOODS, 2)
    assert EVACUATED in last_text(fake)


async def test_unchanged_corpus_says_so(newsroom, fake) -> None:
    await say(newsroom, "/reload", 1)
    assert fake.sent()[-1]["text"].endswith("The articles had not changed.")


async def test_reload_summary_lists_warnings(newsroom, fake, news_dir) -> None:
    for n in range(12):
        (news_dir / f"broken{n:02}.txt").write_bytes(b"")
    await say(newsroom, "/reload", 1)
    lines = fake.sent()[-1]["text"].split("\n")
    assert lines[2] == "12 warnings:"
    assert lines[3] == f"\u2022 {news_dir / 'broken00.txt'}: is empty; skipped"
    assert lines[-1] == "\u2026 and 2 more in the log."


async def test_buttons_from_before_a_swap_are_stale(newsroom, fake, news_dir) -> None:
    await say(newsroom, FLOODS, 1)
    old = fake.sent()[-1]
    data = old["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    (news_dir / "budget.txt").write_text("The council passed its budget.", encoding="utf-8")
    await say(newsroom, "/reload", 2)
    fake.clear()
    answer_message = tf.bot_message(old["text"], 9001, reply_markup=old["reply_markup"])
    await newsroom.process_update(tf.callback(newsroom, data, answer_message))
    assert fake.methods() == ["answerCallbackQuery"]
    assert fake.sent("answerCallbackQuery")[0]["text"] == texts.OLD_EDITION
    edition = buttons.edition(newsroom.bot_data["briefing"].index.corpus.fingerprint)
    assert not data.startswith(f"p:{edition}:")


async def test_reload_is_for_admins_only(newsroom, fake) -> None:
    stranger_chat = {"id": STRANGER["id"], "type": "private", "first_name": "Ben"}
    await say(newsroom, "/reload", 1, chat=stranger_chat, user=STRANGER)
    assert fake.methods() == ["sendMessage"]
    assert fake.sent()[-1]["text"] == access.ADMIN_ONLY
    fake.clear()
    await say(newsroom, "/reload", 2, chat=tf.GROUP, user=STRANGER)
    await say(newsroom, f"/reload@{tf.BOT_USERNAME}", 3, chat=tf.GROUP, user=STRANGER)
    assert fake.methods() == []  # silence in groups
    await say(newsroom, "/reload", 4, chat=tf.GROUP, user=ADMIN)
    assert fake.sent()[-1]["text"].startswith("Reloaded in ")


async def test_without_admins_nobody_may_reload(fake, news_index) -> None:
    app = await tf.started(fake, news_index)
    await say(app, "/reload")
    assert fake.sent()[-1]["text"] == access.ADMIN_ONLY
    await app.shutdown()


def test_a_long_summary_is_cut_to_one_message() -> None:
    from bot.telegram_edge.handlers import _plain_within_limit

    text = "\U0001f4f0" * 3000  # 6,000 UTF-16 units, two for each newspaper
    cut = _plain_within_limit(text)
    assert len(cut.encode("utf-16-le")) // 2 == 4095  # the pair cut in half is dropped
    assert cut == "\U0001f4f0" * 2047 + "\u2026"
    assert _plain_within_limit("short") == "short"
