from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_BASE_URL, Settings
from bot.errors import ConfigError

TOKEN = "123456789:AAHfakefakefakefakefakefakefakefake12"


def test_telegram_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.telegram_bot_token is None
    assert settings.telegram_base_url == DEFAULT_BASE_URL == "https://api.telegram.org/bot"
    assert settings.telegram_file_base_url == "https://api.telegram.org/file/bot"
    assert (settings.webhook_url, settings.webhook_listen, settings.webhook_port) == (
        None,
        "0.0.0.0",
        8443,
    )
    assert settings.webhook_secret is None and settings.log_level == "INFO"


def test_telegram_settings_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": f" {TOKEN} ",
            "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
            "WEBHOOK_URL": "https://bot.example.org/telegram",
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": "88",
            "WEBHOOK_SECRET": "s3cret_-X",
            "LOG_LEVEL": "debug",
        }
    )
    assert settings.require_token() == TOKEN
    assert settings.telegram_file_base_url == "http://127.0.0.1:8081/file/bot"
    assert settings.webhook_url == "https://bot.example.org/telegram"
    assert (settings.webhook_listen, settings.webhook_port) == ("127.0.0.1", 88)
    assert settings.webhook_secret == "s3cret_-X" and settings.log_level == "DEBUG"


def test_file_url_follows_a_token_placeholder() -> None:
    settings = Settings.from_env({"TELEGRAM_BASE_URL": "https://tg.example/bot{token}/test"})
    assert settings.telegram_file_base_url == "https://tg.example/file/bot{token}/test"


