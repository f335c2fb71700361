from __future__ import annotations

import html
import logging
from collections.abc import AsyncIterator

import pytest
from telegram.error import NetworkError, TimedOut
from telegram.ext import Application

from bot.config import Settings
from bot.i18n import available, translator
from bot.search.corpus import load_corpus
from bot.search.index import SentenceIndex
from bot.telegram_edge import build_application, buttons
from bot.telegram_edge import texts as texts
from tests import telegram_fakes as tf
from tests.test_render import visible

QUESTION = "How many people fled Aleppo?"
FLED = "At least 20,000 people have fled their homes in Aleppo this week alone"
RED_CROSS = "according to the International Red Cross"
ALEPPO_TITLE = "Aleppo: thousands flee as government forces advance, and Russia looks past the war"
PAGED = "What about the lighthouse?"
LIGHTHOUSES = {
    "gull.txt": "The old lighthouse on Gull Point was repainted in red and white stripes. "
    "Volunteers sold tea to visitors at the summer fair. A brass band played marches.",
    "cape.txt": "Fishermen say the lighthouse at Cape Morrow guided boats home during the storm. "
    "The harbour master counted forty trawlers. Nets were mended on the quay.",
    "isle.txt": "A keeper lived alone in the lighthouse on Skerry Isle for twelve years. "
    "Supplies arrived by ferry every fortnight. Seals gathered on the rocks below.",
    "museum.txt": "The town museum opened an exhibition about the lighthouse lenses. "
    "Schoolchildren drew pictures of prisms. Entry is free on Sundays.",
    "solar.txt": "Engineers fitted solar panels so the lighthouse could run without diesel. "
    "The council approved the grant in March. Batteries store power for winter nights.",
    "wedding.txt": "A couple married on the lighthouse gallery at sunrise on Friday. "
    "Guests climbed ninety steps. The cake was shaped like a compass.",
    "film.txt": "A film crew used the lighthouse as the backdrop for a thriller. "
    "Extras were paid in cash. Filming lasted three weeks.",
}


@pytest.fixture(scope="session")
def lighthouse_index(tmp_path_factory: pytest.TempPathFactory) -> SentenceIndex:
    """Seven articles that each mention a lighthouse once: three pages of passages."""
    folder = tmp_path_factory.mktemp("lighthouses")
    for name, text in LIGHTHOUSES.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
    return SentenceIndex.build(load_corpus(folder))


@pytest.fixture
async def paged_app(fake, lighthouse_index) -> AsyncIterator[Application]:
    application = await tf.started(fake, lighthouse_index)
    yield application
    await application.shutdown()


async def send(app: Application, **fields) -> None:
    await app.process_update(tf.update(app, **fields))


def the_reply(fake: tf.RecordingRequest) -> dict:
    """The one message the bot sent, checked to be valid Telegram HTML within the limit."""
    sent = fake.sent()
    assert len(sent) == 1, fake.methods()
    text = sent[0]["text"]
    visible(text)
    assert len(text.encode("utf-16-le")) // 2 <= 4096
    return sent[0]


def keyboard(params: dict) -> list[tuple[str, str]]:
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


# --- Private chats ---


async def test_private_question_is_answered_quoting_it(app, fake) -> None:
    await send(app, message=tf.message(QUESTION))
    assert fake.methods() == ["sendMessage"]  # quick: no "typing…" first
    reply = the_reply(fake)
    assert reply["chat_id"] == tf.PRIVATE["id"]
    assert reply["reply_parameters"]["message_id"] == 100
    assert reply["parse_mode"] == "HTML"
    assert reply["link_preview_options"] == {"is_disabled": True}
    shown = visible(reply["text"])
    assert FLED in shown and RED_CROSS in shown and ALEPPO_TITLE in shown
    assert reply["text"].startswith("<blockquote><b>1.</b> ")


async def test_slow_answer_shows_typing_until_it_is_sent(app, fake, monkeypatch) -> None:
    tf.slow_answers(monkeypatch, fake, typing_calls=2)
    await send(app, message=tf.message(QUESTION))
    methods = fake.methods()
    assert methods[:2] == ["sendChatAction", "sendChatAction"]  # shown, then refreshed
    assert methods[-1] == "sendMessage" and set(methods[:-1]) == {"sendChatAction"}
    assert fake.sent("sendChatAction")[0] == {"chat_id": tf.PRIVATE["id"], "action": "typing"}
    assert FLED in visible(the_reply(fake)["text"])


