"""Settings read from the environment (and `.env`), validated in one place."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError

DEFAULT_CORPUS_DIR = "corpus"
MAX_TOP_K = 10
DEFAULT_INDEX_CACHE = ".index-cache"
DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
SEMANTIC_MODES = ("auto", "on", "off")
# What SEMANTIC=auto encodes at most: 15 to 25 minutes of encoding on two cores (README).
DEFAULT_SEMANTIC_MAX_SENTENCES = 100_000
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
# One string, so that the only quoted capitals here stay the setting names (a docs test).
LOG_LEVELS = tuple("DEBUG INFO WARNING ERROR CRITICAL".split())
# A bot token: the bot's numeric id, a colon, then a long secret (BotFather's format).
TOKEN_PATTERN = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{30,}")
# Telegram's rule for setWebhook's secret_token: 1-256 of these characters.
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
# Article files larger than this are skipped with a warning (a news article is 5-50 kB).
DEFAULT_MAX_ARTICLE_BYTES = 5_000_000
# Telegram's published flood limits (python-telegram-bot's AIORateLimiter defaults).
DEFAULT_RATE_PER_SECOND = 30.0
DEFAULT_GROUP_RATE_PER_MINUTE = 20.0
# Ingestion: feeds read every hour by `bot run`; pages fetched within 30 s and 10 MB.
DEFAULT_FEED_REFRESH_MINUTES = 60.0
DEFAULT_FETCH_TIMEOUT = 30.0
DEFAULT_MAX_PAGE_BYTES = 10_000_000
# A sharded index (RAY_ADDRESS set): shards a first build makes, where they are written (a
# relative path is inside CORPUS_DIR), and how long a question waits for a shard.
DEFAULT_SHARDS = 4
MAX_SHARDS = 1024
DEFAULT_SHARD_DIR = ".shards"
DEFAULT_SHARD_TIMEOUT = 10.0
_ID = re.compile(r"-?\d{1,20}")


@dataclass(frozen=True)
class SearchParams:
    """BM25 knobs (names and defaults as in rank_bm25) and the relevance floor."""

    k1: float = 0.5
    b: float = 0.4
    epsilon: float = 0.25
    # Share of the question's weight (summed idf of its distinct words) that the best sentence
    # must match before we call the briefing relevant; see README "Relevance floor".
    min_coverage: float = 0.25
    # Tuned on the first 24 SQuAD dev articles (bench/quality.py); see README "Answer quality".
    # Weight of a question word's exact form and of a pair of neighbouring question words,
    # against 1 for a shared stem; of stems borrowed from the sentence a pronoun leans on.
    exact_weight: float = 0.3
    pair_weight: float = 0.2
    antecedent_weight: float = 0.3
    # Weight of the kind of answer a question asks for ("when" -> a year or month).
    kind_weight: float = 2.0
    # Share of the BM25 score of the sentence's paragraph and of its article that it adds.
    paragraph_weight: float = 1.0
    article_weight: float = 0.3
    # The semantic stage (see `search.fusion`), tuned on the news paraphrase dev set, the first
    # 24 SQuAD dev articles, WikiQA dev and TrecQA dev; README "Semantic stage".
    coverage_offset: float = 0.2
    coverage_weight: float = 0.1
    bm25_weight: float = 0.3
    bm25_power: float = 3.0
    # A question is covered when a candidate's similarity, plus `evidence_weight` times the
    # share of the question's weight it holds above `evidence_offset`, reaches `semantic_floor`;
    # `name_margin` more when the question names something the corpus never mentions.
    semantic_floor: float = 0.365
    evidence_weight: float = 0.3
    evidence_offset: float = 0.3
    name_margin: float = 0.2

    def __post_init__(self) -> None:
        if self.k1 < 0:
            raise ConfigError(f"BM25_K1 must be 0 or more, got {self.k1}")
        if not 0 <= self.b <= 1:
            raise ConfigError(f"BM25_B must be between 0 and 1, got {self.b}")
        if self.epsilon < 0:
            raise ConfigError(f"BM25_EPSILON must be 0 or more, got {self.epsilon}")
        if not 0 <= self.min_coverage <= 1:
            raise ConfigError(f"MIN_COVERAGE must be between 0 and 1, got {self.min_coverage}")


@dataclass(frozen=True)
class Settings:
    """Everything the bot can be configured with; see `.env.example`."""

    corpus_dir: Path = Path(DEFAULT_CORPUS_DIR)
    top_k: int = 3
    search: SearchParams = field(default_factory=SearchParams)
    telegram_bot_token: str | None = field(default=None, repr=False)
    telegram_base_url: str = DEFAULT_BASE_URL
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_secret: str | None = field(default=None, repr=False)
    log_level: str = LOG_LEVELS[1]
    # Where the built index is saved; relative to the corpus folder; None: never saved.
    index_cache: Path | None = Path(DEFAULT_INDEX_CACHE)
    # Telegram user ids allowed to use admin commands (/reload).
    admin_user_ids: frozenset[int] = frozenset()
    # Chats the bot answers in; None answers everyone.
    allowed_chat_ids: frozenset[int] | None = None
    max_article_bytes: int = DEFAULT_MAX_ARTICLE_BYTES
    # Sending limits; 0 turns a limit off (a local Bot API emulator, never real Telegram).
    rate_limit_per_second: float = DEFAULT_RATE_PER_SECOND
    rate_limit_per_group_minute: float = DEFAULT_GROUP_RATE_PER_MINUTE
    # The semantic stage: auto, on or off; the model (a folder or a Hugging Face repository),
    # its ONNX file, where downloads go, and the most sentences `auto` encodes.
    semantic: str = SEMANTIC_MODES[0]
    semantic_model: str = DEFAULT_MODEL
    semantic_model_file: str | None = None
    model_cache_dir: Path = field(default_factory=lambda: _default_model_cache({}))
    semantic_max_sentences: int = DEFAULT_SEMANTIC_MAX_SENTENCES
    # Languages whose questions the semantic stage answers (its model's); None: every language.
    semantic_languages: frozenset[str] | None = frozenset({"en"})
    hf_endpoint: str | None = None
    # `bot run` reads the feeds this often; 0: never (`bot refresh` still does).
    feed_refresh_minutes: float = DEFAULT_FEED_REFRESH_MINUTES
    # Articles dated more than this many days ago leave the index (not the folder); None: all.
    max_article_age_days: int | None = None
    # Questions the briefing could not answer are counted (text, time, chat kind).
    gaps_log: bool = True
    # Fetching pages and feeds: time for a whole transfer, and bytes read at most.
    fetch_timeout: float = DEFAULT_FETCH_TIMEOUT
    max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES
    # The Ray cluster holding a sharded index; None: the index lives in this process.
    ray_address: str | None = None
    shards: int = DEFAULT_SHARDS
    shard_dir: Path = Path(DEFAULT_SHARD_DIR)
    shard_timeout: float = DEFAULT_SHARD_TIMEOUT

    def __post_init__(self) -> None:
        if not re.match(r"https?://[^/\s]+/\S*$", self.telegram_base_url):
            raise ConfigError(
                "TELEGRAM_BASE_URL must be an http(s) URL like https://api.telegram.org/bot, "
                f"got {self.telegram_base_url!r}"
            )
        if self.webhook_url is not None and not self.webhook_url.startswith("https://"):
            raise ConfigError(
                "WEBHOOK_URL must start with https:// (Telegram only calls HTTPS webhooks)"
            )
        if not 1 <= self.webhook_port <= 65535:
            raise ConfigError(f"WEBHOOK_PORT must be between 1 and 65535, got {self.webhook_port}")
        if self.webhook_secret is not None and not SECRET_PATTERN.fullmatch(self.webhook_secret):
            # The value is a secret: say what is wrong with it, never what it is.
            raise ConfigError("WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        if self.log_level not in LOG_LEVELS:
            raise ConfigError(
                f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {self.log_level!r}"
            )
        if any(user <= 0 for user in self.admin_user_ids):
            raise ConfigError(
                "ADMIN_USER_IDS must list user ids, which are positive (a negative id is a group)"
            )
        if self.max_article_bytes < 1:
            raise ConfigError(f"MAX_ARTICLE_BYTES must be 1 or more, got {self.max_article_bytes}")
        if self.rate_limit_per_second < 0:
            raise ConfigError(
                f"RATE_LIMIT_PER_SECOND must be 0 (no limit) or more, "
                f"got {self.rate_limit_per_second}"
            )
        if self.semantic not in SEMANTIC_MODES:
            raise ConfigError(
                f"SEMANTIC must be one of {', '.join(SEMANTIC_MODES)}, got {self.semantic!r}"
            )
        if self.semantic_max_sentences < 0:
            raise ConfigError(
                f"SEMANTIC_MAX_SENTENCES must be 0 or more, got {self.semantic_max_sentences}"
            )
        if self.rate_limit_per_group_minute < 0:
            raise ConfigError(
                f"RATE_LIMIT_PER_GROUP_MINUTE must be 0 (no limit) or more, "
                f"got {self.rate_limit_per_group_minute}"
            )
        if self.feed_refresh_minutes < 0:
            raise ConfigError(
                f"FEED_REFRESH_MINUTES must be 0 (never) or more, got {self.feed_refresh_minutes}"
            )
        if self.max_article_age_days is not None and self.max_article_age_days < 1:
            raise ConfigError(
                f"MAX_ARTICLE_AGE_DAYS must be 1 or more (or empty for no limit), "
                f"got {self.max_article_age_days}"
            )
        if self.fetch_timeout <= 0:
            raise ConfigError(
                f"FETCH_TIMEOUT_SECONDS must be more than 0, got {self.fetch_timeout}"
            )
        if self.max_page_bytes < 1:
            raise ConfigError(f"MAX_PAGE_BYTES must be 1 or more, got {self.max_page_bytes}")
        if not 1 <= self.shards <= MAX_SHARDS:
            raise ConfigError(f"SHARDS must be between 1 and {MAX_SHARDS}, got {self.shards}")
        if self.shard_timeout <= 0:
            raise ConfigError(
                f"SHARD_TIMEOUT_SECONDS must be more than 0, got {self.shard_timeout}"
            )

    @property
    def telegram_file_base_url(self) -> str:
        """The Bot API file URL that goes with `telegram_base_url` (`…/bot` → `…/file/bot`)."""
        head, bot, tail = self.telegram_base_url.rpartition("/bot")
        return f"{head}/file/bot{tail}" if bot else self.telegram_base_url

    def require_token(self) -> str:
        """Return the bot token, or raise ConfigError (never quoting it) when unusable."""
        token = self.telegram_bot_token
        if not token:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather and put it in .env "
                "(see .env.example) or the environment"
            )
        if not TOKEN_PATTERN.fullmatch(token):
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then 30 or "
                "more letters, digits, _ or -); copy it again from @BotFather"
            )
        return token

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from a mapping of environment variables (default: `os.environ`)."""
        env = os.environ if environ is None else environ
        search = SearchParams(
            k1=_number(env, "BM25_K1", SearchParams.k1),
            b=_number(env, "BM25_B", SearchParams.b),
            epsilon=_number(env, "BM25_EPSILON", SearchParams.epsilon),
            min_coverage=_number(env, "MIN_COVERAGE", SearchParams.min_coverage),
        )
        top_k = int(_number(env, "TOP_K", cls.top_k, integer=True))
        if not 1 <= top_k <= MAX_TOP_K:
            raise ConfigError(f"TOP_K must be between 1 and {MAX_TOP_K}, got {top_k}")
        return cls(
            corpus_dir=Path(env.get("CORPUS_DIR", "").strip() or DEFAULT_CORPUS_DIR),
            top_k=top_k,
            search=search,
            telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
            telegram_base_url=env.get("TELEGRAM_BASE_URL", "").strip() or DEFAULT_BASE_URL,
            webhook_url=env.get("WEBHOOK_URL", "").strip() or None,
            webhook_listen=env.get("WEBHOOK_LISTEN", "").strip() or cls.webhook_listen,
            webhook_port=int(_number(env, "WEBHOOK_PORT", cls.webhook_port, integer=True)),
            webhook_secret=env.get("WEBHOOK_SECRET", "").strip() or None,
            log_level=(env.get("LOG_LEVEL", "").strip() or cls.log_level).upper(),
            index_cache=_cache_dir(env.get("INDEX_CACHE_DIR", "").strip()),
            admin_user_ids=_ids(env, "ADMIN_USER_IDS") or frozenset(),
            allowed_chat_ids=_ids(env, "ALLOWED_CHAT_IDS"),
            max_article_bytes=int(
                _number(env, "MAX_ARTICLE_BYTES", cls.max_article_bytes, integer=True)
            ),
            rate_limit_per_second=_number(env, "RATE_LIMIT_PER_SECOND", cls.rate_limit_per_second),
            rate_limit_per_group_minute=_number(
                env, "RATE_LIMIT_PER_GROUP_MINUTE", cls.rate_limit_per_group_minute
            ),
            semantic=(env.get("SEMANTIC", "").strip() or cls.semantic).lower(),
            semantic_model=env.get("SEMANTIC_MODEL", "").strip() or DEFAULT_MODEL,
            semantic_model_file=env.get("SEMANTIC_MODEL_FILE", "").strip() or None,
            model_cache_dir=_default_model_cache(env),
            semantic_max_sentences=int(
                _number(
                    env, "SEMANTIC_MAX_SENTENCES", DEFAULT_SEMANTIC_MAX_SENTENCES, integer=True
                )
            ),
            hf_endpoint=env.get("HF_ENDPOINT", "").strip() or None,
            semantic_languages=_languages(env.get("SEMANTIC_LANGUAGES", "")),
            feed_refresh_minutes=_number(env, "FEED_REFRESH_MINUTES", cls.feed_refresh_minutes),
            max_article_age_days=_age(env),
            gaps_log=_switch(env, "GAPS_LOG", cls.gaps_log),
            fetch_timeout=_number(env, "FETCH_TIMEOUT_SECONDS", cls.fetch_timeout),
            max_page_bytes=int(_number(env, "MAX_PAGE_BYTES", cls.max_page_bytes, integer=True)),
            ray_address=env.get("RAY_ADDRESS", "").strip() or None,
            shards=int(_number(env, "SHARDS", cls.shards, integer=True)),
            shard_dir=Path(env.get("SHARD_DIR", "").strip() or DEFAULT_SHARD_DIR),
            shard_timeout=_number(env, "SHARD_TIMEOUT_SECONDS", cls.shard_timeout),
        )


