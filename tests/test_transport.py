"""The aiohttp client's request bodies."""

import json

import aiohttp
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, ReplyParameters
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram_edge.transport import _body


def _data(**values: object) -> RequestData:
    return RequestData([RequestParameter.from_input(k, v) for k, v in values.items()])


def test_a_request_without_files_is_one_json_object_with_nested_objects() -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="m:1")]])
    body, headers = _body(
        _data(
            chat_id=42,
            text="<b>é</b> & 1",
            reply_parameters=ReplyParameters(7),
            reply_markup=markup,
        )
    )
    assert headers == {"Content-Type": "application/json"}
    assert json.loads(body) == {
        "chat_id": 42,
        "text": "<b>é</b> & 1",
        "reply_parameters": {"message_id": 7},
        "reply_markup": {"inline_keyboard": [[{"text": "More", "callback_data": "m:1"}]]},
    }


def test_a_request_with_a_file_is_multipart() -> None:
    body, headers = _body(_data(chat_id=42, document=InputFile(b"abc", filename="a.txt")))
    assert isinstance(body, aiohttp.FormData)
    assert headers is None


def test_no_request_data_sends_no_body() -> None:
    assert _body(None) == (None, None)