def test_secrets_stay_out_of_repr() -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_SECRET": "hushhush"})
    assert TOKEN not in repr(settings) and "hushhush" not in repr(settings)


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (None, "TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather"),
        ("", "TELEGRAM_BOT_TOKEN is not set"),
        ("123456:short", "TELEGRAM_BOT_TOKEN does not look like a bot token"),
        ("not a token at all, really not one", "TELEGRAM_BOT_TOKEN does not look like a bot"),
        (TOKEN.replace(":", ""), "TELEGRAM_BOT_TOKEN does not look like a bot token"),
        (TOKEN + "!", "TELEGRAM_BOT_TOKEN does not look like a bot token"),
    ],
    ids=["unset", "empty", "short", "words", "no-colon", "bad-char"],
)
def test_unusable_token_is_refused_without_quoting_it(token: str | None, message: str) -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": token} if token else {})
    with pytest.raises(ConfigError, match=message) as caught:
        settings.require_token()
    if token:
        assert token.strip() not in str(caught.value)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"WEBHOOK_PORT": "http"}, "WEBHOOK_PORT must be a whole number, got 'http'"),
        ({"WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT must be between 1 and 65535, got 70000"),
        ({"WEBHOOK_URL": "http://bot.example.org"}, "WEBHOOK_URL must start with https://"),
        ({"TELEGRAM_BASE_URL": "api.telegram.org/bot"}, "TELEGRAM_BASE_URL must be an http"),
        ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR"),
    ],
    ids=["port-word", "port-range", "webhook-http", "base-url", "log-level"],
)
def test_malformed_telegram_settings(env: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_malformed_webhook_secret_is_not_quoted() -> None:
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET must be 1-256 characters") as caught:
        Settings.from_env({"WEBHOOK_SECRET": "has spaces and ümlauts"})
    assert "spaces" not in str(caught.value)


def test_access_and_limit_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.admin_user_ids == frozenset()
    assert settings.allowed_chat_ids is None  # everyone
    assert settings.max_article_bytes == 5_000_000
    assert (settings.rate_limit_per_second, settings.rate_limit_per_group_minute) == (30, 20)


def test_id_lists_and_limits_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "ADMIN_USER_IDS": " 501, 502 ",
            "ALLOWED_CHAT_IDS": "501,-1001234567890",
            "MAX_ARTICLE_BYTES": "1000",
            "RATE_LIMIT_PER_SECOND": "0",
            "RATE_LIMIT_PER_GROUP_MINUTE": "0",
        }
    )
    assert settings.admin_user_ids == {501, 502}
    assert settings.allowed_chat_ids == {501, -1001234567890}
    assert settings.max_article_bytes == 1000
    assert (settings.rate_limit_per_second, settings.rate_limit_per_group_minute) == (0, 0)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ADMIN_USER_IDS": "501;502"}, "ADMIN_USER_IDS must be Telegram ids separated by commas"),
        ({"ADMIN_USER_IDS": "@ana"}, r"ADMIN_USER_IDS must be .* got '@ana'"),
        ({"ADMIN_USER_IDS": "-100200"}, "ADMIN_USER_IDS must list user ids, which are positive"),
        ({"ALLOWED_CHAT_IDS": "501,,502"}, "ALLOWED_CHAT_IDS must be .* got an empty entry"),
        ({"ALLOWED_CHAT_IDS": "1.5"}, r"ALLOWED_CHAT_IDS must be .* got '1.5'"),
        ({"MAX_ARTICLE_BYTES": "5MB"}, "MAX_ARTICLE_BYTES must be a whole number, got '5MB'"),
        ({"MAX_ARTICLE_BYTES": "0"}, "MAX_ARTICLE_BYTES must be 1 or more, got 0"),
        ({"RATE_LIMIT_PER_SECOND": "-1"}, "RATE_LIMIT_PER_SECOND must be 0 .* or more"),
        ({"RATE_LIMIT_PER_GROUP_MINUTE": "x"}, "RATE_LIMIT_PER_GROUP_MINUTE must be a number"),
    ],
    ids=["semicolons", "username", "group-as-admin", "empty-entry", "decimal", "size-unit",
         "size-zero", "rate-negative", "group-rate-word"],
)  # fmt: skip
def test_malformed_access_and_limit_settings(env: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_malformed_id_list_stops_bot_run_with_one_line(capsys, monkeypatch) -> None:
    from bot.cli import main

    monkeypatch.setenv("ALLOWED_CHAT_IDS", "501, the newsroom")
    assert main(["run"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "error: ALLOWED_CHAT_IDS must be Telegram ids separated by commas "
        "(like 12345,-1001234567890), got 'the newsroom'\n"
    )


def test_ingestion_defaults_and_environment() -> None:
    settings = Settings.from_env({})
    assert settings.feed_refresh_minutes == 60 and settings.max_article_age_days is None
    assert settings.gaps_log is True
    assert (settings.fetch_timeout, settings.max_page_bytes) == (30.0, 10_000_000)
    settings = Settings.from_env(
        {
            "FEED_REFRESH_MINUTES": "15",
            "MAX_ARTICLE_AGE_DAYS": "7",
            "GAPS_LOG": "off",
            "FETCH_TIMEOUT_SECONDS": "2.5",
            "MAX_PAGE_BYTES": "1000",
        }
    )
    assert (settings.feed_refresh_minutes, settings.max_article_age_days) == (15, 7)
    assert settings.gaps_log is False
    assert (settings.fetch_timeout, settings.max_page_bytes) == (2.5, 1000)
    assert Settings.from_env({"MAX_ARTICLE_AGE_DAYS": "0"}).max_article_age_days is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FEED_REFRESH_MINUTES": "-1"}, "FEED_REFRESH_MINUTES must be 0 (never) or more, got -1"),
        ({"MAX_ARTICLE_AGE_DAYS": "-3"}, "MAX_ARTICLE_AGE_DAYS must be 1 or more"),
        ({"MAX_ARTICLE_AGE_DAYS": "a week"}, "MAX_ARTICLE_AGE_DAYS must be a whole number"),
        ({"GAPS_LOG": "maybe"}, "GAPS_LOG must be on or off, got 'maybe'"),
        ({"FETCH_TIMEOUT_SECONDS": "0"}, "FETCH_TIMEOUT_SECONDS must be more than 0"),
        ({"MAX_PAGE_BYTES": "0"}, "MAX_PAGE_BYTES must be 1 or more, got 0"),
    ],
    ids=["refresh", "age", "age-words", "gaps", "timeout", "page-bytes"],
)
def test_malformed_ingestion_settings(env: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env(env)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SEMANTIC": "maybe"}, "SEMANTIC must be one of auto, on, off, got 'maybe'"),
        ({"SEMANTIC_MAX_SENTENCES": "lots"}, "SEMANTIC_MAX_SENTENCES must be a whole number"),
        ({"SEMANTIC_MAX_SENTENCES": "-5"}, "SEMANTIC_MAX_SENTENCES must be 0 or more, got -5"),
    ],
    ids=["mode", "max-word", "max-negative"],
)
def test_malformed_semantic_settings(env: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_semantic_settings_are_read() -> None:
    settings = Settings.from_env(
        {
            "SEMANTIC": "ON",
            "SEMANTIC_MODEL": "/models/minilm",
            "SEMANTIC_MODEL_FILE": "model_int8.onnx",
            "MODEL_CACHE_DIR": "/var/cache/models",
            "SEMANTIC_MAX_SENTENCES": "5000",
            "HF_ENDPOINT": "http://127.0.0.1:9",
        }
    )
    assert (settings.semantic, settings.semantic_model) == ("on", "/models/minilm")
    assert settings.semantic_model_file == "model_int8.onnx"
    assert settings.model_cache_dir == Path("/var/cache/models")
    assert settings.semantic_max_sentences == 5000
    assert settings.hf_endpoint == "http://127.0.0.1:9"
    defaults = Settings.from_env({})
    assert defaults.semantic == "auto" and defaults.semantic_model_file is None
    assert defaults.semantic_model == "sentence-transformers/all-MiniLM-L6-v2"


def test_cluster_settings_are_read() -> None:
    defaults = Settings.from_env({})
    assert defaults.ray_address is None  # the index lives in the bot's process
    assert (defaults.shards, defaults.shard_dir, defaults.shard_timeout) == (
        4,
        Path(".shards"),
        10.0,
    )
    settings = Settings.from_env(
        {
            "RAY_ADDRESS": " 10.0.0.1:6379 ",
            "SHARDS": "16",
            "SHARD_DIR": "/mnt/archive/shards",
            "SHARD_TIMEOUT_SECONDS": "2.5",
        }
    )
    assert settings.ray_address == "10.0.0.1:6379" and settings.shards == 16
    assert (settings.shard_dir, settings.shard_timeout) == (Path("/mnt/archive/shards"), 2.5)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHARDS": "0"}, "SHARDS must be between 1 and 1024, got 0"),
        ({"SHARDS": "four"}, "SHARDS must be a whole number, got 'four'"),
        ({"SHARD_TIMEOUT_SECONDS": "0"}, "SHARD_TIMEOUT_SECONDS must be more than 0, got 0.0"),
    ],
    ids=["shards-zero", "shards-word", "timeout"],
)
def test_malformed_cluster_settings(env: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)