def _languages(value: str) -> frozenset[str] | None:
    """SEMANTIC_LANGUAGES: language codes separated by commas, or `all`; English by default."""
    value = value.strip().lower()
    if value == "all":
        return None
    codes = [code.strip() for code in value.split(",") if code.strip()] or ["en"]
    wrong = [code for code in codes if not re.fullmatch(r"[a-z]{2,3}", code)]
    if wrong:
        raise ConfigError(
            "SEMANTIC_LANGUAGES must be language codes separated by commas (like en,de) or all, "
            f"got {value!r}"
        )
    return frozenset(codes)


def _default_model_cache(env: Mapping[str, str]) -> Path:
    """MODEL_CACHE_DIR, else ~/.cache/briefing-bot/models."""
    explicit = env.get("MODEL_CACHE_DIR", "").strip()
    if explicit:
        return Path(explicit).expanduser()
    return Path.home() / ".cache" / "briefing-bot" / "models"


def _cache_dir(value: str) -> Path | None:
    if value.lower() in ("off", "none", "no", "false", "0"):
        return None
    return Path(value or DEFAULT_INDEX_CACHE)


def read_environment(dotenv_path: str | Path = ".env") -> dict[str, str]:
    """Merge `.env` (if present) under the real environment, which wins."""
    from dotenv import dotenv_values

    merged = {k: v for k, v in dotenv_values(dotenv_path).items() if v is not None}
    merged.update(os.environ)
    return merged


def _number(env: Mapping[str, str], name: str, default: float, integer: bool = False) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw) if integer else float(raw)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise ConfigError(f"{name} must be {kind}, got {raw!r}") from None


def _ids(env: Mapping[str, str], name: str) -> frozenset[int] | None:
    """Comma-separated Telegram ids; None when the variable is unset or empty."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    pieces = [piece.strip() for piece in raw.split(",")]
    bad = [piece for piece in pieces if not _ID.fullmatch(piece)]
    if bad:
        got = repr(bad[0]) if bad[0] else "an empty entry"
        raise ConfigError(
            f"{name} must be Telegram ids separated by commas (like 12345,-1001234567890), "
            f"got {got}"
        )
    return frozenset(int(piece) for piece in pieces)


def _age(env: Mapping[str, str]) -> int | None:
    """MAX_ARTICLE_AGE_DAYS: None when unset, empty or 0 (no window)."""
    days = int(_number(env, "MAX_ARTICLE_AGE_DAYS", 0, integer=True))
    return days or None


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("on", "yes", "true", "1"):
        return True
    if raw in ("off", "no", "false", "0"):
        return False
    raise ConfigError(f"{name} must be on or off, got {raw!r}")