async def test_quick_answers_run_on_the_event_loop_slow_ones_in_a_thread(
    app, fake, monkeypatch
) -> None:
    import threading

    import bot.telegram_edge.briefing
    import bot.telegram_edge.handlers

    threads = []
    real = bot.telegram_edge.briefing.answer

    def recording(*args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(bot.telegram_edge.briefing, "answer", recording)
    briefing = app.bot_data["briefing"]
    await send(app, message=tf.message(QUESTION))
    briefing.answer_seconds = 0.5  # as after a few slow answers
    await send(app, update_id=2, message=tf.message(QUESTION, message_id=101))
    assert threads == [True, False]
    assert briefing.answer_seconds < 0.5  # the quick answer pulled the average down
    assert len(fake.sent()) == 2


async def test_answer_has_a_paragraph_button_per_passage(app, fake) -> None:
    await send(app, message=tf.message(QUESTION))
    edition = buttons.edition(app.bot_data["briefing"].index.corpus.fingerprint)
    buttons_ = keyboard(the_reply(fake))
    assert buttons_ and buttons_[0][0] == "\u00b6 1"
    assert buttons_[0][1].startswith(f"p:{edition}:")
    assert all(len(data.encode()) <= 64 for _, data in buttons_)


async def test_not_covered_says_so_and_points_to_help(app, fake) -> None:
    await send(app, message=tf.message("What is the population of Tokyo?"))
    reply = the_reply(fake)
    assert reply["text"] == (
        "The briefing does not cover this. It never mentions \u201cTokyo\u201d.\n"
        "See /help for what I can answer."
    )
    assert "reply_markup" not in reply


async def test_markup_in_a_question_never_breaks_the_reply(app, fake) -> None:
    await send(app, message=tf.message("What about <b>Tokyo</b> & <i>Osaka?"))
    text = the_reply(fake)["text"]  # valid Telegram HTML, checked by the_reply
    assert "<b>Tokyo" not in text and "<i>" not in text
    assert visible(text).startswith("The briefing does not cover this. It never mentions")


@pytest.mark.parametrize(
    "extra",
    [
        {"sticker": {"file_id": "s1", "file_unique_id": "u1", "width": 512, "height": 512,
                     "is_animated": False, "is_video": False, "type": "regular"}},
        {"photo": [{"file_id": "p1", "file_unique_id": "u2", "width": 90, "height": 90}],
         "caption": "How many people fled Aleppo?"},
        {"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 2}},
    ],
    ids=["sticker", "photo", "voice"],
)  # fmt: skip
async def test_non_text_gets_a_short_note(app, fake, extra) -> None:
    await send(app, message=tf.message(None, **extra))
    assert the_reply(fake)["text"] == texts.NOT_TEXT


async def test_unknown_command_in_private_points_to_help(app, fake) -> None:
    await send(app, message=tf.message("/weather"))
    assert the_reply(fake)["text"] == html.escape(texts.UNKNOWN_COMMAND)


async def test_message_sent_via_an_inline_result_is_not_a_question(app, fake) -> None:
    await send(app, message=tf.message(FLED, via_bot=tf.BOT_USER))
    assert fake.methods() == []


# --- Groups ---

ADDRESSED = [
    pytest.param({"text": f"/ask {QUESTION}"}, True, id="ask"),
    pytest.param({"text": f"/ask@{tf.BOT_USERNAME} {QUESTION}"}, True, id="ask@ThisBot"),
    pytest.param({"text": f"/ask@briefingtestbot {QUESTION}"}, True, id="ask@thisbot-lowercase"),
    pytest.param({"text": f"/ask@OtherBot {QUESTION}"}, False, id="ask@OtherBot"),
    pytest.param({"text": f"@{tf.BOT_USERNAME} {QUESTION}"}, True, id="mention"),
    pytest.param({"text": f"{QUESTION} @{tf.BOT_USERNAME}"}, True, id="mention-at-end"),
    pytest.param({"text": f"@OtherBot {QUESTION}"}, False, id="mention-of-another"),
    pytest.param(
        {"text": QUESTION, "reply_to": tf.bot_message("earlier", 50, chat=tf.GROUP)},
        True,
        id="reply-to-bot",
    ),
    pytest.param(
        {"text": QUESTION, "reply_to": tf.message("hi", chat=tf.GROUP, user=tf.OTHER_USER)},
        False,
        id="reply-to-another-user",
    ),
    pytest.param({"text": QUESTION}, False, id="chatter"),
    pytest.param({"text": "/start@OtherBot"}, False, id="other-bots-start"),
    pytest.param({"text": "/weather"}, False, id="unknown-command"),
]


@pytest.mark.parametrize(("fields", "answered"), ADDRESSED)
async def test_group_answers_only_when_addressed(app, fake, fields: dict, answered: bool) -> None:
    text = fields.pop("text")
    await send(app, message=tf.message(text, chat=tf.GROUP, **fields))
    if not answered:
        assert fake.methods() == []
        return
    assert fake.methods() == ["sendMessage"]
    reply = the_reply(fake)
    assert reply["chat_id"] == tf.GROUP["id"]
    assert reply["reply_parameters"]["message_id"] == 100
    assert FLED in visible(reply["text"])


@pytest.mark.parametrize(
    "text", ["/ask", f"/ask@{tf.BOT_USERNAME}", f"@{tf.BOT_USERNAME}"], ids=["ask", "ask@", "@"]
)
async def test_empty_question_gets_usage(app, fake, text: str) -> None:
    await send(app, message=tf.message(text, chat=tf.GROUP))
    reply = the_reply(fake)
    example = app.bot_data["briefing"].examples[0]
    assert reply["text"] == texts.usage_html(example)
    assert f"/ask {html.escape(example)}" in reply["text"]
    assert reply["reply_parameters"]["message_id"] == 100


async def test_photo_replying_to_the_bot_in_a_group_gets_the_note(app, fake) -> None:
    photo = [{"file_id": "p1", "file_unique_id": "u2", "width": 90, "height": 90}]
    earlier = tf.bot_message("earlier", 50, chat=tf.GROUP)
    await send(app, message=tf.message(None, chat=tf.GROUP, photo=photo, reply_to=earlier))
    assert the_reply(fake)["text"] == texts.NOT_TEXT
    fake.clear()
    await send(app, message=tf.message(None, chat=tf.GROUP, photo=photo))
    assert fake.methods() == []


TOPIC = 77
TOPIC_CREATED = tf.bot_message(
    None, TOPIC, chat=tf.FORUM, forum_topic_created={"name": "Aleppo", "icon_color": 7322096}
)


async def test_forum_topic_answer_stays_in_the_topic(app, fake, monkeypatch) -> None:
    tf.slow_answers(monkeypatch, fake)
    await send(
        app,
        message=tf.message(
            f"/ask {QUESTION}", chat=tf.FORUM, thread_id=TOPIC, reply_to=TOPIC_CREATED
        ),
    )
    assert fake.sent("sendChatAction")[0]["message_thread_id"] == TOPIC
    reply = the_reply(fake)
    assert reply["message_thread_id"] == TOPIC
    assert reply["chat_id"] == tf.FORUM["id"]


async def test_forum_topics_automatic_reply_is_not_addressing_the_bot(app, fake) -> None:
    # Every message in a topic "replies" to the topic's creation message, here made by the bot.
    await send(
        app, message=tf.message(QUESTION, chat=tf.FORUM, thread_id=TOPIC, reply_to=TOPIC_CREATED)
    )
    root_reply = tf.bot_message("topic opener", TOPIC, chat=tf.FORUM)
    await send(
        app, message=tf.message(QUESTION, chat=tf.FORUM, thread_id=TOPIC, reply_to=root_reply)
    )
    assert fake.methods() == []


async def test_real_reply_to_the_bot_inside_a_topic_is_answered_in_the_topic(app, fake) -> None:
    earlier = tf.bot_message("earlier answer", 80, chat=tf.FORUM, thread_id=TOPIC)
    await send(app, message=tf.message(QUESTION, chat=tf.FORUM, thread_id=TOPIC, reply_to=earlier))
    assert the_reply(fake)["message_thread_id"] == TOPIC


async def test_group_migration_keeps_the_chat_data(app, fake) -> None:
    supergroup = {"id": -1009999, "type": "supergroup", "title": "Newsroom"}
    await send(app, message=tf.message(f"/ask {QUESTION}", chat=tf.GROUP))
    assert app.chat_data[tf.GROUP["id"]]["answers"] == {100: 9001}
    await send(app, message=tf.message(None, chat=tf.GROUP, migrate_to_chat_id=supergroup["id"]))
    await send(
        app,
        update_id=2,
        message=tf.message(None, chat=supergroup, migrate_from_chat_id=tf.GROUP["id"]),
    )
    assert app.chat_data[supergroup["id"]]["answers"] == {100: 9001}
    assert tf.GROUP["id"] not in app.chat_data


# --- Commands ---


async def test_start_names_the_briefing_examples_and_group_use(app, fake) -> None:
    await send(app, message=tf.message("/start"))
    shown = visible(the_reply(fake)["text"])
    assert ALEPPO_TITLE in shown
    examples = app.bot_data["briefing"].examples
    assert len(examples) == 3
    assert all(f"\u2022 {q}" in shown for q in examples)
    assert "/ask" in shown and "reply to one of my messages" in shown


async def test_start_mentions_mentions_only_when_the_bot_reads_groups(aleppo_index) -> None:
    fake = tf.RecordingRequest(can_read_all_group_messages=True)
    app = await tf.started(fake, aleppo_index)
    await send(app, message=tf.message("/start"))
    assert f"or mention @{tf.BOT_USERNAME} in a message" in the_reply(fake)["text"]
    await app.shutdown()


async def test_help_lists_every_command(app, fake) -> None:
    await send(app, message=tf.message("/help"))
    shown = visible(the_reply(fake)["text"])
    for command in ("/start", "/help", "/ask", "/sources"):
        assert command in shown
    assert f"@{tf.BOT_USERNAME} your question" in shown  # inline mode is on in getMe


async def test_sources_lists_outlet_date_and_link_escaped(fake, news_index) -> None:
    app = await tf.started(fake, news_index)
    await send(app, message=tf.message("/sources"))
    text = the_reply(fake)["text"]
    assert text.startswith("<b>The briefing</b>: 5 articles")
    assert (
        "<i>Harbour bridge reopens</i>\nThe Coastal Times \u00b7 2024-03-02\n"
        '<a href="https://example.org/harbour">https://example.org/harbour</a>'
    ) in text
    assert "<i>Floods</i>\nOutlet, date and link not given." in text
    await app.shutdown()


async def test_commands_ignore_edits(app, fake) -> None:
    await send(app, edited_message=tf.message("/start", edit_date=tf.DATE + 5))
    assert fake.methods() == []


async def test_command_menus_are_registered_per_scope_and_language(app, fake) -> None:
    await app.post_init(app)
    menus = fake.sent("setMyCommands")
    private = [m for m in menus if m["scope"] == {"type": "all_private_chats"}]
    groups = [m for m in menus if m["scope"] == {"type": "all_group_chats"}]
    assert len(private) == len(groups) == len(available()) == len(menus) // 2
    default = [m for m in private if "language_code" not in m]
    assert len(default) == 1  # English, for every language without a menu of its own
    assert {c["command"] for c in default[0]["commands"]} == {"start", "help", "sources", "latest"}
    assert {c["command"] for c in groups[0]["commands"]} == {"ask", "help", "sources", "latest"}
    russian = next(m for m in private if m.get("language_code") == "ru")
    descriptions = {c["command"]: c["description"] for c in russian["commands"]}
    assert (
        descriptions["sources"] == translator("ru")(texts.SOURCES_COMMAND) != texts.SOURCES_COMMAND
    )
    assert {m.get("language_code") for m in private} == {None, *available()[1:]}


async def test_refused_command_menu_is_a_warning_not_a_failure(app, fake, caplog) -> None:
    fake.failures["setMyCommands"] = (400, "Bad Request: not allowed here")
    with caplog.at_level(logging.WARNING, logger="bot.telegram_edge.handlers"):
        await app.post_init(app)
    assert len(fake.sent("setMyCommands")) == 2 * len(available())
    assert {r.levelname for r in caplog.records} == {"WARNING"}
    assert "Not allowed here" in caplog.records[0].getMessage()


# --- Buttons ---


async def ask_paged(app, fake) -> tuple[dict, dict]:
    """Ask the lighthouse question; return the question and the answer as the chat holds it."""
    question = tf.message(PAGED)
    await send(app, message=question)
    reply = the_reply(fake)
    answer_message = tf.bot_message(
        reply["text"], 9001, reply_to=question, reply_markup=reply["reply_markup"]
    )
    fake.clear()
    return question, answer_message


def press_data(answer_message: dict, label: str) -> str:
    found = [data for text, data in keyboard(answer_message) if text == label]
    assert found, keyboard(answer_message)
    return found[0]


def acknowledged(fake: tf.RecordingRequest) -> str | None:
    """The one answerCallbackQuery call's toast text (None for a silent acknowledgement)."""
    answers = fake.sent("answerCallbackQuery")
    assert len(answers) == 1
    assert answers[0]["callback_query_id"] == "cq1"
    return answers[0].get("text")


async def test_more_edits_the_answer_to_the_next_page(paged_app, fake) -> None:
    _, answer_message = await ask_paged(paged_app, fake)
    assert [t for t, _ in keyboard(answer_message)] == [
        "\u00b6 1",
        "\u00b6 2",
        "\u00b6 3",
        "More \u25b8",
    ]
    await paged_app.process_update(
        tf.callback(paged_app, press_data(answer_message, "More \u25b8"), answer_message)
    )
    assert fake.methods() == ["editMessageText", "answerCallbackQuery"]
    edit = fake.sent("editMessageText")[0]
    assert (edit["chat_id"], edit["message_id"]) == (tf.PRIVATE["id"], 9001)
    assert edit["text"].startswith("<blockquote><b>4.</b> ")
    assert "<b>1.</b>" not in edit["text"] and "<b>7.</b>" not in edit["text"]
    labels = [t for t, _ in keyboard(edit)]
    assert labels == ["\u00b6 4", "\u00b6 5", "\u00b6 6", "\u25c2 Back", "More \u25b8"]
    assert acknowledged(fake) is None


async def test_last_page_has_back_but_no_more(paged_app, fake) -> None:
    _, answer_message = await ask_paged(paged_app, fake)
    data = press_data(answer_message, "More \u25b8").rsplit(":", 1)[0] + ":6"
    await paged_app.process_update(tf.callback(paged_app, data, answer_message))
    edit = fake.sent("editMessageText")[0]
    assert edit["text"].startswith("<blockquote><b>7.</b> ")
    assert [t for t, _ in keyboard(edit)] == ["\u00b6 7", "\u25c2 Back"]
    back = press_data(edit, "\u25c2 Back")
    assert back.endswith(":3")


async def test_more_finds_the_question_in_memory_when_the_reply_is_gone(paged_app, fake) -> None:
    _, answer_message = await ask_paged(paged_app, fake)
    del answer_message["reply_to_message"]  # the question was deleted
    await paged_app.process_update(
        tf.callback(paged_app, press_data(answer_message, "More \u25b8"), answer_message)
    )
    assert fake.sent("editMessageText")[0]["text"].startswith("<blockquote><b>4.</b> ")
    assert acknowledged(fake) is None


async def test_more_reads_the_question_back_after_a_restart(
    paged_app, fake, lighthouse_index
) -> None:
    _, answer_message = await ask_paged(paged_app, fake)
    fresh_fake = tf.RecordingRequest()
    fresh = await tf.started(fresh_fake, lighthouse_index)  # nothing in memory
    await fresh.process_update(
        tf.callback(fresh, press_data(answer_message, "More \u25b8"), answer_message)
    )
    assert fresh_fake.sent("editMessageText")[0]["text"].startswith("<blockquote><b>4.</b> ")
    await fresh.shutdown()


async def test_forgotten_question_gets_a_polite_toast(paged_app, fake, lighthouse_index) -> None:
    _, answer_message = await ask_paged(paged_app, fake)
    del answer_message["reply_to_message"]
    fresh_fake = tf.RecordingRequest()
    fresh = await tf.started(fresh_fake, lighthouse_index)
    data = press_data(answer_message, "More \u25b8")
    await fresh.process_update(tf.callback(fresh, data, answer_message))
    assert fresh_fake.methods() == ["answerCallbackQuery"]
    assert acknowledged(fresh_fake) == texts.FORGOTTEN
    await fresh.shutdown()


async def test_paragraph_button_shows_the_whole_paragraph_with_citation(app, fake) -> None:
    question = tf.message(QUESTION)
    await send(app, message=question)
    reply = the_reply(fake)
    answer_message = tf.bot_message(
        reply["text"], 9001, reply_to=question, reply_markup=reply["reply_markup"]
    )
    fake.clear()
    await app.process_update(
        tf.callback(app, press_data(answer_message, "\u00b6 1"), answer_message)
    )
    assert fake.methods() == ["editMessageText", "answerCallbackQuery"]
    edit = fake.sent("editMessageText")[0]
    article = app.bot_data["briefing"].index.articles[0]
    paragraph = article.paragraph_text(1)
    assert edit["text"].startswith(f"<blockquote>{html.escape(paragraph)}</blockquote>\n")
    shown = visible(edit["text"])
    assert f"\u2014 {ALEPPO_TITLE}, paragraph 1" in shown
    assert shown.endswith(
        "Sources in this paragraph: the International Red Cross (sentence 2); the UK-based "
        "Syrian Observatory for Human Rights (sentence 3)"
    )
    assert [t for t, _ in keyboard(edit)] == ["\u25c2 Back to the answer"]
    assert acknowledged(fake) is None
    # Back shows the answer again.
    fake.clear()
    answer_message["text"] = "(paragraph shown)"
    await app.process_update(
        tf.callback(app, press_data(edit, "\u25c2 Back to the answer"), answer_message)
    )
    assert fake.sent("editMessageText")[0]["text"] == reply["text"]


@pytest.mark.parametrize(
    ("data", "toast"),
    [
        ("p:00000000:abcdef0123:0:0:1", texts.OLD_EDITION),
        ("a:00000000:abcdef0123:3", texts.OLD_EDITION),
        ("garbage", texts.UNKNOWN_BUTTON),
        ("p:{edition}:abcdef0123:0:5:1", texts.UNKNOWN_BUTTON),
        ("p:{edition}:abcdef0123:0:0:99", texts.UNKNOWN_BUTTON),
    ],
    ids=["old-paragraph", "old-more", "garbage", "no-such-article", "no-such-paragraph"],
)
async def test_stale_or_unknown_buttons_get_a_polite_toast(
    app, fake, data: str, toast: str
) -> None:
    edition = buttons.edition(app.bot_data["briefing"].index.corpus.fingerprint)
    answer_message = tf.bot_message("an old answer", 9001)
    await app.process_update(tf.callback(app, data.format(edition=edition), answer_message))
    assert fake.methods() == ["answerCallbackQuery"]
    assert acknowledged(fake) == toast


async def test_button_on_an_inaccessible_message_gets_a_toast(app, fake) -> None:
    edition = buttons.edition(app.bot_data["briefing"].index.corpus.fingerprint)
    gone = {"chat": tf.PRIVATE, "message_id": 9001, "date": 0}
    await app.process_update(tf.callback(app, f"p:{edition}:abcdef0123:0:0:1", gone))
    assert acknowledged(fake) == texts.TOO_OLD


async def test_message_not_modified_is_not_an_error(app, fake, caplog) -> None:
    fake.failures["editMessageText"] = (
        400,
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message",
    )
    edition = buttons.edition(app.bot_data["briefing"].index.corpus.fingerprint)
    with caplog.at_level(logging.WARNING):
        await app.process_update(
            tf.callback(app, f"p:{edition}:abcdef0123:0:0:1", tf.bot_message("x", 9001))
        )
    assert fake.methods() == ["editMessageText", "answerCallbackQuery"]
    assert acknowledged(fake) is None
    assert caplog.records == []


async def test_failed_edit_still_acknowledges_the_press(app, fake, caplog) -> None:
    fake.failures["editMessageText"] = (400, "Bad Request: message to edit not found")
    edition = buttons.edition(app.bot_data["briefing"].index.corpus.fingerprint)
    with caplog.at_level(logging.WARNING):
        await app.process_update(
            tf.callback(app, f"p:{edition}:abcdef0123:0:0:1", tf.bot_message("x", 9001))
        )
    assert acknowledged(fake) == texts.FAILED
    assert [r.getMessage() for r in caplog.records] == [
        "Telegram rejected a request (callback query in chat 501): Message to edit not found"
    ]


# --- Inline mode ---


async def test_inline_query_offers_quoted_passages_with_citations(app, fake) -> None:
    query = {"id": "iq1", "from": tf.USER, "query": QUESTION, "offset": ""}
    await send(app, inline_query=query)
    assert fake.methods() == ["answerInlineQuery"]
    call = fake.sent("answerInlineQuery")[0]
    assert call["inline_query_id"] == "iq1" and call["cache_time"] == 10
    results = call["results"]
    assert 1 <= len(results) <= 5
    first = results[0]
    assert first["type"] == "article" and len(first["id"].encode()) <= 64
    content = first["input_message_content"]
    assert content["parse_mode"] == "HTML"
    shown = visible(content["message_text"])
    assert FLED in shown and RED_CROSS in shown
    assert first["description"].startswith(RED_CROSS)
    assert first["title"].startswith("At least 20,000 people")


async def test_empty_inline_query_gets_a_hint_and_no_results(app, fake) -> None:
    await send(app, inline_query={"id": "iq2", "from": tf.USER, "query": "  ", "offset": ""})
    call = fake.sent("answerInlineQuery")[0]
    assert call["results"] == []
    assert call["button"] == {"text": texts.INLINE_HINT, "start_parameter": "help"}


async def test_uncovered_inline_query_offers_nothing(app, fake) -> None:
    await send(app, inline_query={"id": "iq3", "from": tf.USER, "query": "Tokyo?", "offset": ""})
    assert fake.sent("answerInlineQuery")[0]["results"] == []


# --- Edited questions ---


async def test_edited_question_edits_the_earlier_answer(app, fake) -> None:
    await send(app, message=tf.message("What is in Tokyo?"))
    assert "Tokyo" in the_reply(fake)["text"]
    fake.clear()
    await send(app, update_id=2, edited_message=tf.message(QUESTION, edit_date=tf.DATE + 9))
    assert fake.methods() == ["editMessageText"]
    edit = fake.sent("editMessageText")[0]
    assert (edit["chat_id"], edit["message_id"]) == (tf.PRIVATE["id"], 9001)
    assert FLED in visible(edit["text"])
    assert keyboard(edit)[0][0] == "\u00b6 1"


async def test_edited_ask_command_in_a_group_edits_too(app, fake) -> None:
    await send(app, message=tf.message("/ask What is in Tokyo?", chat=tf.GROUP))
    fake.clear()
    edited = tf.message(f"/ask {QUESTION}", chat=tf.GROUP, edit_date=tf.DATE + 9)
    await send(app, update_id=2, edited_message=edited)
    assert fake.methods() == ["editMessageText"]
    assert FLED in visible(fake.sent("editMessageText")[0]["text"])


async def test_edit_of_an_unanswered_message_is_ignored(app, fake) -> None:
    await send(app, edited_message=tf.message(QUESTION, edit_date=tf.DATE + 9))
    chatter = tf.message(f"@{tf.BOT_USERNAME} {QUESTION}", chat=tf.GROUP, edit_date=tf.DATE + 9)
    await send(app, update_id=2, edited_message=chatter)
    assert fake.methods() == []


async def test_editing_to_the_same_question_is_quiet(app, fake, caplog) -> None:
    await send(app, message=tf.message(QUESTION))
    fake.failures["editMessageText"] = (400, "Bad Request: message is not modified")
    with caplog.at_level(logging.WARNING):
        await send(app, update_id=2, edited_message=tf.message(QUESTION, edit_date=tf.DATE + 9))
    assert caplog.records == []


# --- Errors ---


@pytest.mark.parametrize(
    ("status", "description", "logged"),
    [
        (403, "Forbidden: bot was blocked by the user", "Telegram refused (message in chat 501)"),
        (400, "Bad Request: chat not found", "Telegram rejected a request (message in chat 501)"),
        (409, "Conflict: terminated by other getUpdates request", "Conflict: another process"),
        (502, "Bad Gateway", "Network error talking to Telegram (message in chat 501)"),
    ],
    ids=["forbidden", "bad-request", "conflict", "network"],
)
async def test_telegram_errors_are_logged_once_and_the_bot_runs_on(
    app, fake, caplog, status: int, description: str, logged: str
) -> None:
    fake.failures["sendMessage"] = (status, description)
    with caplog.at_level(logging.INFO):
        await send(app, message=tf.message(QUESTION))
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 1 and records[0].getMessage().startswith(logged)
    assert records[0].exc_info is None
    del fake.failures["sendMessage"]
    fake.clear()
    await send(app, update_id=2, message=tf.message(QUESTION, message_id=101))
    assert FLED in visible(the_reply(fake)["text"])


async def test_forbidden_forgets_the_chat(app, fake) -> None:
    await send(app, message=tf.message(QUESTION))
    assert tf.PRIVATE["id"] in app.chat_data
    fake.failures["sendMessage"] = (403, "Forbidden: bot was blocked by the user")
    await send(app, update_id=2, message=tf.message(QUESTION, message_id=101))
    assert tf.PRIVATE["id"] not in app.chat_data


async def test_retry_after_is_logged(app, fake, caplog) -> None:
    # The rate limiter waits the second out and tries twice more before giving up.
    fake.failures["sendMessage"] = (429, "Too Many Requests: retry after 1")
    fake.failure_parameters["sendMessage"] = {"retry_after": 1}
    with caplog.at_level(logging.WARNING):
        await send(app, message=tf.message(QUESTION))
    messages = [r.getMessage() for r in caplog.records if r.name == "bot.telegram_edge.handlers"]
    assert len(messages) == 1 and messages[0].startswith("Telegram flood control")
    assert len(fake.sent()) == 3


@pytest.mark.parametrize(
    "error", [TimedOut(), NetworkError("connection reset")], ids=["timed-out", "network"]
)
async def test_timeouts_are_logged_once(app, fake, caplog, error) -> None:
    fake.raises["sendMessage"] = error
    with caplog.at_level(logging.WARNING):
        await send(app, message=tf.message(QUESTION))
    messages = [r.getMessage() for r in caplog.records if r.name == "bot.telegram_edge.handlers"]
    assert len(messages) == 1
    assert messages[0].startswith(("Telegram timed out", "Network error talking to Telegram"))


async def test_unexpected_error_is_logged_with_traceback_and_user_gets_an_apology(
    app, fake, caplog, monkeypatch
) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("index exploded")

    monkeypatch.setattr("bot.telegram_edge.briefing.answer", broken)
    with caplog.at_level(logging.WARNING):
        await send(app, message=tf.message(QUESTION))
    records = [r for r in caplog.records if r.name == "bot.telegram_edge.handlers"]
    assert len(records) == 1 and records[0].exc_info is not None
    text = the_reply(fake)["text"]
    assert text == texts.SORRY
    assert "Traceback" not in text and "exploded" not in text


async def test_unexpected_error_behind_a_button_is_a_toast(paged_app, fake, monkeypatch) -> None:
    _, answer_message = await ask_paged(paged_app, fake)
    monkeypatch.setattr("bot.telegram_edge.briefing.answer", lambda *a, **k: 1 / 0)
    data = press_data(answer_message, "More \u25b8")
    await paged_app.process_update(tf.callback(paged_app, data, answer_message))
    assert fake.methods() == ["answerCallbackQuery"]
    assert acknowledged(fake) == texts.FAILED


async def test_unexpected_error_in_a_group_stays_quiet(app, fake, monkeypatch) -> None:
    monkeypatch.setattr("bot.telegram_edge.briefing.answer", lambda *a, **k: 1 / 0)
    await send(app, message=tf.message(f"/ask {QUESTION}", chat=tf.GROUP))
    assert fake.methods() == []


def test_build_application_refuses_a_missing_token(aleppo_index) -> None:
    from bot.errors import ConfigError

    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN is not set"):
        build_application(Settings(), aleppo_index)
