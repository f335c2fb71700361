"""Telegram: /latest, /sources newest first, admin /add and /gaps, the timed feed refresh."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from pytest_httpserver import HTTPServer
from telegram.ext import Application

from bot.config import Settings
from bot.ingest.feeds import FEED_LIST
from bot.ingest.gaps import gaps_path
from bot.reload import build_index
from bot.telegram_edge import access, newsroom, texts
from bot.telegram_edge.application import schedule_refresh
from tests import telegram_fakes as tf
from tests.test_render import visible

DATA = Path(__file__).parent / "data" / "ingest"
ADMIN = tf.USER
CABLES = "How many steel cables did the engineers replace?"
CANONICAL = "https://coastal.example.org/news/2024/03/harbour-bridge-reopens"


@pytest.fixture
def settings(news_dir: Path, tmp_path: Path) -> Settings:
    (news_dir / "harbour.md").unlink()  # the web page brings the harbour story
    (news_dir / "older.txt").write_text(
        "---\ntitle: Ferry timetable changes\ndate: 2024-01-15\n"
        "url: https://example.org/ferry\n---\n\nThe winter ferry timetable starts on Monday.\n",
        encoding="utf-8",
    )
    return Settings(
        corpus_dir=news_dir,
        admin_user_ids=frozenset({ADMIN["id"]}),
        index_cache=tmp_path / "cache",
        fetch_timeout=5.0,
    )


@pytest.fixture
async def bot(fake, settings) -> AsyncIterator[Application]:
    application = await tf.started(fake, build_index(settings), settings)
    yield application
    await application.shutdown()
    gaps = application.bot_data["briefing"].gaps
    if gaps is not None:
        gaps.close()


async def say(app: Application, text: str, update_id: int = 1, **fields) -> None:
    message = tf.message(text, message_id=100 + update_id, **fields)
    await app.process_update(tf.update(app, update_id=update_id, message=message))


def replies(fake: tf.RecordingRequest) -> list[str]:
    return [m["text"] for m in fake.sent()]


def serve_harbour(server: HTTPServer) -> str:
    body = (DATA / "harbour.html").read_bytes()
    server.expect_request("/pages/harbour.html").respond_with_data(body, content_type="text/html")
    return server.url_for("/pages/harbour.html")


async def test_latest_lists_the_newest_articles_first_with_links(bot, fake, news_dir) -> None:
    (news_dir / "newest.txt").write_text(
        "---\ntitle: Tide gauge repaired\ndate: 2024-04-01\nurl: https://example.org/tide\n---\n\n"
        "The tide gauge works again.\n",
        encoding="utf-8",
    )
    await say(bot, "/reload")
    fake.clear()
    await say(bot, "/latest", 2)
    (text,) = replies(fake)
    assert text.startswith("<b>Newest in the briefing</b> (6)")
    assert text.index("Tide gauge repaired") < text.index("Ferry timetable changes")
    assert '<a href="https://example.org/tide">https://example.org/tide</a>' in text
    assert text.index("Ferry timetable changes") < text.index("Floods")  # undated last


async def test_sources_are_newest_first(bot, fake) -> None:
    await say(bot, "/sources")
    (text,) = replies(fake)
    assert text.index("Ferry timetable changes") < text.index("Council budget vote delayed")


async def test_add_from_an_admin_adds_reloads_and_the_answer_links(
    bot, fake, httpserver: HTTPServer, news_dir
) -> None:
    url = serve_harbour(httpserver)
    await say(bot, f"/add {url}")
    report = fake.sent()[-1]
    assert "parse_mode" not in report
    lines = report["text"].split("\n")
    assert lines[0].startswith(f"{url}: added: coastal.example.org/2024-03-02-harbour-bridge")
    assert lines[1].startswith("Reloaded in ") and ": 6 articles" in lines[1]
    assert (news_dir / "coastal.example.org").is_dir()
    await say(bot, CABLES, 2)
    answer = fake.sent()[-1]["text"]
    assert "Engineers replaced 1,200 steel cables" in visible(answer)
    assert f'<a href="{CANONICAL}"><i>Harbour bridge reopens after repairs' in answer
    assert "(The Coastal Times, 2024-03-02)</i></a>" in answer


async def test_add_of_a_bad_url_says_why_and_does_not_reload(bot, fake, httpserver) -> None:
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    url = httpserver.url_for("/gone")
    await say(bot, f"/add {url}")
    assert replies(fake)[-1] == f"{url}: not added: HTTP 404 NOT FOUND"


async def test_add_and_gaps_are_for_admins_only(bot, fake) -> None:
    stranger = {"id": 777, "type": "private", "first_name": "Zed"}
    user = {"id": 777, "is_bot": False, "first_name": "Zed"}
    await say(bot, "/add https://example.org/x", chat=stranger, user=user)
    await say(bot, "/gaps", 2, chat=stranger, user=user)
    assert replies(fake) == [access.ADMIN_ONLY, access.ADMIN_ONLY]
    fake.clear()
    await say(bot, "/gaps", 3, chat=tf.GROUP, user=user)
    assert fake.sent() == []  # silence in groups


async def test_add_without_a_url_says_how(bot, fake) -> None:
    await say(bot, "/add")
    assert replies(fake) == [texts.add_usage_html()]


async def test_uncovered_questions_are_counted_without_who_asked(bot, fake, settings) -> None:
    await say(bot, "What is the price of tulips in Amsterdam?")
    await say(bot, "/ask what is the price of tulips in amsterdam", 2, chat=tf.GROUP)
    await say(bot, "How many residents were evacuated?", 3)  # covered: not counted
    await say(bot, "\U0001f600", 4)  # no words: not counted
    fake.clear()
    await say(bot, "/gaps", 5)
    (text,) = replies(fake)
    assert "<b>2\u00d7</b> what is the price of tulips in amsterdam" in text
    assert "group, private" in text and "evacuated" not in text
    with sqlite3.connect(gaps_path(settings)) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(questions)")]
        rows = db.execute("SELECT * FROM questions").fetchall()
    assert columns == ["id", "asked_at", "chat_kind", "question", "question_key"]
    assert all(str(ADMIN["id"]) not in str(value) for row in rows for value in row)
    assert all(str(tf.GROUP["id"]) not in str(value) for row in rows for value in row)


async def test_inline_typing_is_counted_once(bot, fake, settings) -> None:
    briefing = bot.bot_data["briefing"]
    for n, typed in enumerate(
        ["What is the pri", "What is the price of tulips", "What is the pr"]
    ):
        query = {"id": f"iq{n}", "from": tf.USER, "query": typed, "offset": ""}
        await bot.process_update(tf.update(bot, update_id=n + 1, inline_query=query))
    gaps = briefing.gaps.top()
    assert [(g.question, g.count, g.kinds) for g in gaps] == [("What is the pr", 1, ("inline",))]
    query = {"id": "iq9", "from": tf.USER, "query": "What is the price of tulips?", "offset": ""}
    await bot.process_update(tf.update(bot, update_id=9, inline_query=query))
    query = {"id": "iq10", "from": tf.USER, "query": "residents evacuated", "offset": ""}
    await bot.process_update(tf.update(bot, update_id=10, inline_query=query))
    assert [g.question for g in briefing.gaps.top()] == ["What is the price of tulips?"]


async def test_gaps_log_off_records_nothing(fake, settings) -> None:
    settings = replace(settings, gaps_log=False)
    application = await tf.started(fake, build_index(settings), settings)
    await say(application, "What is the price of tulips in Amsterdam?")
    await say(application, "/gaps", 2)
    assert replies(fake)[-1] == texts.GAPS_OFF
    assert not gaps_path(replace(settings, gaps_log=True)).exists()
    await application.shutdown()


async def test_a_refresh_swaps_the_index_while_questions_are_answered(
    bot, fake, httpserver: HTTPServer, news_dir, monkeypatch
) -> None:
    serve_harbour(httpserver)
    atom = (DATA / "feed.atom").read_bytes()
    httpserver.expect_request("/feeds/news.atom").respond_with_data(
        atom, content_type="application/atom+xml"
    )
    lighthouse = (DATA / "quotes-no-charset.html").read_bytes()
    httpserver.expect_request("/pages/quotes-no-charset.html").respond_with_data(
        lighthouse, content_type="text/html"
    )
    (news_dir / FEED_LIST).write_text(httpserver.url_for("/feeds/news.atom") + "\n")
    briefing = bot.bot_data["briefing"]
    before = briefing.edition
    job = asyncio.create_task(newsroom.refresh_job(SimpleNamespace(bot_data=bot.bot_data)))
    asked = 0
    while not job.done() or asked < 5:
        asked += 1
        question = "How many residents were evacuated?" if asked % 2 else CABLES
        await say(bot, question, asked)
        await asyncio.sleep(0)
    await job
    assert briefing.edition is not before
    sent = fake.sent()
    assert len(sent) == asked  # every question got exactly one answer
    assert all(texts.SORRY not in m["text"] for m in sent)
    assert all(
        "About 3,000 residents were evacuated" in visible(m["text"])
        for n, m in enumerate(sent, start=1)
        if n % 2
    )
    await say(bot, CABLES, asked + 1)
    assert CANONICAL in fake.sent()[-1]["text"]
    await say(bot, "Who handed over his keys on Tuesday?", asked + 2)
    assert "handed over his keys" in visible(fake.sent()[-1]["text"])


async def test_the_refresh_job_reloads_only_when_something_changed(bot, monkeypatch) -> None:
    called = []

    async def fake_reload(reloader, trigger):
        called.append(trigger)

    monkeypatch.setattr(newsroom, "reload_after_change", fake_reload)
    context = SimpleNamespace(bot_data=bot.bot_data)
    await newsroom.refresh_job(context)  # no feeds.list, no age window
    assert called == []
    briefing = bot.bot_data["briefing"]
    briefing.settings = replace(briefing.settings, max_article_age_days=30)
    await newsroom.refresh_job(context)
    assert called == ["feed refresh"]


async def test_the_refresh_is_scheduled_every_feed_refresh_minutes(fake, settings) -> None:
    application = await tf.started(fake, build_index(settings), replace(settings))
    schedule_refresh(application)
    (job,) = application.job_queue.jobs()
    assert job.name == "feed refresh"
    assert job.job.trigger.interval.total_seconds() == 60 * 60
    await application.shutdown()
    off = replace(settings, feed_refresh_minutes=0)
    application = await tf.started(fake, build_index(off), off)
    schedule_refresh(application)
    assert application.job_queue.jobs() == ()
    await application.shutdown()


async def test_add_in_telegram_takes_web_addresses_only(bot, fake) -> None:
    await say(bot, "/add /etc/hostname")
    assert replies(fake) == [
        "/etc/hostname: not added: only http:// and https:// URLs can be fetched (this has "
        "no scheme)"
    ]


async def test_a_gaps_log_that_cannot_be_written_never_stops_an_answer(bot, fake, caplog) -> None:
    bot.bot_data["briefing"].gaps._db.close()
    await say(bot, "What is the price of tulips in Amsterdam?")
    assert replies(fake)[0].startswith("The briefing does not cover this.")
    assert "not written" in caplog.text
